"""The ``vasr`` command line: every subcommand explains itself, runs end to end, and fails clearly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from vasr.cli.main import COMMANDS, build_parser, main


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_a_help(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"] if command is None else [command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: vasr" in out and len(out) > 300


def test_synth_flags_come_from_the_config_dataclass() -> None:
    args = build_parser().parse_args(["synth", "--frames", "12", "--seed", "3"])
    assert args.frames == 12 and args.seed == 3


@pytest.mark.realdata
def test_linear_baseline_end_to_end_on_real_sequences(
    real_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "linear"
    assert main(["baseline", "--dataset", "otb", "--root", str(real_root), "--out", str(out)]) == 0
    assert len(list(out.glob("*.keyframes.txt"))) == 15
    table, details = tmp_path / "table.csv", tmp_path / "details.json"
    args = ["evaluate", "--dataset", "otb", "--root", str(real_root), "--pred", f"lin={out}"]
    assert main([*args, "--csv", str(table), "--json", str(details)]) == 0
    assert "lin" in capsys.readouterr().out
    (row,) = list(csv.DictReader(table.open()))
    # The peer figure, measured independently of this code (3,906 frames between keyframes every 30, first
    # and last frame included).
    assert row["method"] == "lin" and int(row["evaluated"]) == 3906
    assert float(row["miou"]) == pytest.approx(0.639, abs=5e-4)
    assert float(row["acc70"]) == pytest.approx(0.589, abs=5e-4)
    assert len(json.loads(details.read_text())["lin"]["sequences"]) == 15


@pytest.mark.realdata
def test_evaluating_a_missing_annotation_names_the_file(
    real_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluate", "--dataset", "otb", "--root", str(real_root), "--pred", str(tmp_path)])
    assert code == 2
    assert "annotation file is missing" in capsys.readouterr().err


def test_a_wrong_dataset_root_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["baseline", "--dataset", "lasot", "--root", str(tmp_path / "nowhere"), "--out", str(tmp_path)]
    )
    assert code == 2
    assert "nowhere" in capsys.readouterr().err
