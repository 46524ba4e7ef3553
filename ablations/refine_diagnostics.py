"""A quick look at one refiner: train it briefly, then ask *how* it changes the boxes of held-out data.

The refinement ablation says whether a refiner helps; this says why (not): on every tracked box of the
held-out windows (both directions, every frame with a visible ground truth, no keyframes) it prints the mIoU
and Acc@0.7 of the tracked and of the refined boxes, their size bias (mean and spread of log(w / w_gt), log(h
/ h_gt)), their centre error in box sizes, the same of the boxes halfway between the two, the share of boxes
improved / made worse by more than 0.01 IoU, and the refined IoU per bucket of tracked IoU. Data: the
ablations' protocol (``ablations.protocol``), fold 0 trains and fold 1 is held out (``--fold 1``: the other
way round). ``--adapt-steps`` adds the same report after keyframe adaptation (``vasr.refinement.adaptation``;
several steps and ``--adapt-batch-size`` values give one report per combination, with its time),
``--also-train`` one on the training fold's own clips. What adaptation costs against what it gives is also
written as a Markdown table (``adaptation.md`` in ``--out``: the tracked boxes, the offline net, then every
adaptation setting by its cost relative to the default one), which ``make refine-diagnostics`` puts into
docs/results.md.

    python ablations/refine_diagnostics.py --root ../shared/data/real          (V model, 300 batches)
    python ablations/refine_diagnostics.py --root ../shared/data/real --mask-head dense --jitter-prob 0.5
    python ablations/refine_diagnostics.py --root ../shared/data/real --no-default-data
    python ablations/refine_diagnostics.py --root ../shared/data/real --no-default-data --batches 1500 \
        --also-train                    (does the net learn its training clips, or objects in general?)
    python ablations/refine_diagnostics.py --root ../shared/data/real --adapt-steps 150
    python ablations/refine_diagnostics.py --config ablations/refine_diagnostics.yaml \
        --root ../shared/data/real             (what adaptation costs against what it gives)
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytorch_lightning as pl
import torch
from torch import Tensor
from torch.utils.data import default_collate

from ablations.protocol import (
    add_protocol_arguments,
    configured,
    data_options,
    fold_sources,
    parse_with_config,
    start_run,
)
from vasr.atomic import atomic_write_text
from vasr.geometry.boxes import box_iou
from vasr.pipeline import Annotator
from vasr.refinement.adaptation import KeyframeAdaptation, adapt_to_keyframes
from vasr.refinement.dataset import RefineSequence, RefineWindows
from vasr.refinement.model import VGRefineNet, at_frames
from vasr.refinement.refine import towards
from vasr.tables import format_value, render_table

BUCKETS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.01))
ADAPTATION_COLUMNS = ("keyframe adaptation", "cost", "miou", "acc70")


@dataclass(frozen=True)
class Outcome:
    """What one report measured: mIoU and Acc@0.7 of the tracked and of the refined boxes."""

    tracked_miou: float
    tracked_acc70: float
    refined_miou: float
    refined_acc70: float


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_protocol_arguments(parser)
    parser.add_argument("--variant", choices=["v", "vg"], default="v")
    parser.add_argument("--mask-head", choices=["separable", "dense"], default="separable")
    parser.add_argument("--jitter-prob", type=float, default=0.0, help="box jitter in training")
    parser.add_argument("--batches", type=int, default=300, help="training batches")
    parser.add_argument("--crop-size", type=int, default=64)
    parser.add_argument(
        "--fold", type=int, default=0, help="the fold of --root that trains (the next one is held out)"
    )
    parser.add_argument(
        "--adapt-steps",
        type=int,
        nargs="+",
        default=[],
        help="also refine each held-out sequence after keyframe adaptation with this many steps",
    )
    parser.add_argument(
        "--adapt-batch-size",
        type=int,
        nargs="+",
        default=[KeyframeAdaptation.batch_size],
        help="jittered keyframe crops per adaptation step",
    )
    parser.add_argument(
        "--adapt-lr", type=float, nargs="+", default=[KeyframeAdaptation.lr], help="adaptation learning rates"
    )
    parser.add_argument(
        "--also-train",
        action="store_true",
        help="also describe the training fold of --root (the clips the net learnt from)",
    )
    parser.add_argument("--out", type=Path, default=Path("results/refine-diagnostics"))
    args = parse_with_config(parser, argv, paper=True)
    return args


@torch.no_grad()
def held_out_boxes(net: VGRefineNet, windows: RefineWindows, batch_size: int = 8) -> tuple[Tensor, ...]:
    """Tracked, refined and ground-truth boxes of every target frame of ``windows``."""
    net.eval()
    tracked, refined, truth = [], [], []
    for start in range(0, len(windows), batch_size):
        batch = default_collate([windows[i] for i in range(start, min(start + batch_size, len(windows)))])
        boxes, _ = net.refine(batch)
        frames = batch["frames"]
        target = at_frames(batch["target"], frames)
        refined.append(boxes[target])
        tracked.append(at_frames(batch["tracked"], frames)[target])
        truth.append(at_frames(batch["gt"], frames)[target])
    return tuple(torch.cat(x).double() for x in (tracked, refined, truth))


def report(
    net: VGRefineNet,
    materials: list[RefineSequence],
    crop_size: int,
    title: str,
    adaptation: KeyframeAdaptation | None = None,
) -> Outcome:
    """Print how ``net`` (adapted to each sequence's keyframes first, with ``adaptation``) changes the
    tracked boxes of ``materials``: overall, improved / worse shares, and per bucket of tracked IoU."""
    parts = []
    begin = time.perf_counter()
    for material in materials:
        adapted = net if adaptation is None else adapt_to_keyframes(net, material, adaptation)
        windows = RefineWindows([material], 20, 20, None, crop_size=crop_size, train=False)
        parts.append(held_out_boxes(adapted, windows))
    tracked, refined, truth = (torch.cat(x) for x in zip(*parts, strict=True))
    print(f"-- {title} ({time.perf_counter() - begin:.1f} s for {len(materials)} sequences)")
    before, after = describe("tracked", tracked, truth), describe("refined", refined, truth)
    halfway = towards(tracked.numpy(), refined.numpy(), Annotator.refined_share)  # vasr annotate's step
    describe("halfway", torch.as_tensor(halfway), truth)
    print(
        f"{len(truth)} boxes: improved {(after > before + 0.01).double().mean():.1%}, "
        f"worse {(after < before - 0.01).double().mean():.1%}"
    )
    for low, high in BUCKETS:
        chosen = (before >= low) & (before < high)
        if chosen.any():
            print(
                f"  tracked IoU in [{low:.2f}, {min(high, 1):.2f}): {int(chosen.sum())} boxes, "
                f"tracked {before[chosen].mean():.3f} -> refined {after[chosen].mean():.3f}"
            )
    return Outcome(
        float(before.mean()), float((before > 0.7).double().mean()),
        float(after.mean()), float((after > 0.7).double().mean()),
    )  # fmt: skip


def adaptation_table(offline: Outcome, adapted: dict[KeyframeAdaptation, Outcome], title: str) -> str:
    """The Markdown table of what keyframe adaptation costs (steps x crops, relative to the default
    setting's) against the mIoU and Acc@0.7 it gives; the default setting in bold."""
    default = KeyframeAdaptation()
    unit = default.steps * default.batch_size
    rows: list[dict[str, object]] = [
        {"keyframe adaptation": "tracked boxes (no refinement)", "cost": "-",
         "miou": offline.tracked_miou, "acc70": offline.tracked_acc70},
        {"keyframe adaptation": "none (the offline net)", "cost": "0",
         "miou": offline.refined_miou, "acc70": offline.refined_acc70},
    ]  # fmt: skip
    for setting, outcome in sorted(adapted.items(), key=lambda item: item[0].steps * item[0].batch_size):
        name = f"{setting.steps} steps x {setting.batch_size} crops"
        if setting.lr != default.lr:
            name += f", lr {setting.lr:g}"
        row = {"keyframe adaptation": name, "cost": f"{setting.steps * setting.batch_size / unit:.2f}",
               "miou": outcome.refined_miou, "acc70": outcome.refined_acc70}  # fmt: skip
        if setting == default:
            row = {key: f"**{format_value(key, value)}**" for key, value in row.items()}
            row["keyframe adaptation"] = f"**{name} (default)**"
        rows.append(row)
    return f"### {title}\n\n" + render_table(rows, ADAPTATION_COLUMNS, markdown=True) + "\n"


def describe(name: str, boxes: Tensor, truth: Tensor) -> Tensor:
    iou = box_iou(boxes, truth)
    log_w, log_h = torch.log(boxes[:, 2] / truth[:, 2]), torch.log(boxes[:, 3] / truth[:, 3])
    centre = ((boxes[:, :2] + boxes[:, 2:] / 2) - (truth[:, :2] + truth[:, 2:] / 2)) / truth[:, 2:]
    print(
        f"{name:8s} mIoU {iou.mean():.3f}  Acc@0.7 {(iou > 0.7).double().mean():.3f}  "
        f"log w {log_w.mean():+.3f}±{log_w.std():.3f}  log h {log_h.mean():+.3f}±{log_h.std():.3f}  "
        f"centre x {centre[:, 0].mean():+.3f}±{centre[:, 0].std():.3f}  "
        f"y {centre[:, 1].mean():+.3f}±{centre[:, 1].std():.3f}"
    )
    return iou


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not start_run(args):
        return 0
    train, held_out = fold_sources(args, args.fold)
    options = {**data_options(args, args.fold), "crop_size": args.crop_size, "jitter_prob": args.jitter_prob,
               "torch_threads": args.threads}  # fmt: skip
    model_options = {"variant": args.variant, "mask_head": args.mask_head}
    model, data = configured(args.refiner_config, args.seed, model_options, options)
    begin = time.perf_counter()
    trainer = pl.Trainer(
        max_steps=args.batches, limit_val_batches=0, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, deterministic=True,
        default_root_dir=str(args.out),
    )  # fmt: skip
    trainer.fit(model, datamodule=data)
    print(
        f"trained {args.variant} ({args.mask_head} head) for {args.batches} batches "
        f"in {time.perf_counter() - begin:.0f} s"
    )
    materials = data.refine_material(held_out)  # read once: every report refines the same tracks
    offline = report(model.net, materials, args.crop_size, "held-out fold")
    adapted = {}
    for steps, batch_size, lr in itertools.product(args.adapt_steps, args.adapt_batch_size, args.adapt_lr):
        setting = KeyframeAdaptation(steps=steps, batch_size=batch_size, lr=lr)
        adapted[setting] = report(
            model.net, materials, args.crop_size,
            f"held-out fold, keyframe adaptation: {steps} steps of {batch_size} crops, lr {lr:g}", setting,
        )  # fmt: skip
    data_name = "default data" if args.root is None else str(args.root)
    title = (
        f"Keyframe adaptation, cost against gain: a {args.variant.upper()} model on {args.tracker}'s boxes, "
        f"{data_name}, fold {args.fold} trains, every tracked box of the other fold"
    )
    table = adaptation_table(offline, adapted, title)
    atomic_write_text(args.out / "adaptation.md", table)
    print(table)
    if args.also_train and args.root is not None:
        real = [source for source in train if source.root is not None]
        report(model.net, data.refine_material(real), args.crop_size, "training fold (seen in training)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
