"""Write synthetic sequences in LaSOT's exact on-disk layout, so the LaSOT reader serves them unchanged:

    <root>/<category>/<category>-<N>/img/00000001.jpg ...
                                    /groundtruth.txt     x,y,w,h per frame, 1-based integer pixels
                                    /full_occlusion.txt  one line of 0/1, comma separated
                                    /out_of_view.txt     one line of 0/1, comma separated
                                    /nlp.txt             one sentence
    <root>/synth_config.json, <root>/README.txt

Each sequence is written into ``<root>/.partial`` and renamed into place when complete, so an interrupted
run never leaves a sequence that looks finished; a rerun with the same config writes only what is missing,
and a root made with another config is refused (``overwrite=True`` replaces it). Two generators may fill one
root at once (two experiments started together): each keeps to its own work directories, and a sequence the
other finished first is taken as it is."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

from vasr.atomic import atomic_write_text, is_temporary
from vasr.data.synth.config import GENERATOR_VERSION, SynthConfig
from vasr.data.synth.render import render_frame
from vasr.data.synth.scene import build_scene
from vasr.data.synth.targets import TARGETS
from vasr.errors import VasrError

CONFIG_FILE = "synth_config.json"
README_FILE = "README.txt"
PARTIAL_DIR = ".partial"
HIDDEN_FULL = 0.9  # full_occlusion when more than this share of the in-view silhouette is covered


class SynthRootError(VasrError):
    """The output root holds something else: another config's dataset, or files that are not ours."""


def sequence_list(config: SynthConfig) -> list[tuple[int, int, str]]:
    """(category index, 1-based sequence index, relative directory) of every sequence, in dataset order."""
    return [
        (c, i, f"{TARGETS[c].name}/{TARGETS[c].name}-{i}")
        for c in range(config.categories)
        for i in range(1, config.sequences_per_category + 1)
    ]


def annotations(
    boxes: np.ndarray, in_view: np.ndarray, hidden: np.ndarray, size: tuple[int, int], absent_zeros: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LaSOT annotations from the scene's boxes and the rendered silhouettes.

    Returns the 1-based ``x, y, w, h`` rows (the box clipped to the image, occluded parts included, as LaSOT
    does), ``full_occlusion`` (in view but more than 90% of the visible silhouette hidden) and ``out_of_view``
    (no silhouette pixel in the image). Out-of-view rows are LaSOT-style junk: ``0,0,0,0`` or, per sequence,
    the last in-view box (the next one before the first)."""
    width, height = size
    x0 = np.clip(boxes[:, 0], 0, width)
    y0 = np.clip(boxes[:, 1], 0, height)
    x1 = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    y1 = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    out = ~in_view
    full = in_view & (hidden > HIDDEN_FULL)
    rows = np.stack([x0 + 1, y0 + 1, x1 - x0, y1 - y0], axis=1).astype(np.int64)
    seen = np.flatnonzero(in_view)
    if absent_zeros or len(seen) == 0:
        rows[out] = 0
    else:
        previous = np.maximum.accumulate(np.where(in_view, np.arange(len(rows)), -1))
        source = np.where(previous >= 0, previous, seen[0])
        rows[out] = rows[source[out]]
    return rows, full.astype(np.int64), out.astype(np.int64)


def write_sequence(root: Path, config: SynthConfig, category_index: int, index: int) -> Path:
    """Render and write one sequence atomically; return its final directory."""
    scene = build_scene(config, category_index, index)
    final = root / scene.category.name / scene.name
    work = root / PARTIAL_DIR / f"{scene.name}.{os.getpid()}"
    if work.exists():
        shutil.rmtree(work)
    (work / "img").mkdir(parents=True)
    n = scene.frames
    in_view, hidden = np.zeros(n, bool), np.zeros(n)
    params = [cv2.IMWRITE_JPEG_QUALITY, config.jpeg_quality]
    for t in range(n):
        frame = render_frame(scene, t)
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR), params)
        if not ok:
            raise OSError(f"JPEG encoding failed for {scene.name} frame {t + 1}")
        (work / "img" / f"{t + 1:08d}.jpg").write_bytes(data.tobytes())
        in_view[t], hidden[t] = frame.silhouette.any(), frame.hidden
    rows, full, out = annotations(scene.target.boxes, in_view, hidden, scene.size, scene.absent_zeros)
    (work / "groundtruth.txt").write_text("".join(",".join(str(v) for v in row) + "\n" for row in rows))
    (work / "full_occlusion.txt").write_text(",".join(str(v) for v in full) + "\n")
    (work / "out_of_view.txt").write_text(",".join(str(v) for v in out) + "\n")
    (work / "nlp.txt").write_text(scene.category.sentence + "\n")
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(work, final)
    except OSError:
        if not (final / "groundtruth.txt").is_file():
            raise
        shutil.rmtree(work)  # another generator of this root finished it first: same config, same bytes
    return final


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _clear_partials(root: Path) -> None:
    """Remove what interrupted runs left in ``.partial`` (work directories ``<sequence>.<pid>`` of processes
    that no longer run), never the work of another generator still writing into the same root."""
    partial = root / PARTIAL_DIR
    if not partial.is_dir():
        return
    for work in partial.iterdir():
        pid = work.suffix[1:]
        if not (pid.isdigit() and _is_running(int(pid))):
            shutil.rmtree(work, ignore_errors=True)
    with contextlib.suppress(OSError):
        partial.rmdir()  # only when empty


def _stamp(config: SynthConfig) -> dict[str, Any]:
    return {"generator": "vasr.data.synth", "version": GENERATOR_VERSION, "config": config.to_dict()}


def _readme(config: SynthConfig) -> str:
    settings = "\n".join(f"  {name} = {value}" for name, value in config.to_dict().items())
    return f"""Synthetic tracking dataset written by vasr.data.synth, generator version {GENERATOR_VERSION}.

Layout: LaSOT's (<category>/<category>-<N>/img/%08d.jpg, groundtruth.txt with 1-based x,y,w,h per frame,
full_occlusion.txt and out_of_view.txt one line of 0/1 per frame, nlp.txt one sentence), so any LaSOT
reader loads it. Targets are real objects cut from scikit-image's bundled photos, moving non-linearly over
real backgrounds with scale and aspect change, rotation, occluders, look-alike distractors, out-of-view
episodes, motion blur, defocus, lighting change, camera shake and sensor noise. Boxes are tight to the
target's silhouette, occluded parts included, clipped to the image; out-of-view frames hold 0,0,0,0 or the
last in-view box (decided per sequence).

Sequences i and i + ceil(n/2) of a category share their difficulty events, so splitting each category in
halves (as the VASR paper does with LaSOT) gives two equally hard subsets.

Same configuration, same bytes: regenerate with
  vasr synth --out <root> {" ".join(f"--{k.replace('_', '-')} {v}" for k, v in config.to_dict().items())}

Configuration (also in {CONFIG_FILE}):
{settings}
"""


def _prepare_root(root: Path, config: SynthConfig, overwrite: bool) -> None:
    """Make ``root`` hold this config's stamp, or refuse: never mix two configs in one dataset."""
    for path in (root, *root.parents):
        if path.is_symlink() and not path.exists():  # mkdir would fail with a bare FileExistsError
            raise SynthRootError(
                f"{path} is a symbolic link to {os.readlink(path)}, which does not exist: "
                "create its target or remove the link, then run again"
            )
    stamp_path = root / CONFIG_FILE
    if stamp_path.is_file():
        try:
            stamp = json.loads(stamp_path.read_text())
        except json.JSONDecodeError:
            stamp = None
        if stamp == _stamp(config):
            if not (root / README_FILE).is_file():  # a run killed between the stamp and the README
                atomic_write_text(root / README_FILE, _readme(config))
            return
        if not overwrite:
            raise SynthRootError(
                f"{root} holds a synthetic dataset made with another configuration (see {stamp_path}); "
                "pass a new root, or overwrite=True (CLI: delete the folder) to replace it"
            )
        for name in [spec.name for spec in TARGETS] + [PARTIAL_DIR]:
            if (root / name).is_dir():
                shutil.rmtree(root / name)
    elif root.exists() and any(not is_temporary(path) for path in root.iterdir()):
        raise SynthRootError(f"{root} is not empty and holds no {CONFIG_FILE}: refusing to write into it")
    else:
        root.mkdir(parents=True, exist_ok=True)
    # The stamp first, so that a generator started beside this one finds it (or only its temporary file)
    # and shares the root; both write under names of their own and rename, so neither loses its file.
    atomic_write_text(stamp_path, json.dumps(_stamp(config), indent=2) + "\n")
    atomic_write_text(root / README_FILE, _readme(config))


def _init_worker() -> None:
    cv2.setNumThreads(1)  # one sequence per process already fills the cores


def _default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def generate_dataset(
    root: str | Path,
    config: SynthConfig | None = None,
    progress: bool = True,
    workers: int | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Generate (or complete) the dataset of ``config`` under ``root``; return every sequence directory.

    Deterministic: the same config gives byte-identical files, whatever ``workers`` and whatever was already
    on disk. A sequence directory that exists is complete (it was renamed into place) and is kept.
    ``workers``: processes (default: the usable CPU cores; 1 renders in this process)."""
    root = Path(root)
    config = SynthConfig() if config is None else config
    listing = sequence_list(config)
    _prepare_root(root, config, overwrite)
    todo = [(c, i) for c, i, rel in listing if not (root / rel / "groundtruth.txt").is_file()]
    if todo:
        _clear_partials(root)  # left by an interrupted run
        workers = min(workers or _default_workers(), len(todo))
        with tqdm(total=len(todo), unit="seq", desc=f"synth -> {root}", disable=not progress) as bar:
            if workers <= 1:
                for c, i in todo:
                    write_sequence(root, config, c, i)
                    bar.update()
            else:
                with ProcessPoolExecutor(workers, get_context("spawn"), _init_worker) as pool:
                    futures = [pool.submit(write_sequence, root, config, c, i) for c, i in todo]
                    for future in as_completed(futures):
                        future.result()
                        bar.update()
        _clear_partials(root)
    return [root / rel for _, _, rel in listing]
