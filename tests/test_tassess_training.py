"""T-Assess under Lightning: a tiny model learns (the loss falls), the LightningCLI config trains it, and a
2-process DDP run on the CPU (gloo) works unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
import yaml
from training_helpers import clean_env, loss_before_and_after, validation_metrics

from datamodules.snippet_windows import SnippetDataModule
from lightning_modules.tassess import TAssessModule
from vasr.data.sources import DataSource
from vasr.errors import VasrError
from vasr.selection.model import TAssessNet

REPO = Path(__file__).resolve().parents[1]


def _data(root: Path, cache: Path, **options: object) -> SnippetDataModule:
    return SnippetDataModule(
        train=[DataSource("lasot", str(root), fold=0)],
        val=[DataSource("lasot", str(root), fold=1)],
        tracker="kcf",  # fast, and exercises the no-map / no-confidence path
        cache_dir=str(cache),
        batch_size=8,
        val_stride=5,
        **options,  # type: ignore[arg-type]
    )


def test_the_loss_falls_when_a_tiny_model_trains(tiny_root: Path, tmp_path: Path) -> None:
    pl.seed_everything(0)
    data = _data(tiny_root, tmp_path / "cache")
    data.prepare_data()
    data.setup("fit")
    model = TAssessModule(TAssessNet(width=4, hidden=16), lr=3e-3)
    before, after = loss_before_and_after(model, data, model._loss, max_steps=40)
    assert after < 0.7 * before
    metrics = validation_metrics(model, data)
    assert {"val/loss", "val/selected_miou", "val/direction_accuracy"} <= set(metrics)


def test_training_and_validation_data_never_share_a_sequence(tiny_root: Path, tmp_path: Path) -> None:
    data = SnippetDataModule(
        train=[DataSource("lasot", str(tiny_root))],
        val=[DataSource("lasot", str(tiny_root), fold=1)],
        tracker="kcf",
        cache_dir=str(tmp_path / "cache"),
    )
    with pytest.raises(ValueError, match="both training and validation"):
        data.setup("fit")


def test_training_windows_come_from_the_tracks_of_every_train_interval(
    tiny_root: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    one = _data(tiny_root, cache, interval=10)
    one.setup("fit")
    both = _data(tiny_root, cache, interval=10, train_intervals=[10, 25])
    both.prepare_data()
    both.setup("fit")
    sparse = _data(tiny_root, cache, interval=25)
    sparse.setup("fit")
    assert len(both.train_set) == len(one.train_set) + len(sparse.train_set)
    assert len(both.val_set) == len(one.val_set)  # validation stays at ``interval``
    last, sparse_last = both.train_set.sequences[-1], sparse.train_set.sequences[-1]
    # the second set really is the sparse tracking: its keyframes (left out of the loss) are 25 apart
    assert torch.equal(last.forward.mask, sparse_last.forward.mask)
    assert not torch.equal(last.forward.mask, one.train_set.sequences[-1].forward.mask)


def test_a_train_interval_below_one_is_refused(tiny_root: Path, tmp_path: Path) -> None:
    with pytest.raises(VasrError, match="train_intervals"):
        _data(tiny_root, tmp_path / "cache", train_intervals=[30, 0])


def _cli_config(root: Path, cache: Path, out: Path) -> Path:
    config = yaml.safe_load((REPO / "experiments" / "tassess.yaml").read_text())
    config["model"]["init_args"]["net"]["init_args"].update(width=4, hidden=16)
    config["data"]["init_args"].update(
        train=[{"dataset": "lasot", "root": str(root), "fold": 0}],
        val=[{"dataset": "lasot", "root": str(root), "fold": 1}],
        tracker="kcf",
        cache_dir=str(cache),
        batch_size=8,
    )
    config["trainer"].update(max_epochs=1, default_root_dir=str(out), enable_progress_bar=False)
    path = out / "config.yaml"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_experiment_config_trains_through_lightning_cli_and_logs_to_wandb_offline(
    tiny_root: Path, tmp_path: Path
) -> None:
    config = _cli_config(tiny_root, tmp_path / "cache", tmp_path / "run")
    command = [sys.executable, "-m", "vasr.cli.train", "fit", "--config", str(config)]
    for preset in ("cpu", "wandb"):
        command += ["--config", str(REPO / "experiments" / "trainer" / f"{preset}.yaml")]
    command += ["--trainer.logger.init_args.save_dir", str(tmp_path / "wandb_runs")]
    done = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list(tmp_path.rglob("last.ckpt"))  # under the W&B logger's run folder
    assert list((tmp_path / "wandb_runs" / "wandb").glob("offline-run-*"))  # nothing left the machine


@pytest.mark.slow
def test_ddp_fit_on_two_cpu_processes(tiny_root: Path, tmp_path: Path) -> None:
    config = _cli_config(tiny_root, tmp_path / "cache", tmp_path / "run")
    command = [sys.executable, "-m", "vasr.cli.train", "fit", "--config", str(config)]
    command += ["--config", str(REPO / "experiments" / "trainer" / "ddp_cpu.yaml")]
    done = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "MEMBER: 2/2" in done.stdout + done.stderr  # both gloo processes joined
    assert list((tmp_path / "run").rglob("last.ckpt"))
