"""The W&B sweeps (experiments/sweeps/*.yaml) ask vasr-train only for what it accepts and optimise a metric
that the trained module logs.

Each sweep's ``command`` is expanded the way the W&B agent expands it (``${args}`` -> one
``--<parameter>=<value>`` per parameter, formatted with ``str``) and parsed by the real ``vasr-train`` parser
(`vasr.cli.train.cli`) with instantiation and the subcommand switched off: no model, data module or trainer
is built, nothing is tracked or trained. Every value a sweep can sample is parsed: each entry of ``values``,
``min`` and ``max`` of a distribution, or ``value``."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
import yaml
from jsonargparse import Namespace

import vasr.cli.train as train_cli

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = sorted((ROOT / "experiments" / "sweeps").glob("*.yaml"))
PRESETS = sorted((ROOT / "experiments" / "trainer").glob("*.yaml"))
DISTRIBUTIONS = {
    "constant", "categorical", "int_uniform", "uniform", "q_uniform", "log_uniform", "log_uniform_values",
    "q_log_uniform", "q_log_uniform_values", "inv_log_uniform", "inv_log_uniform_values", "normal",
    "q_normal", "log_normal", "q_log_normal", "beta", "q_beta",
}  # fmt: skip
SPEC_KEYS = {"values", "value", "distribution", "min", "max", "mu", "sigma", "q", "a", "b", "probabilities"}
# Settings that the data module and the model must agree on (RefineDataModule's crops, VGRefineNet's input).
SHARED_SETTINGS = train_cli.LINKED_DATA_TO_MODEL


def load(path: Path) -> dict[str, Any]:
    with open(path) as f:
        return yaml.safe_load(f)


def candidates(spec: dict[str, Any]) -> list[Any]:
    """The values of a parameter the CLI must accept: its values, its range's ends, or its one value."""
    if "values" in spec:
        return list(spec["values"])
    if "min" in spec and "max" in spec:
        return [spec["min"], spec["max"]]
    if "value" in spec:
        return [spec["value"]]
    raise AssertionError(f"parameter spec without values, min/max or value: {spec}")


def agent_argv(sweep: dict[str, Any], run: dict[str, Any]) -> list[str]:
    """The arguments after ``vasr-train`` in the command the W&B agent runs for the sampled ``run``."""
    command: list[str] = []
    for chunk in map(str, sweep["command"]):
        if chunk == "${env}":  # /usr/bin/env: the program is looked up on PATH
            continue
        if chunk == "${args}":
            command += [f"--{name}={value}" for name, value in run.items()]
            continue
        assert not chunk.startswith("${"), f"macro {chunk} is not expanded by this test"
        command.append(chunk)
    assert command[0] == "vasr-train", command
    return command[1:]


def trials(sweep: dict[str, Any]) -> list[dict[str, Any]]:
    """Few runs that together sample every candidate value of every parameter."""
    options = {name: candidates(spec) for name, spec in sweep["parameters"].items()}
    count = max(len(values) for values in options.values())
    return [{name: values[i % len(values)] for name, values in options.items()} for i in range(count)]


def expected_settings(name: str, value: Any) -> dict[str, Any]:
    """Dotted keys of the parsed config that a parameter sets, with their values."""
    if name != "config":
        return {name: value}
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), child)
        else:
            flat[prefix] = node

    walk("", yaml.safe_load(value))  # an inline config, as jsonargparse reads it
    return flat


class ParseOnly(train_cli.VasrCLI):
    """LightningCLI that stops after parsing: no seeding, instantiation or subcommand."""

    def _set_seed(self) -> None:
        pass

    def instantiate_classes(self) -> None:
        pass

    def _run_subcommand(self, subcommand: str) -> None:
        pass


@pytest.fixture
def parse(monkeypatch: pytest.MonkeyPatch):
    """``parse(argv)`` -> the parsed config of the subcommand, as ``vasr-train argv`` parses it."""
    monkeypatch.setattr(train_cli, "VasrCLI", ParseOnly)
    monkeypatch.setattr(sys, "argv", ["vasr-train"])
    monkeypatch.setenv("WANDB_MODE", "offline")  # cli() sets it when not logged in: keep os.environ as it is
    monkeypatch.chdir(ROOT)  # the sweeps name their configs relative to the repository root

    def run(argv: list[str]) -> Namespace:
        config = train_cli.cli(argv).config
        return config[config.subcommand]

    return run


def test_the_sweeps_exist() -> None:
    assert {p.stem for p in SWEEPS} >= {"tassess", "vgrefine"}


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_sweep_is_a_wandb_sweep(path: Path) -> None:
    sweep = load(path)
    assert sweep["method"] in {"bayes", "random", "grid"}
    assert sweep["metric"]["goal"] in {"maximize", "minimize"}
    assert "${args}" in sweep["command"]
    assert (ROOT / sweep["program"]).is_file()
    for name, spec in sweep["parameters"].items():
        assert set(spec) <= SPEC_KEYS, name
        assert spec.get("distribution", "categorical") in DISTRIBUTIONS, name
        values = candidates(spec)
        assert values, name
        if "min" in spec:
            assert spec["min"] < spec["max"], name
            if spec.get("distribution", "").endswith("_values"):
                assert spec["min"] > 0, name


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_cli_accepts_every_value_the_sweep_samples(path: Path, parse) -> None:
    sweep = load(path)
    runs = trials(sweep)
    runs.append(dict(reversed(runs[0].items())))  # the agent's parameter order is not ours to choose
    for run in runs:
        config = parse(agent_argv(sweep, run))
        for name, value in run.items():
            for key, expected in expected_settings(name, value).items():
                got = config[key]
                if isinstance(expected, float):
                    assert math.isclose(got, expected, rel_tol=1e-9), (key, got, expected)
                else:
                    assert got == expected, (key, got, expected)
        model, data = config["model.init_args.net.init_args"], config["data.init_args"]
        for key in SHARED_SETTINGS:
            if key in model and key in data:
                assert model[key] == data[key], (key, run)


def misspelled(name: str) -> str:
    head, _, last = name.rpartition(".")
    return f"{head}.{last}x" if head else f"{last}x"


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_cli_rejects_a_misspelled_parameter(path: Path, parse, capsys: pytest.CaptureFixture) -> None:
    sweep = load(path)
    run = trials(sweep)[0]
    for name in [n for n in run if n != "config"]:
        wrong = {misspelled(n) if n == name else n: v for n, v in run.items()}
        with pytest.raises(SystemExit) as exit_info:
            parse(agent_argv(sweep, wrong))
        assert exit_info.value.code != 0, name
        assert misspelled(name).rpartition(".")[2] in capsys.readouterr().err, name


@pytest.mark.parametrize("key", SHARED_SETTINGS)
def test_the_refiner_reads_the_crops_its_data_cuts(key: str, parse) -> None:
    value = {"crop_size": 96, "context": 2.5, "template_context": 1.5}[key]
    config = parse(["fit", "--config", "experiments/vgrefine.yaml", f"--data.init_args.{key}={value}"])
    assert config[f"data.init_args.{key}"] == value
    assert config[f"model.init_args.net.init_args.{key}"] == value  # one setting, linked, never two


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_trainer_presets_parse(preset: Path, parse) -> None:
    config = parse(["fit", "--config", "experiments/tassess.yaml", "--config", str(preset.relative_to(ROOT))])
    for key, value in load(preset)["trainer"].items():
        if not isinstance(value, dict):
            assert config[f"trainer.{key}"] == value, key


# What each module logs in validation, recorded from its real validation_step on a tiny batch.
def _record(module: torch.nn.Module, batch: dict[str, torch.Tensor]) -> set[str]:
    names: set[str] = set()
    module.log = lambda name, *args, **kwargs: names.add(name)
    module.log_dict = lambda metrics, *args, **kwargs: names.update(metrics)
    module.validation_step(batch, 0)
    return names


def _tassess_logged() -> set[str]:
    from lightning_modules.tassess import TAssessModule
    from vasr.selection.model import TAssessNet

    generator = torch.Generator().manual_seed(0)
    batch: dict[str, torch.Tensor] = {}
    for direction in ("forward", "backward"):
        batch[f"{direction}_maps"] = torch.rand(2, 6, 19, 19, generator=generator)
        batch[f"{direction}_boxes"] = torch.rand(2, 6, 4, generator=generator)
        batch[f"{direction}_conf"] = torch.rand(2, 6, generator=generator)
        batch[f"{direction}_mask"] = torch.ones(2, 6, dtype=torch.bool)
        batch[f"{direction}_target"] = torch.rand(2, 6, generator=generator) * 2 - 1
        batch[f"{direction}_iou"] = torch.rand(2, 6, generator=generator)
    return _record(TAssessModule(TAssessNet(channels=2, width=2, hidden=4, layers=1)), batch)


class _StubRefineNet(torch.nn.Module):
    """Stands in for VGRefineNet: no output mask, refined boxes = ground truth."""

    def forward(self, batch: dict[str, torch.Tensor]) -> SimpleNamespace:
        return SimpleNamespace(mask=None, weight=None, initial=None)

    def refine(self, batch: dict[str, torch.Tensor], output: Any) -> tuple[torch.Tensor, torch.Tensor]:
        from vasr.refinement.model import at_frames

        boxes = at_frames(batch["gt"], batch["frames"])
        return boxes, torch.ones(boxes.shape[:-1], dtype=torch.bool)


def _vgrefine_logged() -> set[str]:
    from lightning_modules.vgrefine import VGRefineModule
    from vasr.refinement.model import VGRefineNet

    module = VGRefineModule(VGRefineNet(pretrained=False))
    module.net = _StubRefineNet()
    module.loss = lambda batch, output: torch.zeros(())
    boxes = torch.tensor([10.0, 10.0, 20.0, 20.0]).expand(2, 6, 4).clone()
    batch = {
        "frames": torch.tensor([[1, 4], [2, 5]]),
        "target": torch.ones(2, 6, dtype=torch.bool),
        "gt": boxes,
        "tracked": boxes + 2.0,
    }
    return _record(module, batch)


LOGGED = {
    "lightning_modules.tassess.TAssessModule": _tassess_logged,
    "lightning_modules.vgrefine.VGRefineModule": _vgrefine_logged,
}


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_sweep_metric_is_logged_by_the_module(path: Path, parse) -> None:
    sweep = load(path)
    model = parse(agent_argv(sweep, {}))["model.class_path"]
    assert model in LOGGED, f"no recorder for {model}: add one to LOGGED"
    logged = LOGGED[model]()
    assert "val/loss" in logged  # the recorder saw the real logging calls
    assert sweep["metric"]["name"] in logged, (sweep["metric"]["name"], sorted(logged))


@pytest.mark.parametrize("target", ["train-tassess", "train-vgrefine"])
def test_make_train_with_own_data_adds_it_to_training_and_validates_outside_it(target: str, parse) -> None:
    """``make train OWN_DATA=DIR``: the default data's fold 0 plus all of DIR train; fold 1 validates."""
    import shlex
    import subprocess

    dry = subprocess.run(
        ["make", "-n", target, "OWN_DATA=/data/my clips", "OWN_DATASET=got10k"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    (line,) = [line for line in dry.splitlines() if "vasr-train fit" in line]
    argv = shlex.split(line)
    config = parse(argv[argv.index("fit") :])
    train = [dict(vars(source)) for source in config["data.init_args.train"]]
    assert [(s["dataset"], s["root"], s["fold"]) for s in train] == [
        ("lasot", None, 0),
        ("got10k", "/data/my clips", None),
    ]
    assert [(s.root, s.fold) for s in config["data.init_args.val"]] == [(None, 1)]
