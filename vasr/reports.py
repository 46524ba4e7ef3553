"""Writing an ablation's results: the printed table, table.json / table.csv / table.md and a bar chart PNG.

Every ablation driver ends the same way, so they share this: rows are dicts (one per method, the columns of
``vasr.evaluation.summarize_scores`` plus ``method``), fractions stay fractions in the CSV/JSON and become
percentages only in the Markdown and the printout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vasr.atomic import atomic_output, atomic_write_text
from vasr.tables import csv_text, render_table

COLUMNS = ["method", "miou", "acc50", "acc70", "auc", "evaluated", "failure_rate", "labour_saved"]


def bar_chart(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    """mIoU and Acc@0.7 per method, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [str(r["method"]) for r in rows]
    fig, ax = plt.subplots(figsize=(1.2 * len(rows) + 2, 3.2))
    xs = range(len(rows))
    ax.bar([x - 0.2 for x in xs], [r["miou"] for r in rows], width=0.4, label="mIoU")
    ax.bar([x + 0.2 for x in xs], [r["acc70"] for r in rows], width=0.4, label="Acc@0.7")
    ax.set_xticks(list(xs), names, rotation=20, ha="right")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(loc="lower right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    with atomic_output(path, suffix=".tmp.png") as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def write_report(
    rows: list[dict[str, Any]],
    out: Path,
    title: str,
    extra: dict[str, Any] | None = None,
    notes: list[str] | None = None,
) -> None:
    """Print the table and write table.json, table.csv, table.md and bars.png under ``out``; ``notes`` are
    Markdown paragraphs printed and written below the table."""
    columns = [c for c in COLUMNS if any(c in r for r in rows)]
    print(render_table(rows, columns))
    atomic_write_text(out / "table.csv", csv_text(rows, columns))
    markdown = render_table(rows, columns, markdown=True)
    below = "".join(f"\n{note}\n" for note in notes or [])
    for note in notes or []:
        print(f"\n{note}")
    atomic_write_text(out / "table.md", f"### {title}\n\n{markdown}\n{below}")
    atomic_write_text(
        out / "table.json", json.dumps({"title": title, "table": rows, **(extra or {})}, indent=2) + "\n"
    )
    bar_chart(rows, out / "bars.png", title)


def log_wandb_runs(rows: list[dict[str, Any]], group: str, out: Path, project: str = "vasr") -> None:
    """One W&B run per method in ``group`` with the table's numbers as its summary, so the dashboards
    compare them side by side. Offline unless the caller set ``WANDB_MODE`` (``wandb sync`` uploads)."""
    import os

    import wandb

    os.environ.setdefault("WANDB_MODE", "offline")
    os.environ.setdefault("WANDB_SILENT", "true")
    for row in rows:
        run = wandb.init(
            project=project, group=group, name=str(row["method"]), dir=str(out), reinit="finish_previous",
            config={"method": row["method"], "group": group},
        )  # fmt: skip
        for key, value in row.items():
            if isinstance(value, int | float):
                run.summary[f"test/{key}"] = value
        run.finish()
