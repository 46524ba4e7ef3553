"""Put a measured table into a page of docs/ between its markers, so each table there is the output of the
command that measured it (the Makefile's targets call this after their run).

    python docs/splice.py docs/results.md ablation-select results/ablation-select/table.md

replaces what stands between ``<!-- ablation-select:start -->`` and ``<!-- ablation-select:end -->`` with the
file's text. A page without that marker is left alone and says so: not every run (``DATA=lasot``) has a
place in the docs."""

from __future__ import annotations

import re
import sys
from pathlib import Path


def splice(page: Path, marker: str, text: str) -> bool:
    """Whether ``page`` had the marker ``marker`` (and now holds ``text`` between its two lines)."""
    content = page.read_text(encoding="utf-8")
    pattern = re.compile(
        rf"(<!-- {re.escape(marker)}:start -->\n).*?(<!-- {re.escape(marker)}:end -->)", re.S
    )
    if not pattern.search(content):
        return False
    body = text.strip("\n") + "\n"
    page.write_text(pattern.sub(lambda m: m.group(1) + body + m.group(2), content, count=1), encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    page, marker, source = Path(argv[0]), argv[1], Path(argv[2])
    if splice(page, marker, source.read_text(encoding="utf-8")):
        print(f"{page}: table '{marker}' rewritten from {source}")
    else:
        print(f"{page} has no table '{marker}': {source} not copied")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
