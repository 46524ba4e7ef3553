"""Result tables for people (aligned text, Markdown) and for tools (CSV): the one writer every command,
ablation and benchmark prints and saves its rows with. Fractions stay fractions in CSV; the keys of
:data:`PERCENT_KEYS` become percentages only where people read them."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from vasr.atomic import atomic_write_text

PERCENT_KEYS = {"acc50", "acc70", "failure_rate", "labour_saved"}


def format_value(key: str, value: object) -> str:
    if isinstance(value, float):
        return f"{100 * value:.1f}%" if key in PERCENT_KEYS else f"{value:.3f}"
    return str(value)


def render_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str], markdown: bool = False) -> str:
    """Aligned plain text, or a GitHub Markdown table."""
    cells = [[format_value(c, row.get(c, "")) for c in columns] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in cells]
        return "\n".join(lines)
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def csv_text(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    """``rows`` as CSV with a header of ``columns`` (other keys ignored), ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> None:
    """``rows`` as a CSV file, written atomically."""
    atomic_write_text(Path(path), csv_text(rows, columns))
