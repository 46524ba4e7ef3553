"""End-to-end annotation speed on this machine: tracking both directions, T-Assess, selection, keyframe
adaptation of the refiner, refinement.

Every stage of ``vasr.pipeline.Annotator`` is timed on the same sequences in the same run, so the stages can
be compared with each other; the paper's figure (30 FPS on one GPU, DiMP + T-Assess + VG-Refine) is quoted,
not measured. Refinement is also measured alone at several batch sizes (windows of L = 20 crops per batch
item), as refined boxes per second, next to the tracker's own steps per second from the same run.

Speed does not depend on the weights: trained checkpoints are used when given, otherwise freshly built nets
(the output says which). Frames per second = frames annotated / seconds of all stages (decoding included,
since a real run decodes too).

    python benchmarks/bench_annotate.py --root ../shared/data/real
    python benchmarks/bench_annotate.py --limit 2          (embedded default data, quick)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from vasr.cli.tables import render_table
from vasr.data.readers import DATASETS, load_dataset
from vasr.data.sources import DataSource
from vasr.pipeline import keyframes_of
from vasr.refinement.adaptation import KeyframeAdaptation, adapt_to_keyframes
from vasr.refinement.annotate import refine_sequence
from vasr.refinement.dataset import RefineSequence
from vasr.refinement.model import VGRefineNet
from vasr.selection.annotate import select_tracks
from vasr.selection.assess import assess_sequence
from vasr.selection.model import TAssessNet
from vasr.tracking.registry import build_batch_tracker
from vasr.tracking.snippets import track_sequence

PAPER_FPS = 30.0  # paper section 4: the whole pipeline on one GPU


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=None, help="dataset root (default: embedded data)")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="otb")
    parser.add_argument("--limit", type=int, default=None, help="only the first N sequences")
    parser.add_argument("--tracker", default="dcf")
    parser.add_argument("--tassess", type=Path, default=Path("checkpoints/tassess.ckpt"))
    parser.add_argument("--refiner", type=Path, default=Path("checkpoints/vgrefine.ckpt"))
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4, 16], help="refinement batches")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of the nets")
    parser.add_argument("--out", type=Path, default=Path("results/bench/annotate.json"))
    return parser.parse_args(argv)


def _nets(args: argparse.Namespace) -> tuple[TAssessNet, VGRefineNet, dict[str, str]]:
    source = {}
    if args.tassess.is_file():
        from lightning_modules.tassess import TAssessModule

        assessor, source["tassess"] = (
            TAssessModule.load_from_checkpoint(args.tassess, map_location="cpu").net,
            str(args.tassess),
        )
    else:
        assessor, source["tassess"] = TAssessNet(), "untrained (speed only)"
    if args.refiner.is_file():
        from lightning_modules.vgrefine import VGRefineModule

        module = VGRefineModule.load_from_checkpoint(args.refiner, map_location="cpu", pretrained=False)
        refiner, source["refiner"] = module.net, str(args.refiner)
    else:
        # the CPU profile that 'make train-vgrefine' trains (experiments/vgrefine.yaml): 64 x 64 crops
        refiner, source["refiner"] = VGRefineNet("vg", crop_size=64), "untrained, 64 x 64 crops (speed only)"
    return assessor.eval(), refiner.eval(), source


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    sequences = DataSource().load() if args.root is None else load_dataset(args.dataset, args.root)
    sequences = sequences[: args.limit] if args.limit else sequences
    assessor, refiner, source = _nets(args)
    tracker = build_batch_tracker(args.tracker)
    seconds = {"tracking": 0.0, "assessment": 0.0, "selection": 0.0, "adaptation": 0.0, "refinement": 0.0}
    as_it_is = KeyframeAdaptation(steps=0)
    frames = steps = refined_boxes = 0
    materials = []
    for sequence in tqdm(sequences, desc="annotating", unit="seq"):
        keys = keyframes_of(sequence)
        begin = time.perf_counter()
        tracks = track_sequence(sequence, tracker, keys)
        seconds["tracking"] += time.perf_counter() - begin
        begin = time.perf_counter()
        forward, backward = assess_sequence(assessor, tracks, sequence.image_size)
        seconds["assessment"] += time.perf_counter() - begin
        begin = time.perf_counter()
        select_tracks(tracks, forward, backward, "sel-fail")
        seconds["selection"] += time.perf_counter() - begin
        begin = time.perf_counter()
        material = RefineSequence.from_tracks(sequence, tracks)
        adapted = adapt_to_keyframes(refiner, material, refiner.adaptation)
        seconds["adaptation"] += time.perf_counter() - begin
        begin = time.perf_counter()
        refine_sequence(adapted, material, adaptation=as_it_is)
        seconds["refinement"] += time.perf_counter() - begin
        materials.append(material)
        frames += len(sequence)
        steps += tracks.steps
        refined_boxes += int(material.forward.valid.sum() + material.backward.valid.sum())
    total = sum(seconds.values())
    fps = frames / total
    stage_rows = [
        {"stage": name, "seconds": round(s, 1), "share": s / total, "frames_per_s": frames / s if s else None}
        for name, s in seconds.items()
    ]
    stage_rows.append({"stage": "all", "seconds": round(total, 1), "share": 1.0, "frames_per_s": fps})
    print(render_table(stage_rows, ["stage", "seconds", "share", "frames_per_s"]))
    tracker_rate = steps / seconds["tracking"]
    batch_rows = []
    for batch in args.batch_sizes:
        begin = time.perf_counter()
        for material in materials:
            refine_sequence(refiner, material, batch_size=batch, adaptation=as_it_is)
        elapsed = time.perf_counter() - begin
        rate = refined_boxes / elapsed
        batch_rows.append(
            {
                "windows_per_batch": batch,
                "boxes_per_batch": 20 * batch,
                "refined_boxes_per_s": rate,
                "vs_tracker_steps_per_s": rate / tracker_rate,
            }  # fmt: skip
        )
    print(render_table(batch_rows, ["windows_per_batch", "boxes_per_batch", "refined_boxes_per_s",
                                    "vs_tracker_steps_per_s"]))  # fmt: skip
    print(
        f"{frames} frames of {len(sequences)} sequences: {fps:.1f} frames/s end to end on {args.threads} CPU "
        f"thread(s) = {fps / PAPER_FPS:.2f} x the paper's {PAPER_FPS:.0f} FPS on a GPU; tracker "
        f"{tracker_rate:.1f} steps/s (both directions: {steps} steps); keyframe adaptation "
        f"{refiner.adaptation.steps} steps per sequence; nets: {source}"
    )
    report = {
        "frames": frames,
        "sequences": len(sequences),
        "stages": stage_rows,
        "refinement_batches": batch_rows,
        "end_to_end_fps": fps,
        "paper_fps": PAPER_FPS,
        "tracker_steps_per_s": tracker_rate,
        "adapt_steps": refiner.adaptation.steps,
        "nets": source,
        "torch_threads": args.threads,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
