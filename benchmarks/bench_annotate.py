"""End-to-end annotation speed on this machine against the classical tool a user would pick instead.

VASR runs through ``vasr.pipeline.Annotator``, stage by stage (tracking both directions, T-Assess,
selection, keyframe adaptation of the refiner, refinement of the kept boxes), each stage timed on the same
sequences in the same run. The peer, measured in the same run on the same frames: OpenCV's CSRT tracking
forward from each keyframe (what an annotation tool's tracker does). The ratio printed is VASR's frames
per second over CSRT's; above 1.0 full VASR costs no more than the classical tracker. The paper's figure
(30 FPS on one GPU) is quoted, not measured. Refinement is also measured alone at several batch sizes.

A correction round is timed too, the human-in-the-loop case: one new keyframe in the middle of a snippet,
annotated again from the tracks of the first run, against a full run of the same video, both through
``Annotator.annotate`` with the package's default nets (T-Assess; no refiner, as a fresh install runs). The
round tracks from the new keyframe both ways (`vasr.tracking.snippets`, "Reuse"). It is timed on two
videos: the first of the embedded data (300 frames) and the longest benchmarked one. The ratio printed is
full run / correction round. Last, the review page's Re-run after one saved correction, as the page runs it
(in its server's process, files written), on a 250-frame clip (Human7 of the real clips, else the first 250
frames' worth of the embedded data's first video).

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
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

import torch
from tqdm import tqdm

from vasr.atomic import atomic_write_text
from vasr.checkpoints import Refiner, load_assessor, load_refiner
from vasr.data.readers import DATASETS, load_dataset
from vasr.data.sequence import Sequence
from vasr.data.sources import DataSource
from vasr.directions import FORWARD
from vasr.pipeline import Annotator, keyframes_of
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.refinement.model import VGRefineNet
from vasr.refinement.refine import refine_kept
from vasr.run import load_assessors
from vasr.selection.model import TAssessNet
from vasr.tables import render_table
from vasr.tracking.registry import SETS, build_batch_tracker, resolve_tracker
from vasr.tracking.snippets import track_sequence

PEER = "csrt"  # OpenCV's CSRT: the accurate classical tracker annotation tools offer
PAPER_FPS = 30.0  # paper section 4: the whole pipeline on one GPU


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=None, help="dataset root (default: embedded data)")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="otb")
    parser.add_argument("--limit", type=int, default=None, help="only the first N sequences")
    parser.add_argument(
        "--tracker",
        default="auto",
        help="tracker or set (auto: ensemble with NanoTrack's weights, else dcf-accurate)",
    )
    parser.add_argument(
        "--tassess",
        type=Path,
        default=None,
        help="T-Assess of a single tracker (default: as vasr annotate's)",
    )
    parser.add_argument("--refiner", type=Path, default=Path("checkpoints/vgrefine.ckpt"))
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4, 16], help="refinement batches")
    parser.add_argument(
        "--adapt-steps", type=int, default=None, help="keyframe adaptation steps (default: the checkpoint's)"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch threads of the nets")
    parser.add_argument("--out", type=Path, default=Path("results/bench/annotate.json"))
    return parser.parse_args(argv)


def _nets(args: argparse.Namespace) -> tuple[TAssessNet | dict[str, TAssessNet], Refiner, dict[str, str]]:
    source = {}
    if args.tassess is not None:
        assessor, source["tassess"] = load_assessor(args.tassess), str(args.tassess)
    else:
        assessor, source["tassess"] = load_assessors(args.tracker), "vasr annotate's default"
    if args.refiner.is_file():
        refiner, source["refiner"] = load_refiner(args.refiner), str(args.refiner)
    else:
        # the CPU profile that 'make train-vgrefine' trains (experiments/vgrefine.yaml): 64 x 64 crops
        net = VGRefineNet("vg", crop_size=64).eval()
        refiner, source["refiner"] = (
            Refiner(net, KeyframeAdaptation()),
            "untrained, 64 x 64 crops (speed only)",
        )
    if args.adapt_steps is not None:
        refiner = Refiner(refiner.net, replace(refiner.adaptation, steps=args.adapt_steps))
    return assessor, refiner, source


@contextmanager
def timing(seconds: dict[str, float], stage: str) -> Iterator[None]:
    """Add the block's wall time to ``seconds[stage]``."""
    begin = time.perf_counter()
    yield
    seconds[stage] += time.perf_counter() - begin


def correction_round(tracker: str, sequence: Sequence | None = None, repeats: int = 3) -> dict[str, object]:
    """Full run of a video (default: the embedded data's first, 300 frames) against one correction round of
    it (module docstring); the best of ``repeats`` timings of each (decoding included)."""
    sequence = DataSource(fold=0).load()[0] if sequence is None else sequence
    annotator = Annotator(build_batch_tracker(tracker), load_assessors(tracker))
    keys = keyframes_of(sequence).indices.tolist()
    start, end = keys[len(keys) // 2 - 1], keys[len(keys) // 2]
    corrected = sorted({*keys, (start + end) // 2})
    full = corrected_run = float("inf")
    for _ in range(repeats):
        begin = time.perf_counter()
        first_tracks = annotator.track(sequence, keys)
        annotator.annotate(sequence, first_tracks)
        full = min(full, time.perf_counter() - begin)
        begin = time.perf_counter()
        again = annotator.track(sequence, corrected, previous=first_tracks)
        annotator.annotate(sequence, again)
        corrected_run = min(corrected_run, time.perf_counter() - begin)
    return {
        "video": sequence.name,
        "frames": len(sequence),
        "new_keyframe": (start + end) // 2,
        "full_run_s": full,
        "full_run_steps": first_tracks.steps,
        "correction_round_s": corrected_run,
        "correction_round_steps": again.steps,
        "reused_steps": again.reused_steps,
        "speed_up": full / corrected_run,
    }


def page_round(sequences: list[Sequence]) -> dict[str, object]:
    """The review page's Re-run after one saved correction on a 250-frame clip: seconds until the page has the
    new result (module docstring), against the first annotation of the clip."""
    from vasr.review.session import ReviewSession
    from vasr.run import RunConfig, annotate_run

    clip = next((s for s in sequences if s.name == "Human7"), None) or DataSource(fold=0).load()[0]
    with tempfile.TemporaryDirectory() as tmp:
        keys = sorted({*range(0, 250, 30), 249})
        keyframes = Path(tmp) / "keys.txt"
        keyframes.write_text(
            "".join(f"{k}, " + ", ".join(f"{v:.2f}" for v in clip.boxes[k]) + "\n" for k in keys)
        )
        frames = Path(tmp) / "frames"
        frames.mkdir()
        for index, path in enumerate(clip.frames.paths[:250]):  # the clip's first 250 frames, as they are
            (frames / f"{index:05d}{Path(path).suffix}").symlink_to(Path(path).resolve())
        config = RunConfig(
            out=Path(tmp) / "out", frames=frames, keyframes=keyframes, name="clip", refiner=None
        )
        begin = time.perf_counter()
        annotate_run(config, log=lambda message: None)
        first = time.perf_counter() - begin
        session = ReviewSession(config.out)
        data = session.sequence("clip")
        frame = data["to_check"][0] if data["to_check"] else 15
        x, y, w, h = data["boxes"][frame] or clip.boxes[frame]
        session.save("clip", data["version"], [{"frame": frame, "box": [x + 2, y, w, h]}])
        begin = time.perf_counter()
        session.rerun()
        while session.job.state == "running":
            time.sleep(0.01)
        rerun = time.perf_counter() - begin
        return {
            "clip": clip.name,
            "frames": 250,
            "first_run_s": first,
            "rerun_s": rerun,
            "state": session.job.state,
        }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.tracker = resolve_tracker(args.tracker)  # NanoTrack's weights: $VASR_NANOTRACK
    torch.set_num_threads(args.threads)
    sequences = DataSource().load() if args.root is None else load_dataset(args.dataset, args.root)
    sequences = sequences[: args.limit] if args.limit else sequences
    assessor, refiner, source = _nets(args)
    annotator = Annotator(build_batch_tracker(args.tracker), assessor, refiner.net, refiner.adaptation)
    peer = build_batch_tracker(PEER)
    stages = ("tracking", "assessment", "selection", "adaptation", "refinement", "assembly")
    seconds = dict.fromkeys((*stages, "peer"), 0.0)
    frames = steps = peer_steps = 0
    materials, selections = [], []
    for sequence in tqdm(sequences, desc="annotating", unit="seq"):
        keys = keyframes_of(sequence)
        with timing(seconds, "tracking"):
            tracks = annotator.track(sequence, keys)
        with timing(seconds, "assessment"):
            assessment = annotator.assess(sequence, tracks)
            tracks = assessment.tracks  # for a tracker set: the candidates kept
        with timing(seconds, "selection"):
            selection = annotator.select(tracks, assessment)
        with timing(seconds, "adaptation"):
            material = annotator.material(sequence, tracks)
            adapted = annotator.adapt(material)
        with timing(seconds, "refinement"):
            boxes = annotator.refine(material, selection, adapted)
        with timing(seconds, "assembly"):
            annotator.assemble(sequence, tracks, selection, assessment, boxes)
        with timing(seconds, "peer"):
            forward_only = track_sequence(sequence, peer, keys, directions=(FORWARD,))
        materials.append(material)
        selections.append(selection)
        frames += len(sequence)
        steps += tracks.steps
        peer_steps += forward_only.steps
    total = sum(seconds[s] for s in stages)
    fps, peer_fps = frames / total, frames / seconds["peer"]
    stage_rows = [
        {"stage": name, "seconds": round(seconds[name], 1), "share": seconds[name] / total,
         "frames_per_s": frames / seconds[name] if seconds[name] else None}
        for name in stages
    ]  # fmt: skip
    stage_rows.append(
        {"stage": "VASR, end to end", "seconds": round(total, 1), "share": 1.0, "frames_per_s": fps}
    )
    stage_rows.append(
        {
            "stage": f"{PEER}, forward only (peer)",
            "seconds": round(seconds["peer"], 1),
            "frames_per_s": peer_fps,
        }
    )
    stage_columns = ["stage", "seconds", "share", "frames_per_s"]
    print(render_table(stage_rows, stage_columns))
    tracker_rate = steps / seconds["tracking"]
    batch_rows = []
    refined_boxes = sum(int((s.direction >= 0).sum()) for s in selections)
    for batch in args.batch_sizes:
        begin = time.perf_counter()
        for material, selection in zip(materials, selections, strict=True):
            refine_kept(refiner.net, material, selection.direction, batch_size=batch)
        rate = refined_boxes / (time.perf_counter() - begin)
        batch_rows.append(
            {
                "windows_per_batch": batch,
                "refined_boxes_per_s": rate,
                "vs_tracker_steps_per_s": rate / tracker_rate,
            }
        )
    batch_columns = ["windows_per_batch", "refined_boxes_per_s", "vs_tracker_steps_per_s"]
    print(render_table(batch_rows, batch_columns))
    which = "both directions, every tracker of the set" if args.tracker in SETS else "both directions"
    summary = (
        f"{frames} frames of {len(sequences)} sequences on {args.threads} CPU thread(s): VASR "
        f"{fps:.1f} frames/s end to end = {fps / peer_fps:.2f} x {PEER} forward-only ({peer_fps:.1f} "
        f"frames/s, {peer_steps / seconds['peer']:.1f} steps/s) in the same run; "
        f"{fps / PAPER_FPS:.2f} x the paper's {PAPER_FPS:.0f} FPS on a GPU; {args.tracker} "
        f"{tracker_rate:.1f} steps/s ({which}: {steps} steps); keyframe adaptation "
        f"{refiner.adaptation.steps} steps of {refiner.adaptation.batch_size} crops per sequence; "
        f"nets: {source}"
    )
    print(summary)
    stages_md = render_table(stage_rows, stage_columns, markdown=True)
    lines = [stages_md, "", render_table(batch_rows, batch_columns, markdown=True), "", summary]
    longest = max(sequences, key=len)
    corrections = [correction_round(args.tracker)]
    if len(longest) > corrections[0]["frames"]:
        corrections.append(correction_round(args.tracker, longest))
    for correction in corrections:
        lines.append(
            f"\ncorrection round ({correction['video']}, {correction['frames']} frames, a new keyframe at "
            f"frame {correction['new_keyframe']}): {correction['correction_round_s']:.2f} s and "
            f"{correction['correction_round_steps']} tracker steps (reused {correction['reused_steps']}) "
            f"against a full run's {correction['full_run_s']:.2f} s and {correction['full_run_steps']} "
            f"steps: {correction['speed_up']:.1f}x faster "
            "(vasr annotate's default T-Assess, no refiner, best of 3)"
        )
    page = page_round(sequences)
    lines.append(
        f"\nreview page Re-run after one saved correction ({page['clip']}, {page['frames']} frames): "
        f"new boxes in {page['rerun_s']:.2f} s ({page['state']}), "
        f"against {page['first_run_s']:.2f} s for its first run"
    )
    print(lines[-1])
    report = {
        "page_round": page,
        "correction_round": corrections[0],
        "correction_round_longest": corrections[1] if len(corrections) > 1 else None,
        "frames": frames,
        "sequences": len(sequences),
        "stages": stage_rows,
        "refinement_batches": batch_rows,
        "end_to_end_fps": fps,
        "peer": PEER,
        "peer_fps": peer_fps,
        "vs_peer": fps / peer_fps,
        "paper_fps": PAPER_FPS,
        "tracker_steps_per_s": tracker_rate,
        "adaptation": asdict(refiner.adaptation),
        "nets": source,
        "torch_threads": args.threads,
    }
    print("\n".join(lines[5:]))
    atomic_write_text(args.out, json.dumps(report, indent=2, default=float) + "\n")
    atomic_write_text(args.out.with_suffix(".md"), "\n".join(lines) + "\n")  # docs/speed.md's table
    return 0


if __name__ == "__main__":
    sys.exit(main())
