"""Publish the best checkpoint of the newest training run under a stable name (``make train`` uses it), or
ship it inside the package (``make shipped-weights``).

``python -m vasr.cli.publish runs/tassess checkpoints/tassess.ckpt`` copies the best checkpoint that
``ModelCheckpoint`` kept in the newest ``lightning_logs/version_N/checkpoints`` (the one that is not
``last.ckpt``; ``last.ckpt`` when there is no other) to the destination, atomically, so ``vasr annotate``
finds it at its default path.

``python -m vasr.cli.publish --ship runs/tassess vasr/weights/tassess.ckpt experiments/tassess.yaml [MORE]``
writes only what inference reads (the hyper-parameters and the weights, no optimiser state: a few hundred
kB) and, beside it, ``tassess.json``: the recipe that rebuilds it, the training config it was made with (the
configs given, merged in order as ``vasr-train`` merges them), its epoch and validation loss, and the
SHA-256 of the shipped file (a test checks that file and record agree)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
from pathlib import Path

import torch
import yaml

from vasr.atomic import atomic_output, atomic_write_text
from vasr.errors import VasrError

SHIP_RECIPE = "make shipped-weights"


def best_checkpoint(run_dir: str | Path) -> Path:
    """The best checkpoint of the newest run under ``run_dir`` (see the module docstring)."""
    found = sorted(Path(run_dir).glob("**/checkpoints/*.ckpt"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise VasrError(f"no checkpoint under {run_dir}: train first")
    newest_dir = found[-1].parent
    in_dir = [p for p in found if p.parent == newest_dir]
    best = [p for p in in_dir if p.name != "last.ckpt"]
    return (best or in_dir)[-1]


def publish(run_dir: str | Path, destination: str | Path) -> Path:
    source, destination = best_checkpoint(run_dir), Path(destination)
    with atomic_output(destination) as tmp:
        shutil.copyfile(source, tmp)
    return source


def merged_config(*configs: str | Path) -> dict:
    """The YAML files merged in order, later keys over earlier ones (mappings merged key by key)."""

    def merge(base: dict, top: dict) -> dict:
        out = dict(base)
        for key, value in top.items():
            both = isinstance(value, dict) and isinstance(out.get(key), dict)
            out[key] = merge(out[key], value) if both else value
        return out

    merged: dict = {}
    for config in configs:
        merged = merge(merged, yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {})
    return merged


def ship(run_dir: str | Path, destination: str | Path, *configs: str | Path) -> Path:
    """Write the stripped best checkpoint to ``destination`` and its record to ``destination.json``."""
    source, destination = best_checkpoint(run_dir), Path(destination)
    data = torch.load(source, map_location="cpu", weights_only=True)
    stripped = {"hyper_parameters": data["hyper_parameters"], "state_dict": data["state_dict"]}
    buffer = io.BytesIO()
    torch.save(stripped, buffer)
    payload = buffer.getvalue()
    with atomic_output(destination) as tmp:
        Path(tmp).write_bytes(payload)
    scores = [
        v.get("best_model_score") for v in (data.get("callbacks") or {}).values() if isinstance(v, dict)
    ]
    score = next((float(s) for s in scores if s is not None), None)
    record = {
        "recipe": SHIP_RECIPE,
        "config": merged_config(*configs),
        "epoch": int(data.get("epoch", -1)),
        "val_loss": score,
        "hyper_parameters": {k: v for k, v in data["hyper_parameters"].items() if not k.startswith("_")},
        "sha256": hashlib.sha256(payload).hexdigest(),
        "bytes": len(payload),
    }
    atomic_write_text(destination.with_suffix(".json"), json.dumps(record, indent=2, sort_keys=True) + "\n")
    return source


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    shipping = bool(args) and args[0] == "--ship"
    if (shipping and len(args) < 4) or (not shipping and len(args) != 2):
        print(
            "usage: python -m vasr.cli.publish RUN_DIR DESTINATION\n"
            "       python -m vasr.cli.publish --ship RUN_DIR DESTINATION TRAINING_CONFIG [CONFIG ...]",
            file=sys.stderr,
        )
        return 2
    try:
        source = ship(*args[1:]) if shipping else publish(*args)
    except VasrError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{source} -> {args[2] if shipping else args[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
