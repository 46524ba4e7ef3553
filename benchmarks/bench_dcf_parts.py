"""What each part of ``dcf-accurate`` adds: the preset with one part switched off at a time, beside ``dcf``
and the whole preset, in the same run and on the same clips (``bench_tracker.py``'s protocol: keyframes every
``--interval`` frames plus the last, scored between them). Each row is the forward track's mIoU / Acc@0.7 on
fold 0 of the sequences (where the preset's settings were chosen), on fold 1 (held out) and on all of them,
and the confidence's ROC-AUC (does the tracker know when its box is good, IoU > 0.5). The Markdown table goes
to ``--out`` (``make bench-dcf-parts`` puts it into docs/trackers.md); the full rows to its ``.json`` and
``.csv``.

    python benchmarks/bench_dcf_parts.py --root ../shared/data/real
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling script, run as a script too
from bench_tracker import bench_tracker, write_outputs  # noqa: E402

from vasr.atomic import atomic_write_text  # noqa: E402
from vasr.data.readers import DATASETS, load_dataset  # noqa: E402
from vasr.tables import render_table  # noqa: E402

# (what the row shows, the options that switch it off); a row without options is the named preset itself
PARTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("without the end filter", {"end_weight": 0}),
    ("without the size prior", {"size_prior": 0}),
    ("without any re-detection", {"redetect_below": 0}),
    ("without the path search", {"path_search": False}),
    ("with the shared-denominator filter", {"exact_solve": False, "lam": 0.01, "sigma": 0.1}),
    ("without the keyframe memory", {"memory_reach": 0}),
)
COLUMNS = ("tracker", "fold 0 (tuning)", "fold 1 (held out)", "all", "confidence ROC-AUC")


def option_flags(options: dict[str, Any]) -> str:
    """The command-line flags that set ``options`` (YAML values, as ``--tracker-option`` reads them)."""
    return " ".join(f"--tracker-option {k}={json.dumps(v)}" for k, v in options.items())


def cell(row: dict[str, Any]) -> str:
    """Forward mIoU / Acc@0.7 of one row or fold."""
    return f"{row['forward_miou']:.3f} / {100 * row['forward_acc70']:.1f}%"


def table_cells(label: str, row: dict[str, Any], columns: list[str], bold: bool = False) -> dict[str, str]:
    """One row of the table by column (an unavailable or failed tracker says so in its first cell)."""
    if row.get("status") != "ok":
        return {columns[0]: label, columns[1]: str(row.get("status"))}
    cells = [cell(fold) for fold in row["folds"]] + [cell(row)]
    if bold:
        cells = [f"**{c}**" for c in cells]
    return dict(zip(columns, [label, *cells, f"{row['conf_auc']:.3f}"], strict=True))


def parts_table(rows: dict[str, dict[str, Any]], count: int) -> str:
    """The Markdown table of ``rows`` (by label, in order: ``dcf``, the parts, the preset in bold)."""
    columns = [*COLUMNS[:3], f"all {count}", COLUMNS[4]]
    last = list(rows)[-1]
    cells = [table_cells(label, row, columns, bold=label == last) for label, row in rows.items()]
    return render_table(cells, columns, markdown=True)


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=Path("../shared/data/real"), help="dataset root")
    parser.add_argument("--dataset", default="otb", choices=sorted(DATASETS), help="layout of --root")
    parser.add_argument("--interval", type=int, default=30, help="keyframe interval (plus the last frame)")
    parser.add_argument("--preset", default="dcf-accurate", help="the preset whose parts are switched off")
    parser.add_argument("--limit", type=int, default=None, help="only the first N sequences (quick run)")
    parser.add_argument("--out", type=Path, default=Path("results/bench/dcf-parts.md"))
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"skipping the dcf parts benchmark: {args.root} not found", file=sys.stderr)
        return None
    sequences = load_dataset(args.dataset, args.root)[: args.limit]
    started = time.time()
    runs = [("`dcf`", "dcf", {})]
    runs += [
        (f"`{args.preset}` {what} (`{option_flags(options)}`)", args.preset, options)
        for what, options in PARTS
    ]
    runs += [(f"`{args.preset}`", args.preset, {})]
    rows = {label: bench_tracker(name, sequences, args.interval, 2, options) for label, name, options in runs}
    table = parts_table(rows, len(sequences))
    report = {
        "root": str(args.root),
        "interval": args.interval,
        "wall_seconds": time.time() - started,
        "rows": rows,
    }
    flat = [{"part": label, **row} for label, row in rows.items()]
    write_outputs(flat, report, args.out.with_suffix(".csv"), args.out.with_suffix(".json"))
    atomic_write_text(args.out, table + "\n")
    print(table)
    return report


if __name__ == "__main__":
    result = main()
    failed = result is not None and any(r.get("status") != "ok" for r in result["rows"].values())
    sys.exit(1 if failed else 0)
