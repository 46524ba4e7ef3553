"""``vasr track``: from a dataset on disk to the track cache, reused on the next run, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fake_trackers import FakeBatchTracker, gt_box
from fixtures_layouts import write_frames, write_lasot_sequence

from vasr.cli.commands.track import resolve_device, tracker_factory
from vasr.cli.main import main
from vasr.tracking import registry
from vasr.tracking.cache import read_entry
from vasr.tracking.registry import parse_tracker_options


class DeviceTracker(FakeBatchTracker):
    def __init__(self, device: str = "unset", offset: float = 1.5) -> None:
        super().__init__(offset=offset)
        self.device = device


@pytest.fixture(autouse=True)
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    trackers = {
        **registry.TRACKERS,
        "fake": "fake_trackers:FakeBatchTracker",
        "devfake": "test_track_cli:DeviceTracker",
        "broken": "vasr.no_such_module:Tracker",
    }
    monkeypatch.setattr(registry, "TRACKERS", trackers)


@pytest.fixture
def lasot_root(tmp_path: Path) -> Path:
    """Two LaSOT-layout sequences whose frame i has pixel value i and ground truth `gt_box(i)`."""
    root = tmp_path / "lasot"
    for name, count in (("fake-1", 25), ("fake-2", 12)):
        lines = [",".join(f"{v:g}" for v in gt_box(i) + np.array([1.0, 1.0, 0.0, 0.0])) for i in range(count)]
        folder = write_lasot_sequence(root, name, lines)
        write_frames(folder / "img", [f"{i:08d}.jpg" for i in range(1, count + 1)], values=list(range(count)))
    return root


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["track", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--tracker", "--tracker-option", "--cache", "--device", "--procs", "--interval", "torchrun"):
        assert flag in out


def test_tracks_a_lasot_root_into_the_cache_then_reuses_it(
    lasot_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    args = [
        "track",
        "--root",
        str(lasot_root),
        "--tracker",
        "fake",
        "--cache",
        str(cache),
        "--interval",
        "10",
    ]
    args += ["--tracker-option", "offset=2.5", "--no-progress"]
    assert main(args) == 0
    assert "tracked 2 sequences, reused 0 from the cache" in capsys.readouterr().out
    (key,) = cache.glob("*/key.json")
    assert '"offset": 2.5' in key.read_text() and '"interval": 10' in key.read_text()
    tracks, _ = read_entry(key.parent / "fake-1.npz")
    between = np.setdiff1d(np.arange(25), [0, 10, 20, 24])
    expected = np.stack([gt_box(i) for i in between]) + np.array([2.5, 2.5, 0.0, 0.0])
    np.testing.assert_allclose(tracks.forward.boxes[between], expected)
    np.testing.assert_allclose(tracks.backward.boxes[between], expected)
    assert tracks.steps == 2 * (9 + 9 + 3)

    assert main(args) == 0
    assert "tracked 0 sequences, reused 2 from the cache" in capsys.readouterr().out


def test_names_select_sequences(lasot_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["track", "--root", str(lasot_root), "--names", "fake-2", "--tracker", "fake"]
    assert main([*args, "--cache", str(tmp_path / "c"), "--no-progress"]) == 0
    assert "tracked 1 sequences" in capsys.readouterr().out
    assert [p.name for p in (tmp_path / "c").glob("*/*.npz")] == ["fake-2.npz"]


@pytest.mark.parametrize(
    ("tracker", "option", "message"),
    [
        ("fake", "bogus=1", "does not take these options"),
        ("broken", "offset=1", "not available"),
    ],
)
def test_a_tracker_that_cannot_be_built_is_a_clear_error(
    lasot_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    tracker: str,
    option: str,
    message: str,
) -> None:
    args = ["track", "--root", str(lasot_root), "--tracker", tracker, "--tracker-option", option]
    assert main([*args, "--cache", str(tmp_path / "c")]) == 2
    assert message in capsys.readouterr().err


def test_tracker_options_are_yaml_values() -> None:
    assert parse_tracker_options(["sigma=0.5", "features=[1, 2]", "mode=fast", "on=true"]) == {
        "sigma": 0.5,
        "features": [1, 2],
        "mode": "fast",
        "on": True,
    }
    assert main(["track", "--tracker-option", "no-equals-sign"]) == 2


def test_the_device_goes_only_to_trackers_that_take_one() -> None:
    assert resolve_device("auto", 0) == "cpu"  # no CUDA on the test machines
    assert resolve_device("cuda:3", 0) == "cuda:3"
    assert tracker_factory("devfake", {}, "cpu")().device == "cpu"
    assert tracker_factory("devfake", {"device": "meta"}, "cpu")().device == "meta"
    assert "device" not in tracker_factory("fake", {}, "cpu").keywords


def test_process_counts_are_checked(
    lasot_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["track", "--root", str(lasot_root), "--tracker", "fake", "--cache", str(tmp_path / "c")]
    assert main([*args, "--procs", "0"]) == 2
    assert "--procs must be at least 1" in capsys.readouterr().err
    monkeypatch.setenv("WORLD_SIZE", "2")  # as under torchrun
    assert main([*args, "--procs", "2"]) == 2
    assert "cannot be combined with torchrun" in capsys.readouterr().err
