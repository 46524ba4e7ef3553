"""The parser of the numeric annotation text every tracking benchmark ships: boxes and per-frame labels.

Benchmarks disagree on details that must not matter: comma, tab or space separators (even mixed on one line),
CRLF line ends, a UTF-8 byte-order mark, blank lines at the end. Anything else is an error naming the file and
the 1-based line, because a skipped or misread line would shift every later box onto the wrong frame.

Values are returned in the file's own coordinates: converting 1-based files (LaSOT, OTB) to vasr's 0-based
convention is the job of the reader that knows the dataset.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from vasr.errors import AnnotationFormatError, DatasetLayoutError

_SEPARATOR = re.compile(r"\s*,\s*|\s+")


def split_fields(line: str) -> list[str]:
    """Fields of one line separated by commas, tabs, spaces or any mix ("1, 2\\t3 4" has four)."""
    return _SEPARATOR.split(line.strip())


def read_text_lines(path: str | Path) -> list[str]:
    """Lines of a UTF-8 text file, BOM and line ends removed, trailing blank lines dropped."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DatasetLayoutError(path, "annotation file is missing") from None
    except OSError as exc:
        raise AnnotationFormatError(path, f"cannot be read ({exc.strerror})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnnotationFormatError(path, f"is not UTF-8 text (byte {exc.start})") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _parse_fast(lines: list[str]) -> np.ndarray | None:
    """numpy's C parser for the common clean file (one separator, same field count everywhere).

    Returns None whenever the file is anything but clean (numpy skips blank lines: the row count shows
    them), so the line-by-line parser reports the problem."""
    delimiter = "," if "," in lines[0] else None
    try:
        table = np.loadtxt(lines, delimiter=delimiter, comments=None, ndmin=2, dtype=np.float64)
    except ValueError:
        return None
    if table.shape[0] != len(lines) or np.isinf(table).any():
        return None
    return table


def _parse_slow(path: Path, lines: list[str]) -> np.ndarray:
    rows: list[list[float]] = []
    width = 0
    for number, line in enumerate(lines, start=1):
        fields = split_fields(line)
        if fields == [""]:
            raise AnnotationFormatError(
                path, "blank line inside the file (it would shift every later frame)", line=number
            )
        if rows and len(fields) != width:
            raise AnnotationFormatError(
                path, f"{len(fields)} values on this line but {width} on line 1", line=number
            )
        width = len(fields)
        rows.append(parse_numbers(fields, path, number))
    return np.asarray(rows, dtype=np.float64)


def read_numeric_table(path: str | Path) -> np.ndarray:
    """(N, k) float64 table, one row per line; NaN is allowed (datasets write it for absent targets)."""
    path = Path(path)
    lines = read_text_lines(path)
    if not lines:
        raise AnnotationFormatError(path, "holds no annotation line")
    table = _parse_fast(lines)
    return table if table is not None else _parse_slow(path, lines)


def polygon_to_box(polygons: np.ndarray) -> np.ndarray:
    """Axis-aligned ``x, y, w, h`` boxes of (N, 8) polygons ``x1, y1, ..., x4, y4``; NaN stays NaN."""
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    x0, y0 = xs.min(axis=1), ys.min(axis=1)
    return np.stack([x0, y0, xs.max(axis=1) - x0, ys.max(axis=1) - y0], axis=1)


def read_box_rows(path: str | Path) -> tuple[np.ndarray, bool]:
    """(N, 4) ``x, y, w, h`` boxes in the file's coordinates, and whether the file held 8-value polygons.

    NaN values mean "no box"; zero sizes are allowed (datasets write 0,0,0,0 for absent targets); a negative
    width or height is an error naming the line."""
    path = Path(path)
    table = read_numeric_table(path)
    if table.shape[1] == 4:
        boxes, polygon = table, False
    elif table.shape[1] == 8:
        boxes, polygon = polygon_to_box(table), True
    else:
        raise AnnotationFormatError(
            path, f"{table.shape[1]} values per line; expected 4 (x,y,w,h) or 8 (polygon)", line=1
        )
    negative = np.flatnonzero((boxes[:, 2] < 0) | (boxes[:, 3] < 0))
    if negative.size:
        row = int(negative[0])
        raise AnnotationFormatError(
            path, f"negative box size (w={boxes[row, 2]:g}, h={boxes[row, 3]:g})", line=row + 1
        )
    return boxes, polygon


def read_boxes(path: str | Path) -> np.ndarray:
    """(N, 4) float64 ``x, y, w, h`` per line, polygons reduced to their bounding box; see `read_box_rows`."""
    return read_box_rows(path)[0]


def read_labels(path: str | Path, max_value: int = 1) -> np.ndarray:
    """Per-frame integer labels in ``0..max_value`` as an (N,) int64 array.

    Two layouts hold them: one label per line (GOT-10k ``*.label``) or a single comma-separated line (LaSOT
    ``full_occlusion.txt`` / ``out_of_view.txt``)."""
    path = Path(path)
    lines = read_text_lines(path)
    if not lines:
        raise AnnotationFormatError(path, "holds no label")
    try:
        labels = np.loadtxt(lines, delimiter=",", comments=None, ndmin=1, dtype=np.int64)
    except ValueError:
        labels = None
    # The C parser skips blank lines: a count that differs from the line count sends the file to the checks.
    one_per_line = labels is not None and (len(lines) == 1 or labels.shape == (len(lines),))
    if one_per_line and labels.ndim == 1 and labels.min() >= 0 and labels.max() <= max_value:
        return labels
    return _parse_labels_slow(path, lines, max_value)


def _parse_labels_slow(path: Path, lines: list[str], max_value: int) -> np.ndarray:
    if len(lines) == 1:
        cells = [(1, position, field) for position, field in enumerate(split_fields(lines[0]), start=1)]
    else:
        cells = []
        for number, line in enumerate(lines, start=1):
            fields = split_fields(line)
            if len(fields) != 1:
                raise AnnotationFormatError(
                    path, f"expected one label per line, got {len(fields)} values", line=number
                )
            cells.append((number, 1, fields[0]))
    labels = np.empty(len(cells), dtype=np.int64)
    for index, (number, position, field) in enumerate(cells):
        value = int(field) if re.fullmatch(r"\+?\d+", field) else -1
        if not 0 <= value <= max_value:
            raise AnnotationFormatError(
                path, f"label {position} is {field!r}, expected an integer 0..{max_value}", line=number
            )
        labels[index] = value
    return labels


def parse_numbers(fields: list[str], path: Path, line: int) -> list[float]:
    """The fields of one line as floats (NaN allowed: it means "no box"); anything else that is not a
    finite number is an `AnnotationFormatError` naming the file, the line and the value's position."""
    values = []
    for position, field in enumerate(fields, start=1):
        try:
            value = float(field)
        except ValueError:
            message = f"value {position} is not a number: {field!r}"
            raise AnnotationFormatError(path, message, line=line) from None
        if math.isinf(value):
            raise AnnotationFormatError(path, f"value {position} is infinite: {field!r}", line=line)
        values.append(value)
    return values


def read_index_list(path: Path, upper: int) -> np.ndarray:
    """Sorted unique 0-based frame indices, one per line; each must lie in ``[0, upper)``."""
    indices: list[int] = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        try:
            index = int(text)
        except ValueError:
            raise AnnotationFormatError(path, f"expected a frame index, got {text!r}", line=number) from None
        if not 0 <= index < upper:
            raise AnnotationFormatError(path, f"frame {index} outside 0..{upper - 1}", line=number)
        indices.append(index)
    return np.unique(np.asarray(indices, dtype=np.int64))
