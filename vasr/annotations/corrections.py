"""A human's answers read back: the boxes an annotator fixed, in the files annotators send.

Three formats, told apart by the file's suffix:

* ``.txt``: vasr's keyframe file (``frame, x, y, w, h`` or ``frame, absent`` per line,
  `vasr.data.readers.video.read_keyframes`): every line is a correction;
* ``.json``: vasr's own JSON after editing (`vasr.annotations.exports.write_json`): a frame is corrected when
  its box differs from the result it was exported from (or became ``null``), or when it was added to
  ``keyframes`` (the human accepts the box as it is);
* ``.xml``: CVAT for video 1.1 as CVAT exports it after review: in the target's track, a ``keyframe="1"``
  box that differs from the result, that turned ``outside="1"`` (target absent) where the result had a box,
  or whose ``human_keyframe`` attribute the human ticked. ``keyframe="0"`` boxes are CVAT's own
  interpolation, not a human's; attributes survive only where the task's label declares them, so none is
  required. The box after a track's last frame (``outside="1"``, CVAT's track end) is ignored.

JSON and CVAT files are compared with the result they correct (``current``, the sequence's JSON in the run's
output), so the human only edits what is wrong. Every corrected frame becomes a keyframe.

Errors name the file and line (or frame): a frame outside the video, a malformed, non-finite, zero-size or
off-image box, a file made for another video (its name or frame count differs), two different boxes for one
frame, a CVAT file without the target's track, a JSON exported from an earlier result than the current one.
"""

from __future__ import annotations

import math
import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vasr.annotations.dense import DenseAnnotation
from vasr.annotations.exports import read_json
from vasr.data.readers.video import ABSENT, OUTSIDE, keyframe_box_problem, read_keyframes
from vasr.errors import AnnotationFormatError
from vasr.geometry.boxes import box_iou

SUFFIXES = (".txt", ".json", ".xml")
CVAT_TOLERANCE = 0.05  # px: CVAT rewrites coordinates with 2 decimals, vasr writes 3
JSON_TOLERANCE = 1e-6  # px: vasr's JSON holds the exact floats
TARGET_LABEL = "target"  # the label of vasr's CVAT export


@dataclass(frozen=True)
class Correction:
    """One frame a human boxed (or said the target is absent on), and where they said it."""

    frame: int
    box: tuple[float, float, float, float] | None  # 0-based x, y, w, h; None: the target is absent
    where: str  # "file:line" or "file (frame N)"
    outside: bool = False  # absent from here until the next box (out of view)


@dataclass
class Video:
    """What a corrections file must match: the sequence it is for."""

    name: str
    num_frames: int
    image_size: tuple[int, int]
    current: DenseAnnotation | None = None  # the result being corrected (None before the first run)
    current_fingerprint: str | None = None


def read_corrections(path: str | Path, video: Video) -> list[Correction]:
    """The corrections in ``path`` for ``video``, sorted by frame (see the module docstring)."""
    path = Path(path)
    readers = {".txt": _from_keyframe_file, ".json": _from_json, ".xml": _from_cvat}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise AnnotationFormatError(path, f"unknown corrections format; use one of {', '.join(SUFFIXES)}")
    if not path.is_file():
        raise AnnotationFormatError(path, "corrections file not found")
    return sorted(reader(path, video), key=lambda c: c.frame)


def _from_keyframe_file(path: Path, video: Video) -> list[Correction]:
    """Every line; a line's ``# from WHERE`` comment (the store's) says where the human first gave it."""
    keys = read_keyframes(path, video.num_frames, video.image_size)
    origins = dict(
        re.findall(r"^\s*(\d+)\b[^#\n]*#\s*from (.+?)\s*$", path.read_text(encoding="utf-8"), re.M)
    )
    columns = zip(keys.indices, keys.boxes, keys.visible, keys.outside, strict=True)
    return [
        Correction(
            int(k), tuple(float(v) for v in box) if ok else None, origins.get(str(k), str(path)), bool(out)
        )
        for k, box, ok, out in columns
    ]


def correction_problem(frame: int, box: tuple[float, ...] | None, video: Video) -> str | None:
    """Why ``box`` (None: absent) at ``frame`` cannot be a correction of ``video`` (None when it can): a
    frame outside the video, or a box a keyframe cannot have (`keyframe_box_problem`). Every reader of
    corrections (and the review page) asks this one question."""
    if not 0 <= frame < video.num_frames:
        return f"frame {frame} is outside the video (frames 0..{video.num_frames - 1})"
    problem = None if box is None else keyframe_box_problem(box, video.image_size)
    return None if problem is None else f"frame {frame}: {problem}"


def _differs(a: np.ndarray, b: tuple[float, ...] | None, tolerance: float) -> bool:
    """Whether box ``b`` (None: no box) differs from ``a`` (NaN row: no box) by more than ``tolerance``."""
    has_a = bool(np.isfinite(a).all())
    if b is None or not has_a:
        return has_a != (b is not None)
    return bool(np.max(np.abs(np.asarray(b) - a)) > tolerance)


def _from_json(path: Path, video: Video) -> list[Correction]:
    edited, extra = read_json(path)
    _same_video(path, edited.name, len(edited), video)
    fingerprint = extra.get("fingerprint")
    if video.current_fingerprint and fingerprint and fingerprint != video.current_fingerprint:
        raise AnnotationFormatError(
            path,
            "was exported from an earlier result than the current one; correct the current "
            f"json/{video.name}.json (or give the corrections as a keyframe file)",
        )
    current = video.current
    old_keys = set() if current is None else set(current.keyframes.tolist())
    new_keys = set(edited.keyframes.tolist()) - old_keys
    corrections = []
    for frame in range(len(edited)):
        row = edited.boxes[frame]
        box = tuple(float(v) for v in row) if np.isfinite(row).all() else None
        accepted = frame in new_keys
        changed = current is not None and _differs(current.boxes[frame], box, JSON_TOLERANCE)
        if accepted or changed:
            problem = correction_problem(frame, box, video)
            if problem:
                raise AnnotationFormatError(path, problem)
            corrections.append(Correction(frame, box, f"{path} (frame {frame})"))
    return corrections


def _same_video(path: Path, name: str | None, num_frames: int | None, video: Video) -> None:
    if name is not None and name != video.name:
        raise AnnotationFormatError(
            path, f"is for the video {name!r}, not {video.name!r} (a CVAT task carries the sequence's name)"
        )
    if num_frames is not None and num_frames != video.num_frames:
        raise AnnotationFormatError(
            path, f"is for a video of {num_frames} frames; {video.name} has {video.num_frames}"
        )


@dataclass
class _CvatBox:
    line: int
    attrs: dict[str, str]
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class _CvatFile:
    task_name: str | None = None
    task_size: int | None = None
    tracks: list[tuple[str, int, list[_CvatBox]]] = field(default_factory=list)  # label, line, boxes


def _parse_cvat(path: Path) -> _CvatFile:
    """The tracks of a CVAT for video 1.1 file with the line of every box (expat, no DTD, no entities)."""
    parsed = _CvatFile()
    stack: list[str] = []
    text: list[str] = []
    state: dict[str, object] = {"box": None, "attribute": None}
    parser = xml.parsers.expat.ParserCreate()

    def start(tag: str, attrs: dict[str, str]) -> None:
        stack.append(tag)
        text.clear()
        if tag == "track" and len(stack) == 2:
            parsed.tracks.append((attrs.get("label", ""), parser.CurrentLineNumber, []))
        elif tag in ("box", "polygon", "points", "polyline", "ellipse", "skeleton") and stack[-2:-1] == [
            "track"
        ]:
            if tag != "box":
                raise AnnotationFormatError(
                    path,
                    f"track of <{tag}> shapes; vasr reads rectangles (<box>)",
                    line=parser.CurrentLineNumber,
                )
            state["box"] = _CvatBox(parser.CurrentLineNumber, dict(attrs))
            parsed.tracks[-1][2].append(state["box"])
        elif tag == "attribute" and state["box"] is not None:
            state["attribute"] = attrs.get("name", "")

    def end(tag: str) -> None:
        content = "".join(text).strip()
        if tag == "attribute" and state["attribute"] is not None and state["box"] is not None:
            state["box"].attributes[str(state["attribute"])] = content  # type: ignore[union-attr]
            state["attribute"] = None
        elif tag == "box":
            state["box"] = None
        elif stack[-3:] == ["meta", "task", "name"] or stack[-3:] == ["meta", "job", "name"]:
            parsed.task_name = content
        elif stack[-3:] == ["meta", "task", "size"] or stack[-3:] == ["meta", "job", "size"]:
            parsed.task_size = int(content) if content.isdigit() else None
        stack.pop()
        text.clear()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    parser.EntityDeclHandler = lambda *args: (_ for _ in ()).throw(
        AnnotationFormatError(path, "XML entity declarations are not accepted", line=parser.CurrentLineNumber)
    )
    try:
        with open(path, "rb") as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as error:
        reason = xml.parsers.expat.ErrorString(error.code)
        raise AnnotationFormatError(path, f"is not well-formed XML ({reason})", line=error.lineno) from None
    return parsed


def _number(path: Path, box: _CvatBox, key: str) -> float:
    try:
        value = float(box.attrs[key])
    except KeyError:
        raise AnnotationFormatError(path, f"<box> without {key}", line=box.line) from None
    except ValueError:
        raise AnnotationFormatError(
            path, f"{key}={box.attrs[key]!r} is not a number", line=box.line
        ) from None
    if not math.isfinite(value):
        raise AnnotationFormatError(path, f"{key}={box.attrs[key]!r} is not finite", line=box.line)
    return value


def _target_track(path: Path, parsed: _CvatFile) -> list[_CvatBox]:
    if not parsed.tracks:
        raise AnnotationFormatError(path, "holds no <track>: nothing of the target to read back")
    named = [t for t in parsed.tracks if t[0] == TARGET_LABEL]
    if len(parsed.tracks) == 1:
        return parsed.tracks[0][2]
    if len(named) == 1:
        return named[0][2]
    labels = ", ".join(repr(t[0]) for t in parsed.tracks)
    raise AnnotationFormatError(
        path,
        f"holds {len(parsed.tracks)} tracks ({labels}); keep one, or label the target's {TARGET_LABEL!r}",
    )


def _from_cvat(path: Path, video: Video) -> list[Correction]:
    parsed = _parse_cvat(path)
    _same_video(path, parsed.task_name, parsed.task_size, video)
    boxes = _target_track(path, parsed)
    current = video.current
    if current is None:
        raise AnnotationFormatError(
            path, f"corrects an annotation of {video.name}, and there is none yet: run vasr annotate first"
        )
    old_keys = set(current.keyframes.tolist())
    seen: dict[int, tuple[int, tuple[float, ...] | None]] = {}
    corrections = []
    for box in boxes:
        frame = _number(path, box, "frame")
        if not frame.is_integer():
            message = f"frame={box.attrs['frame']!r} is not a whole frame"
            raise AnnotationFormatError(path, message, line=box.line)
        frame = int(frame)
        outside = box.attrs.get("outside", "0") == "1"
        if frame == video.num_frames and outside:
            continue  # CVAT closes a track with an outside box after its last frame
        if not 0 <= frame < video.num_frames:
            raise AnnotationFormatError(path, str(correction_problem(frame, None, video)), line=box.line)
        xtl, ytl, xbr, ybr = (_number(path, box, k) for k in ("xtl", "ytl", "xbr", "ybr"))
        value = None if outside else (xtl, ytl, xbr - xtl, ybr - ytl)
        if frame in seen:
            first_line, first = seen[frame]
            if (first is None) != (value is None) or (
                value is not None and _differs(np.array(first), value, 0)
            ):
                raise AnnotationFormatError(
                    path,
                    f"frame {frame} has two different boxes (the other on line {first_line})",
                    line=box.line,
                )
            continue
        seen[frame] = (box.line, value)
        if box.attrs.get("keyframe", "1") != "1":
            continue  # CVAT's interpolation, not a human's box
        marked = box.attributes.get("human_keyframe", "false").lower() == "true" and frame not in old_keys
        if marked or _differs(current.boxes[frame], value, CVAT_TOLERANCE):
            problem = correction_problem(frame, value, video)
            if problem:
                raise AnnotationFormatError(path, problem, line=box.line)
            # CVAT's outside holds until the track's next keyframe box: an absent span, as vasr's outside
            corrections.append(Correction(frame, value, f"{path}:{box.line}", outside=value is None))
    return corrections


def merge_corrections(*rounds: list[Correction]) -> dict[int, Correction]:
    """Frame -> correction over several rounds, a later round's box winning over an earlier one's; a box
    given again unchanged keeps where it was first given."""
    merged: dict[int, Correction] = {}
    for c in (c for corrections in rounds for c in corrections):
        if c.frame not in merged or (merged[c.frame].box, merged[c.frame].outside) != (c.box, c.outside):
            merged[c.frame] = c
    return dict(sorted(merged.items()))


def corrections_text(corrections: dict[int, Correction]) -> str:
    """The corrections as a keyframe file (what `read_corrections` reads back), each line saying where the
    human gave it."""
    lines = [
        "# vasr corrections: frame, x, y, w, h (0-based) or frame, absent; every frame here is a keyframe"
    ]
    for frame, c in sorted(corrections.items()):  # every value as it was accepted (shortest exact repr)
        values = (
            (OUTSIDE if c.outside else ABSENT) if c.box is None else ", ".join(repr(float(v)) for v in c.box)
        )
        lines.append(f"{frame}, {values}  # from {c.where}")
    return "\n".join(lines) + "\n"


def moved_frames(before: DenseAnnotation, after: DenseAnnotation) -> tuple[np.ndarray, np.ndarray]:
    """The frames whose box changed between two results of one sequence, and the IoU of each new box with
    the old one (0 where a box appeared or disappeared)."""
    if len(before) != len(after):
        return np.arange(len(after)), np.zeros(len(after))
    a, b = before.boxes, after.boxes
    same = np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
    frames = np.flatnonzero(~same)
    iou = box_iou(a[frames], b[frames]).numpy()
    return frames, iou


def summarise_moves(frames: np.ndarray, iou: np.ndarray) -> str:
    """``'41 frames moved (mean IoU with the earlier box 0.81)'``."""
    if not len(frames):
        return "no frame moved"
    return f"{len(frames)} frames moved (mean IoU with the earlier box {float(np.mean(iou)):.2f})"
