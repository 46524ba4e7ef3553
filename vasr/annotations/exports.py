"""Writers of a `DenseAnnotation` in the formats people import: benchmark layouts, MOTChallenge, CVAT, JSON.

Each writer takes the annotation and an output folder, returns the paths it wrote, and writes every file
atomically (`vasr.annotations.atomic`), the main file last, so an interrupted export never leaves a file that
looks complete. Coordinates follow each format's own convention (vasr is 0-based internally):

=============  ==========================================  ========  =========================================
format         files                                       origin    frame without a box
=============  ==========================================  ========  =========================================
lasot          <dir>/<name>/groundtruth.txt + flag files   1-based   ``0,0,0,0`` and out_of_view = 1
otb            <dir>/<name>/groundtruth_rect.txt           1-based   ``NaN,NaN,NaN,NaN`` (as UAV123)
got10k         <dir>/<name>/groundtruth.txt + *.label      0-based   ``0,0,0,0``, absence = 1, cover = 0
trackingnet    <dir>/anno/<name>.txt                       0-based   ``0,0,0,0`` (zero size: invalid)
mot            <dir>/<name>/gt/gt.txt + seqinfo.ini        1-based   line omitted
cvat           <dir>/<name>.xml (CVAT for video 1.1)       0-based   ``outside="1"`` (nearest box repeated)
json           <dir>/<name>.json                           0-based   ``null``
vasr           <dir>/<name>.txt + keyframe/failure lists   1-based   ``nan,nan,nan,nan`` (``vasr evaluate``)
=============  ==========================================  ========  =========================================

Box values are written with 3 decimals, so a write/read round trip is exact to 5e-4 px.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from vasr.annotations.dense import DenseAnnotation
from vasr.annotations.result_dir import AnnotationSet, write_annotation_set
from vasr.atomic import atomic_write_text
from vasr.directions import DIRECTION_NAMES
from vasr.errors import AnnotationFormatError

JSON_FORMAT_VERSION = 1
_ZERO_BOX = "0,0,0,0"


def _box_lines(boxes: np.ndarray, present: np.ndarray, origin: float, absent: str) -> str:
    shifted = boxes + np.array([origin, origin, 0.0, 0.0])
    lines = [
        ",".join(f"{v:.3f}" for v in row) if ok else absent for row, ok in zip(shifted, present, strict=True)
    ]
    return "\n".join(lines) + "\n"


def _labels(values: np.ndarray) -> str:
    """GOT-10k ``*.label``: one integer per line."""
    return "".join(f"{int(v)}\n" for v in values)


def write_lasot(ann: DenseAnnotation, directory: str | Path) -> list[Path]:
    """LaSOT: ``<dir>/<name>/groundtruth.txt`` (1-based ``x,y,w,h``), ``full_occlusion.txt`` and
    ``out_of_view.txt`` (ONE comma-separated 0/1 line each, as LaSOT ships them). ``<dir>`` plays the
    category folder. Occlusion is not something vasr knows, so full_occlusion is all 0 and a frame without
    a box is flagged out of view (readers then ignore its ``0,0,0,0`` box)."""
    folder = Path(directory) / ann.name
    present = ann.has_box
    flags = {"full_occlusion.txt": np.zeros(len(ann), int), "out_of_view.txt": (~present).astype(int)}
    paths = []
    for file_name, values in flags.items():
        atomic_write_text(folder / file_name, ",".join(str(v) for v in values))
        paths.append(folder / file_name)
    gt = folder / "groundtruth.txt"
    atomic_write_text(gt, _box_lines(ann.boxes, present, 1.0, _ZERO_BOX))
    return [gt, *paths]


def write_otb(ann: DenseAnnotation, directory: str | Path) -> list[Path]:
    """OTB: ``<dir>/<name>/groundtruth_rect.txt``, 1-based ``x,y,w,h``; NaN where there is no box (OTB has
    no absence flag; UAV123, which uses the same layout, writes NaN)."""
    path = Path(directory) / ann.name / "groundtruth_rect.txt"
    atomic_write_text(path, _box_lines(ann.boxes, ann.has_box, 1.0, "NaN,NaN,NaN,NaN"))
    return [path]


def write_got10k(ann: DenseAnnotation, directory: str | Path) -> list[Path]:
    """GOT-10k: ``<dir>/<name>/groundtruth.txt`` (0-based ``x,y,w,h``, GOT-10k's convention) and the label
    files the toolkit and the training loaders read: ``absence.label`` (1: no box), ``cover.label`` (8 where
    a box, 0 where none: vasr does not estimate occlusion) and ``cut_by_image.label`` (1: the box crosses
    the image border). ``<dir>`` plays the split folder; its ``list.txt`` (every sequence of the split) is
    left to the caller."""
    folder = Path(directory) / ann.name
    present = ann.has_box
    width, height = ann.image_size
    x, y, w, h = ann.boxes.T
    with np.errstate(invalid="ignore"):
        cut = present & ((x < 0) | (y < 0) | (x + w > width) | (y + h > height))
    labels = {"absence": ~present, "cover": np.where(present, 8, 0), "cut_by_image": cut}
    paths = []
    for label, values in labels.items():
        paths.append(folder / f"{label}.label")
        atomic_write_text(paths[-1], _labels(values))
    gt = folder / "groundtruth.txt"
    atomic_write_text(gt, _box_lines(ann.boxes, present, 0.0, _ZERO_BOX))
    return [gt, *paths]


def write_trackingnet(ann: DenseAnnotation, directory: str | Path) -> list[Path]:
    """TrackingNet: ``<dir>/anno/<name>.txt``, 0-based ``x,y,w,h``; ``<dir>`` plays a chunk (``TRAIN_3``).
    The format has no absence flag, so a frame without a box gets ``0,0,0,0``, which every loader
    treats as invalid (zero size)."""
    path = Path(directory) / "anno" / f"{ann.name}.txt"
    atomic_write_text(path, _box_lines(ann.boxes, ann.has_box, 0.0, _ZERO_BOX))
    return [path]


def write_mot(
    ann: DenseAnnotation, directory: str | Path, track_id: int = 1, class_id: int = 1, frame_rate: int = 30
) -> list[Path]:
    """MOTChallenge ground truth: ``<dir>/<name>/gt/gt.txt`` with one line per frame that has a box,
    ``frame,id,x,y,w,h,conf,class,visibility``, frame and x, y 1-based, conf 1 (a box to evaluate),
    visibility 1 (not estimated). ``seqinfo.ini`` is written too: TrackEval needs its length and size."""
    folder = Path(directory) / ann.name
    width, height = ann.image_size
    suffix = next((Path(n).suffix for n in ann.frame_names if Path(n).suffix), ".jpg")
    seqinfo = folder / "seqinfo.ini"
    atomic_write_text(
        seqinfo,
        f"[Sequence]\nname={ann.name}\nimDir=img1\nframeRate={frame_rate}\nseqLength={len(ann)}\n"
        f"imWidth={width}\nimHeight={height}\nimExt={suffix}\n",
    )
    lines = []
    for index in np.flatnonzero(ann.has_box):
        x, y, w, h = ann.boxes[index]
        lines.append(f"{index + 1},{track_id},{x + 1:.3f},{y + 1:.3f},{w:.3f},{h:.3f},1,{class_id},1\n")
    gt = folder / "gt" / "gt.txt"
    atomic_write_text(gt, "".join(lines))
    return [gt, seqinfo]


def _attribute(parent: ET.Element, name: str, input_type: str, default: str, values: str) -> None:
    """An attribute declared on the label (CVAT keeps a box's attribute only when it is declared)."""
    attribute = ET.SubElement(parent, "attribute")
    for tag, text in (
        ("name", name),
        ("mutable", "True"),
        ("input_type", input_type),
        ("default_value", default),
        ("values", values),
    ):
        ET.SubElement(attribute, tag).text = text


def _text(parent: ET.Element, tag: str, text: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(text)
    return element


def write_cvat_video(ann: DenseAnnotation, directory: str | Path, label: str = "target") -> list[Path]:
    """CVAT for video 1.1: ``<dir>/<name>.xml`` with one track holding one ``<box>`` per frame.

    Corners are CVAT's ``xtl, ytl, xbr = x + w, ybr = y + h`` in 0-based pixels. Every box carries
    ``keyframe="1"``: CVAT stores only keyframe shapes on import and re-interpolates the others linearly
    (cvat-ai/cvat#7290, #7498), which would throw the dense boxes away. Human keyframes and the frames to
    review are therefore the checkbox attributes ``human_keyframe`` and ``review`` (flagged or suggested),
    and ``suggestion_rank`` a number (1 = box it first, 0 = not suggested), all declared on the label.
    A frame without a box is ``outside="1"`` and repeats the nearest box so that CVAT has coordinates."""
    count = len(ann)
    width, height = ann.image_size
    root = ET.Element("annotations")
    _text(root, "version", "1.1")
    task = ET.SubElement(ET.SubElement(root, "meta"), "task")
    for tag, value in (
        ("name", ann.name),
        ("size", count),
        ("mode", "interpolation"),
        ("overlap", 0),
        ("start_frame", 0),
        ("stop_frame", count - 1),
    ):
        _text(task, tag, value)
    label_element = ET.SubElement(ET.SubElement(task, "labels"), "label")
    _text(label_element, "name", label)
    _text(label_element, "type", "rectangle")
    attributes = ET.SubElement(label_element, "attributes")
    _attribute(attributes, "human_keyframe", "checkbox", "false", "false")
    _attribute(attributes, "review", "checkbox", "false", "false")
    _attribute(attributes, "suggestion_rank", "number", "0", f"0\n{max(len(ann.suggestions), 1)}\n1")
    _attribute(attributes, "flag_reason", "text", "", "")  # why a flagged frame is to be reviewed
    size = ET.SubElement(task, "original_size")
    _text(size, "width", width)
    _text(size, "height", height)

    present, human, rank = ann.has_box, ann.keyframe_mask, ann.suggestion_rank
    review = ann.failure | (rank > 0)
    filled = _nearest_boxes(ann.boxes, present)
    track = ET.SubElement(root, "track", {"id": "0", "label": label})
    for index in range(count):
        x, y, w, h = filled[index]
        box = ET.SubElement(
            track,
            "box",
            {
                "frame": str(index),
                "keyframe": "1",
                "outside": "0" if present[index] else "1",
                "occluded": "0",
                "xtl": f"{x:.3f}",
                "ytl": f"{y:.3f}",
                "xbr": f"{x + w:.3f}",
                "ybr": f"{y + h:.3f}",
                "z_order": "0",
            },
        )
        for name, flag in (("human_keyframe", human[index]), ("review", review[index])):
            ET.SubElement(box, "attribute", {"name": name}).text = "true" if flag else "false"
        ET.SubElement(box, "attribute", {"name": "suggestion_rank"}).text = str(rank[index])
        ET.SubElement(box, "attribute", {"name": "flag_reason"}).text = str(ann.flag_reason[index])
    ET.indent(root, space="  ")
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    path = Path(directory) / f"{ann.name}.xml"
    atomic_write_text(path, text)
    return [path]


def _nearest_boxes(boxes: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Boxes with each missing one replaced by the previous present box (the next one before the first;
    zeros when there is none at all)."""
    if not present.any():
        return np.zeros_like(boxes)
    indices = np.flatnonzero(present)
    previous = np.maximum.accumulate(np.where(present, np.arange(len(boxes)), -1))
    previous[previous < 0] = indices[0]
    return boxes[previous]


def write_json(
    ann: DenseAnnotation, directory: str | Path, extra: dict[str, object] | None = None
) -> list[Path]:
    """Everything in one file, ``<dir>/<name>.json``, for tools and notebooks: boxes 0-based ``x,y,w,h``
    (``null`` for a frame without a box), keyframes and failure frames as 0-based indices (and why each is
    flagged), per-frame quality (``null`` where none) and direction names, plus ``extra`` keys (``vasr
    annotate`` adds what made the annotation). Strict JSON (no NaN), one key per line; :func:`read_json`
    reads it back exactly."""
    width, height = ann.image_size
    content = {
        "format_version": JSON_FORMAT_VERSION,
        "name": ann.name,
        "box_format": "x,y,w,h; 0-based pixels, (0,0) = top-left corner of the top-left pixel",
        "image_size": {"width": width, "height": height},
        "num_frames": len(ann),
        "boxes": [row.tolist() if ok else None for row, ok in zip(ann.boxes, ann.has_box, strict=True)],
        "keyframes": ann.keyframes.tolist(),
        "failure_frames": ann.review_frames.tolist(),
        "failure_reasons": ann.review_reasons,
        "quality": [None if np.isnan(q) else float(q) for q in ann.quality],
        "direction": [DIRECTION_NAMES[int(d)] for d in ann.direction],
        "frame_names": ann.frame_names,
        "suggestions": ann.suggestions.tolist(),
        "suggestion_reasons": ann.suggestion_reasons,
        "unchecked_frames": np.flatnonzero(ann.unchecked).tolist(),
        "outside_frames": np.flatnonzero(ann.outside).tolist(),
        "labour_saved": ann.labour_saved,
        **(extra or {}),
    }
    body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in content.items())
    path = Path(directory) / f"{ann.name}.json"
    atomic_write_text(path, "{\n" + body + "\n}\n")
    return [path]


def read_json(path: str | Path) -> tuple[DenseAnnotation, dict[str, object]]:
    """The DenseAnnotation of a file :func:`write_json` wrote (floats come back to the bit), and the file's
    other keys. A file that is not such a JSON is an AnnotationFormatError naming it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"its top level is a {type(data).__name__}, not an object")
        if data.get("format_version") != JSON_FORMAT_VERSION:
            raise ValueError(f"format_version {data.get('format_version')!r}, expected {JSON_FORMAT_VERSION}")
        names = {name: code for code, name in DIRECTION_NAMES.items()}
        unknown = sorted({str(d) for d in data["direction"]} - set(names))
        if unknown:
            raise ValueError(f"unknown direction {unknown[0]!r}; known: {', '.join(map(repr, names))}")
        if not all(isinstance(k, int) and not isinstance(k, bool) for k in data["keyframes"]):
            raise ValueError("keyframes must be whole frame numbers")
        ann = DenseAnnotation(
            name=data["name"],
            boxes=np.array([b if b is not None else [np.nan] * 4 for b in data["boxes"]], dtype=np.float64),
            keyframes=np.asarray(data["keyframes"], dtype=np.int64),
            failure=np.isin(np.arange(data["num_frames"]), data["failure_frames"]),
            quality=np.array([np.nan if q is None else q for q in data["quality"]], dtype=np.float64),
            direction=np.array([names[d] for d in data["direction"]], dtype=np.int64),
            image_size=(data["image_size"]["width"], data["image_size"]["height"]),
            frame_names=data["frame_names"],
            # a frame the human boxed since (an edited file) is no longer a suggestion
            **_open_suggestions(data),
            unchecked=np.isin(np.arange(data["num_frames"]), data.get("unchecked_frames", [])),
            outside=np.isin(np.arange(data["num_frames"]), data.get("outside_frames", [])),
            flag_reason=_flag_reasons(data),
        )
    except KeyError as error:
        message = f"is not a vasr annotation JSON (no {error.args[0]!r} key)"
        raise AnnotationFormatError(path, message) from None
    except (OSError, UnicodeDecodeError, ValueError, TypeError, AttributeError, RecursionError) as error:
        raise AnnotationFormatError(path, f"is not a vasr annotation JSON ({error})") from None
    known = {"format_version", "name", "box_format", "image_size", "num_frames", "boxes", "keyframes",
             "failure_frames", "failure_reasons", "quality", "direction", "frame_names", "suggestions",
             "suggestion_reasons", "unchecked_frames", "outside_frames", "labour_saved"}  # fmt: skip
    return ann, {k: v for k, v in data.items() if k not in known}


def _open_suggestions(data: dict) -> dict[str, object]:
    """The suggestions of a JSON and their reasons, less the frames the human has boxed since (an edited
    file's keyframes)."""
    frames = [int(f) for f in data.get("suggestions", [])]
    reasons = list(data.get("suggestion_reasons") or [""] * len(frames))
    boxed = set(data["keyframes"])
    open_ = [(f, r) for f, r in zip(frames, reasons, strict=True) if f not in boxed]
    return {
        "suggestions": np.array([f for f, _ in open_], np.int64),
        "suggestion_reasons": [r for _, r in open_],
    }


def _flag_reasons(data: dict) -> np.ndarray:
    """Per frame, why it is flagged, from a JSON's failure frames and their reasons (none in a file from an
    earlier vasr)."""
    frames = [int(f) for f in data["failure_frames"]]
    given = data.get("failure_reasons")
    reasons = [""] * len(frames) if given is None else list(given)
    if len(reasons) != len(frames):
        raise ValueError(f"{len(reasons)} failure_reasons for {len(frames)} failure_frames")
    per_frame = np.full(data["num_frames"], "", dtype=object)
    for frame, reason in zip(frames, reasons, strict=True):
        if not 0 <= frame < len(per_frame):
            raise ValueError(f"failure frame {frame} is outside the {len(per_frame)} frames")
        if not isinstance(reason, str):
            raise ValueError(f"failure reason {reason!r} of frame {frame} is not text")
        per_frame[frame] = reason
    return per_frame


def write_result_set(ann: DenseAnnotation, directory: str | Path) -> list[Path]:
    """vasr's own annotation-set files (``vasr.annotations.result_dir``), which ``vasr evaluate --pred``
    scores: ``<dir>/<name>.txt`` plus the keyframe and failure lists."""
    directory = Path(directory)
    boxes = write_annotation_set(
        directory, ann.name, AnnotationSet(ann.boxes, ann.keyframes.copy(), ann.review_frames.copy())
    )
    return [directory / f"{ann.name}.keyframes.txt", directory / f"{ann.name}.failures.txt", boxes]


Exporter = Callable[[DenseAnnotation, str | Path], list[Path]]

EXPORTERS: dict[str, Exporter] = {
    "lasot": write_lasot,
    "otb": write_otb,
    "got10k": write_got10k,
    "trackingnet": write_trackingnet,
    "mot": write_mot,
    "cvat": write_cvat_video,
    "json": write_json,
    "vasr": write_result_set,
}


def export(
    ann: DenseAnnotation, directory: str | Path, formats: str | Iterable[str]
) -> dict[str, list[Path]]:
    """Write ``ann`` in each of ``formats`` into ``<dir>/<format>/`` (one folder per format: LaSOT and
    GOT-10k would otherwise both write ``<name>/groundtruth.txt``). Every name is checked before anything
    is written. Returns format -> written paths."""
    wanted = [formats] if isinstance(formats, str) else list(formats)
    unknown = [name for name in wanted if name not in EXPORTERS]
    if unknown:
        raise ValueError(
            f"unknown export format {', '.join(map(repr, unknown))}; valid: {', '.join(EXPORTERS)}"
        )
    return {name: EXPORTERS[name](ann, Path(directory) / name) for name in dict.fromkeys(wanted)}
