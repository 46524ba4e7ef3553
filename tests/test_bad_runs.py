"""Bad output locations, mixed frame sizes, files that are not checkpoints, Ctrl-C and SIGKILL: a clear
line naming the path and the problem before any work, or a documented recovery, never a raw traceback or a
stray temporary file."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import vasr.pipeline
from vasr.atomic import _host
from vasr.cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def annotate_argv(clip, checkpoints, out: Path | str, *extra: str) -> list[str]:
    folder, keyframe_file, _ = clip
    return [
        "annotate", "--frames", str(folder), "--keyframes", str(keyframe_file), "--name", "clip",
        "--tassess", str(checkpoints["tassess"]), "--tracker", "kcf", "--no-refiner", "--no-review",
        "--out", str(out), *extra,
    ]  # fmt: skip


def test_an_out_that_is_a_file_is_one_line_before_any_work(clip, checkpoints, tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(vasr.pipeline.Annotator, "track", lambda *a, **k: calls.append(1))
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    assert main(annotate_argv(clip, checkpoints, taken)) == 2
    assert capsys.readouterr().err.strip() == f"vasr: error: --out {taken} is a file, not a folder"
    assert main(annotate_argv(clip, checkpoints, taken / "sub")) == 2
    assert f"cannot be made: {taken} is a file, not a folder" in capsys.readouterr().err
    assert calls == []  # nothing was tracked


def test_baseline_and_track_check_their_output_too(tiny_root: Path, tmp_path: Path, capsys) -> None:
    taken = tmp_path / "taken"
    taken.write_text("x")
    assert main(["baseline", "--dataset", "lasot", "--root", str(tiny_root), "--out", str(taken)]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["track", "--dataset", "lasot", "--root", str(tiny_root), "--cache", str(taken)]) == 2
    assert f"--cache {taken} is a file, not a folder" in capsys.readouterr().err
    csv = ["evaluate", "--dataset", "lasot", "--root", str(tiny_root), "--pred", f"x={tmp_path}"]
    assert main([*csv, "--csv", str(taken / "table.csv")]) == 2
    assert f"the folder of --csv {taken} is a file, not a folder" in capsys.readouterr().err


def test_frames_of_another_size_are_an_error_naming_the_frame_and_both_sizes(
    clip, checkpoints, tmp_path: Path, capsys
) -> None:
    folder, _, _ = clip
    mixed = Path(shutil.copytree(folder, tmp_path / "mixed"))
    odd = sorted(mixed.iterdir())[9]
    with Image.open(odd) as image:
        width, height = image.size
        image.resize((2 * width, 2 * height)).save(odd)
    argv = annotate_argv(clip, checkpoints, tmp_path / "out")
    argv[argv.index("--frames") + 1] = str(mixed)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{odd}: is {2 * width}x{2 * height} but the sequence's first frame" in err
    assert f"is {width}x{height}" in err
    assert not (tmp_path / "out").exists()


def test_a_decoded_frame_of_another_size_is_refused(tmp_path: Path) -> None:
    from vasr.data.frames import ImageFolderFrames
    from vasr.errors import FrameReadError

    for i, size in enumerate([(40, 30), (40, 30), (80, 60)]):
        Image.new("RGB", size).save(tmp_path / f"{i:04d}.png")
    frames = ImageFolderFrames(sorted(tmp_path.iterdir()))
    frames[1]
    with pytest.raises(
        FrameReadError, match=r"0002.png: is 80x60 but the sequence's first frame 0000.png is 40x30"
    ):
        frames[2]


def test_a_file_that_is_no_checkpoint_says_so_without_unpickling_advice(
    clip, checkpoints, tmp_path: Path, capsys
) -> None:
    jpeg = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8)).save(jpeg)
    argv = annotate_argv(clip, checkpoints, tmp_path / "out")
    argv[argv.index("--tassess") + 1] = str(jpeg)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{jpeg} is not a T-Assess checkpoint (not a PyTorch checkpoint file)" in err
    assert "weights_only" not in err and "pickle" not in err.lower()
    argv[argv.index("--tassess") + 1] = str(checkpoints["refiner"])  # a checkpoint of the other net
    assert main(argv) == 2
    assert "is not a T-Assess checkpoint" in capsys.readouterr().err


def test_ctrl_c_is_one_line_and_keeps_what_is_done(
    tiny_root: Path, checkpoints, tmp_path: Path, capsys, monkeypatch
) -> None:
    real = vasr.pipeline.Annotator.annotate
    seen = []

    def interrupted(self, sequence, *args, **kwargs):  # noqa: ANN001, ANN202
        seen.append(sequence.name)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return real(self, sequence, *args, **kwargs)

    monkeypatch.setattr(vasr.pipeline.Annotator, "annotate", interrupted)
    out = tmp_path / "out"
    argv = ["annotate", "--dataset", "lasot", "--root", str(tiny_root), "--out", str(out), "--tassess",
            str(checkpoints["tassess"]), "--tracker", "kcf", "--no-refiner", "--no-review",
            "--cache", str(tmp_path / "cache")]  # fmt: skip
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert (
        err.strip().splitlines()[-1] == "vasr: interrupted; 1 sequence done; rerun the same command to resume"
    )
    assert "Traceback" not in err
    assert [p.stem for p in (out / "json").glob("*.json")] == [seen[0]]


def dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_a_killed_writers_temporary_files_are_removed_when_the_run_resumes(
    clip, checkpoints, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    stale = out / "review" / f".clip.quality.png.{_host()}-{dead_pid()}.k2x_9a.tmp.png"
    live = out / "json" / f".clip.json.{_host()}-{os.getpid()}.abc123.tmp"  # a writer still running
    for path in (stale, live):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half")
    assert main(annotate_argv(clip, checkpoints, out)) == 0
    assert not stale.exists() and live.exists()
    assert f"removed {stale}, left by an interrupted run" in capsys.readouterr().err


def run_killed(argv: list[str], cwd: Path, ready) -> None:  # noqa: ANN001 - ready: () -> bool
    """Start ``vasr argv`` and SIGKILL it as soon as ``ready()`` holds (or when it ends by itself)."""
    process = subprocess.Popen([sys.executable, "-m", "vasr.cli.main", *argv], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 300
    while process.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.01)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait()


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if ".tmp" in p.name]


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["tracking", "after one sequence", "after two sequences"])
def test_sigkill_then_rerun_gives_the_uninterrupted_output(
    moment: str, tiny_root: Path, checkpoints, tmp_path: Path
) -> None:
    def argv(out: Path) -> list[str]:
        return ["annotate", "--dataset", "lasot", "--root", str(tiny_root), "--out", str(out), "--tassess",
                str(checkpoints["tassess"]), "--tracker", "kcf", "--no-refiner", "--formats", "lasot", "cvat",
                "--cache", str(tmp_path / f"cache-{out.name}")]  # fmt: skip

    reference, out = tmp_path / "reference", tmp_path / "killed"
    assert main(argv(reference)) == 0
    wanted = {"tracking": 0, "after one sequence": 1, "after two sequences": 2}[moment]
    cache = tmp_path / "cache-killed"
    ready = (
        (lambda: any(cache.rglob("*.npz")))
        if wanted == 0
        else (lambda: len(list((out / "json").glob("*.json"))) >= wanted)
    )
    run_killed(argv(out), tmp_path, ready)
    assert main(argv(out)) == 0
    assert not temporaries(out) and not temporaries(cache)

    def content(folder: Path) -> dict[str, bytes]:
        skipped = ("summary.json", "run.json")
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and p.name not in skipped and p.suffix != ".png"}  # fmt: skip

    assert content(out) == content(reference)
    assert sorted(p.name for p in (out / "review").iterdir()) == sorted(
        p.name for p in (reference / "review").iterdir()
    )


@pytest.mark.slow
def test_sigkill_of_track_then_rerun_fills_the_cache_as_an_uninterrupted_run(tiny_root: Path, tmp_path: Path):
    argv = ["track", "--dataset", "lasot", "--root", str(tiny_root), "--tracker", "kcf"]
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    assert main([*argv, "--cache", str(reference)]) == 0
    run_killed([*argv, "--cache", str(killed)], tmp_path, lambda: any(killed.rglob("*.npz")))
    assert main([*argv, "--cache", str(killed)]) == 0
    assert not temporaries(killed)
    entries = sorted(p.relative_to(reference) for p in reference.rglob("*.npz"))
    assert entries == sorted(p.relative_to(killed) for p in killed.rglob("*.npz")) and entries
    for entry in entries:
        with np.load(reference / entry) as a, np.load(killed / entry) as b:
            assert sorted(a.files) == sorted(b.files)
            for key in a.files:
                if key != "seconds":  # wall time, the one thing two runs never share
                    np.testing.assert_array_equal(a[key], b[key])
    key_files = sorted(reference.rglob("key.json"))
    assert [json.loads(p.read_text()) for p in key_files] == [
        json.loads((killed / p.relative_to(reference)).read_text()) for p in key_files
    ]
