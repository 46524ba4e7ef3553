"""Reruns of ``vasr annotate`` into an existing folder never keep a stale result: a sequence whose inputs or
settings changed is annotated again (and the run says what changed), the others are reused, formats asked
for anew are written from the kept result, and every rerun's files equal a fresh run's, byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import vasr.pipeline
from vasr.cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def dataset(tiny_root: Path, tmp_path: Path) -> Path:
    """A copy of the tiny dataset (4 sequences) that a test may edit."""
    return Path(shutil.copytree(tiny_root, tmp_path / "data"))


@pytest.fixture
def annotated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the sequences the pipeline annotated (not reused) during the test, in order."""
    names: list[str] = []
    real = vasr.pipeline.Annotator.annotate

    def counting(self, sequence, *args, **kwargs):  # noqa: ANN001, ANN202
        names.append(sequence.name)
        return real(self, sequence, *args, **kwargs)

    monkeypatch.setattr(vasr.pipeline.Annotator, "annotate", counting)
    return names


def annotate(root: Path, out: Path, checkpoints: dict[str, Path], cache: Path, *extra: str) -> int:
    argv = [
        "annotate", "--dataset", "lasot", "--root", str(root), "--out", str(out), "--cache", str(cache),
        "--tassess", str(checkpoints["tassess"]), "--tracker", "kcf", "--no-review", "--interval", "30",
    ]  # fmt: skip
    if "--refiner" not in extra:
        argv.append("--no-refiner")
    return main([*argv, *extra])


def files(out: Path) -> dict[str, bytes]:
    """Every file of a run but summary.json, whose statuses say reused / annotated, and run.json, which names
    the output folder."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in ("summary.json", "run.json")
    }


def statuses(out: Path) -> dict[str, str]:
    rows = json.loads((out / "summary.json").read_text())["sequences"]
    return {row["sequence"]: row["status"] for row in rows}


def test_an_unchanged_rerun_reuses_everything(dataset, checkpoints, tmp_path, annotated) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert annotate(dataset, out, checkpoints, cache) == 0
    first = files(out)
    assert len(annotated) == 4
    assert annotate(dataset, out, checkpoints, cache) == 0
    assert len(annotated) == 4  # nothing annotated again
    assert set(statuses(out).values()) == {"reused"}
    assert files(out) == first


def test_changed_keyframes_redo_that_sequence_only(dataset, checkpoints, tmp_path, annotated, capsys) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert annotate(dataset, out, checkpoints, cache) == 0
    (gt_file,) = sorted(dataset.rglob("groundtruth.txt"))[:1]
    changed = gt_file.parent.name
    lines = gt_file.read_text().splitlines()
    x, y, w, h = map(float, lines[30].split(","))
    lines[30] = f"{x + 4},{y + 2},{w},{h}"  # the human moved the box of keyframe 30
    gt_file.write_text("\n".join(lines) + "\n")
    annotated.clear()
    assert annotate(dataset, out, checkpoints, cache) == 0
    assert annotated == [changed]
    status = statuses(out)
    assert status[changed] == "redone (keyframes changed)"
    assert [s for name, s in status.items() if name != changed] == ["reused"] * 3
    assert f"{changed}: redone (keyframes changed)" in capsys.readouterr().err
    fresh = tmp_path / "fresh"
    assert annotate(dataset, fresh, checkpoints, cache) == 0
    assert files(out) == files(fresh)


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (["--threshold", "0.5"], "threshold"),
        (["--tracker", "csrt"], "tracker"),
        (["--refiner", "REFINER", "--adapt-steps", "2"], "adaptation, refined_share, refiner"),
    ],
    ids=["threshold", "tracker", "refiner"],
)
def test_a_changed_setting_redoes_every_sequence_as_a_fresh_run_would(
    change, what, dataset, checkpoints, tmp_path, annotated
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    change = [str(checkpoints["refiner"]) if c == "REFINER" else c for c in change]
    assert annotate(dataset, out, checkpoints, cache) == 0
    annotated.clear()
    assert annotate(dataset, out, checkpoints, cache, *change) == 0
    assert len(annotated) == 4
    assert set(statuses(out).values()) == {f"redone ({what} changed)"}
    fresh = tmp_path / "fresh"
    assert annotate(dataset, fresh, checkpoints, cache, *change) == 0
    assert files(out) == files(fresh)
    summary = json.loads((out / "summary.json").read_text())["settings"]
    assert summary == json.loads((fresh / "summary.json").read_text())["settings"]


def test_a_changed_refined_share_redoes_every_sequence(dataset, checkpoints, tmp_path, annotated) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    refined = ["--refiner", str(checkpoints["refiner"]), "--adapt-steps", "1"]
    assert annotate(dataset, out, checkpoints, cache, *refined) == 0
    halfway = json.loads((out / "summary.json").read_text())["settings"]["refined_share"]
    annotated.clear()
    assert annotate(dataset, out, checkpoints, cache, *refined, "--refined-share", "1") == 0
    assert len(annotated) == 4
    assert set(statuses(out).values()) == {"redone (refined_share changed)"}
    replaced = json.loads((out / "summary.json").read_text())["settings"]["refined_share"]
    assert (halfway, replaced) == (0.5, 1.0)


def test_new_formats_come_from_the_kept_result_and_dropped_ones_of_a_redone_sequence_go(
    dataset, checkpoints, tmp_path, annotated
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert annotate(dataset, out, checkpoints, cache, "--formats", "lasot") == 0
    annotated.clear()
    assert annotate(dataset, out, checkpoints, cache, "--formats", "lasot", "otb", "mot") == 0
    assert annotated == []  # nothing annotated again: written from the kept result
    assert set(statuses(out).values()) == {"reused, wrote otb, mot"}
    fresh = tmp_path / "fresh"
    assert annotate(dataset, fresh, checkpoints, cache, "--formats", "lasot", "otb", "mot") == 0
    assert files(out) == files(fresh)
    # a changed setting with fewer formats: the redone result's old otb/mot files would be stale
    assert annotate(dataset, out, checkpoints, cache, "--formats", "lasot", "--threshold", "0.5") == 0
    assert not list((out / "otb").rglob("*.txt")) and not list((out / "mot").rglob("*.txt"))
    again = tmp_path / "again"
    assert annotate(dataset, again, checkpoints, cache, "--formats", "lasot", "--threshold", "0.5") == 0
    assert files(out) == files(again)


def test_overwrite_redoes_everything(dataset, checkpoints, tmp_path, annotated) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert annotate(dataset, out, checkpoints, cache) == 0
    annotated.clear()
    assert annotate(dataset, out, checkpoints, cache, "--overwrite") == 0
    assert len(annotated) == 4 and set(statuses(out).values()) == {"annotated"}


def test_a_damaged_json_is_annotated_again(dataset, checkpoints, tmp_path, annotated) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert annotate(dataset, out, checkpoints, cache) == 0
    first = files(out)
    victim = sorted((out / "json").glob("*.json"))[0]
    victim.write_text(victim.read_text()[:100])  # truncated by hand
    annotated.clear()
    assert annotate(dataset, out, checkpoints, cache) == 0
    assert annotated == [victim.stem]
    assert files(out) == first


def test_the_json_reads_back_to_the_bit(dataset, checkpoints, tmp_path) -> None:
    from vasr.annotations.exports import read_json, write_json

    out = tmp_path / "out"
    assert annotate(dataset, out, checkpoints, tmp_path / "cache") == 0
    path = sorted((out / "json").glob("*.json"))[0]
    ann, extra = read_json(path)
    assert set(extra) == {"fingerprint", "provenance", "files"}
    write_json(ann, tmp_path / "copy", extra)
    assert (tmp_path / "copy" / path.name).read_bytes() == path.read_bytes()
    assert np.isnan(ann.quality[ann.keyframes]).all()


def test_another_vasr_version_redoes_every_sequence(
    dataset, checkpoints, tmp_path, annotated, monkeypatch
) -> None:
    # a release may change what the same settings give (a flag rule, say): its results are not reused
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert annotate(dataset, out, checkpoints, cache) == 0
    annotated.clear()
    monkeypatch.setattr("vasr.run.__version__", "99.0.0")
    assert annotate(dataset, out, checkpoints, cache) == 0
    assert len(annotated) == 4
    assert set(statuses(out).values()) == {"redone (vasr changed)"}


def test_the_package_and_its_metadata_name_one_version() -> None:
    import importlib.metadata

    import vasr

    assert importlib.metadata.version("vasr") == vasr.__version__
