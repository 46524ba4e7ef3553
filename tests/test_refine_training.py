"""VG-Refine under Lightning: the windows carry consistent crops and geometry, a tiny model learns (the
box-level loss falls), validation reports refined against tracked boxes, and the LightningCLI config
trains."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
import yaml
from training_helpers import clean_env, loss_before_and_after, validation_metrics

from datamodules.refine_windows import RefineDataModule
from lightning_modules.vgrefine import VGRefineModule
from vasr.data.sources import DataSource
from vasr.geometry.boxes import box_iou
from vasr.refinement.crops import context_regions, image_to_crop
from vasr.refinement.dataset import RefineWindows
from vasr.refinement.model import VGRefineNet, at_frames

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(tiny_root: Path, tmp_path_factory: pytest.TempPathFactory) -> RefineDataModule:
    module = RefineDataModule(
        train=[DataSource("lasot", str(tiny_root), fold=0)],
        val=[DataSource("lasot", str(tiny_root), fold=1)],
        tracker="kcf",  # fast, and exercises the no-map / no-confidence path
        cache_dir=str(tmp_path_factory.mktemp("cache")),
        train_stride=2,
        batch_size=8,
        crop_size=32,
    )
    module.prepare_data()
    module.setup("fit")
    return module


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_windows_carry_crops_consistent_with_their_boxes(data: RefineDataModule) -> None:
    train, val = data.refine_train, data.refine_val
    assert len(train) > 0 and len(val) > 0
    item = val[0]
    assert item["search"].shape == (5, 3, 32, 32) and item["template"].shape == (5, 3, 16, 16)
    assert item["maps"].shape == (20, 19, 19) and item["extras"].shape[0] == 20
    frames = item["frames"]
    assert bool(item["target"][frames].all())  # crops only of frames with a target
    regions = context_regions(item["tracked"].double(), 2.0)
    ok = torch.isfinite(item["tracked"]).all(-1)
    torch.testing.assert_close(item["regions"][ok].double(), regions[ok], atol=1e-4, rtol=0)
    torch.testing.assert_close(
        item["gt_crop"][frames].double(),
        image_to_crop(item["gt"][frames].double(), item["regions"][frames].double(), (32, 32)),
        atol=1e-3,
        rtol=0,
    )
    again = val[0]
    assert all(torch.equal(item[k], again[k]) for k in item if k != "backward" and k != "tracked")
    torch.testing.assert_close(
        item["tracked"], again["tracked"], equal_nan=True
    )  # validation is deterministic


def test_keyframes_and_invisible_frames_are_never_targets(data: RefineDataModule) -> None:
    for material in data.refine_train.sequences:
        for name in ("forward", "backward"):
            target = data.refine_train._targets(material, name)
            assert not target[material.is_key].any()
            assert not target[~np.isfinite(material.gt).all(1)].any()


def test_training_jitter_is_off_by_default_and_the_crop_follows_the_jittered_box(
    data: RefineDataModule,
) -> None:
    torch.manual_seed(0)
    item = data.refine_train[0]
    torch.testing.assert_close(item["input_boxes"], item["tracked"], equal_nan=True)
    windows = RefineWindows(data.refine_train.sequences, crop_size=32, jitter_prob=1.0)
    item = windows[0]
    moved = ~torch.isclose(item["input_boxes"], item["tracked"]).all(-1) & torch.isfinite(
        item["tracked"]
    ).all(-1)
    assert bool(moved.any())
    torch.testing.assert_close(
        item["regions"][moved].double(),
        context_regions(item["input_boxes"][moved].double(), 2.0),
        atol=1e-4,
        rtol=0,
    )


def test_the_augmentation_is_built_before_any_worker_forks(data: RefineDataModule) -> None:
    """A worker forked from a parent with threads must not import albumentations itself (it can wait
    forever on a lock some thread of the parent held at the fork)."""
    sequences = data.refine_train.sequences
    assert RefineWindows(sequences, crop_size=32)._augmentation is not None
    assert RefineWindows(sequences, crop_size=32, augment=False)._augmentation is None
    assert RefineWindows(sequences, crop_size=32, train=False)._augmentation is None


def test_a_seeded_draw_of_a_training_window_is_augmented_the_same_every_time(data: RefineDataModule) -> None:
    windows = RefineWindows(data.refine_train.sequences, crop_size=32)
    draws = []
    for seed in (0, 0, 1):
        torch.manual_seed(seed)
        draws.append(windows[0]["search"])
    torch.testing.assert_close(draws[0], draws[1])  # the photometric changes too, not only the jitter
    assert not torch.equal(draws[0], draws[2])


@pytest.mark.parametrize("head", ["separable", "dense"])
def test_the_loss_falls_when_a_tiny_model_trains(data: RefineDataModule, head: str) -> None:
    pl.seed_everything(0)
    net = VGRefineNet(crop_size=32, decoder_width=16, g_hidden=16, mask_head=head)
    model = VGRefineModule(net, lr=3e-3)
    before, after = loss_before_and_after(model, data, model.loss, max_steps=100)
    assert after < 0.6 * before
    metrics = validation_metrics(model, data)
    expected = {"val/loss", "val/miou", "val/acc50", "val/acc70", "val/miou_tracked", "val/acc70_tracked"}
    assert expected <= set(metrics)
    # the tracked baseline is the IoU of the tracker's boxes on the very frames validation crops
    tracked, truth = [], []
    for batch in data.val_dataloader():
        target = at_frames(batch["target"], batch["frames"])
        tracked.append(at_frames(batch["tracked"], batch["frames"])[target])
        truth.append(at_frames(batch["gt"], batch["frames"])[target])
    iou = box_iou(torch.cat(tracked).double(), torch.cat(truth).double())
    assert metrics["val/miou_tracked"] == pytest.approx(float(iou.mean()), abs=1e-4)
    assert metrics["val/acc70_tracked"] == pytest.approx(float((iou > 0.7).double().mean()), abs=1e-4)
    assert 0 < metrics["val/miou"] < 1 and metrics["val/acc70"] <= metrics["val/acc50"]


def test_nothing_to_train_for_the_identity_variant() -> None:
    with pytest.raises(ValueError, match="nothing to train"):
        VGRefineModule(VGRefineNet(variant="none", pretrained=False))


def _tiny_cli_config(tiny_root: Path, tmp_path: Path) -> Path:
    """experiments/vgrefine.yaml shrunk to the tiny dataset and a few batches."""
    config = yaml.safe_load((REPO / "experiments" / "vgrefine.yaml").read_text())
    config["model"]["init_args"]["net"]["init_args"].update(
        decoder_width=8, g_hidden=8
    )  # its crops: the data's (linked)
    config["data"]["init_args"].update(
        train=[{"dataset": "lasot", "root": str(tiny_root), "fold": 0}],
        val=[{"dataset": "lasot", "root": str(tiny_root), "fold": 1}],
        tracker="kcf",
        cache_dir=str(tmp_path / "cache"),
        crop_size=32,
        num_workers=0,
        train_stride=10,
    )
    config["trainer"].update(
        max_epochs=1,
        limit_train_batches=3,
        limit_val_batches=2,
        num_sanity_val_steps=0,
        default_root_dir=str(tmp_path / "run"),
        enable_progress_bar=False,
    )
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("preset", ["cpu", pytest.param("ddp_cpu", marks=pytest.mark.slow)])
def test_the_experiment_config_trains_through_lightning_cli(
    tiny_root: Path, tmp_path: Path, preset: str
) -> None:
    """One process, and DDP with 2 gloo processes (the refinement ablation's training step under DDP)."""
    command = [
        sys.executable,
        "-m",
        "vasr.cli.train",
        "fit",
        "--config",
        str(_tiny_cli_config(tiny_root, tmp_path)),
    ]
    command += ["--config", str(REPO / "experiments" / "trainer" / f"{preset}.yaml")]
    done = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list((tmp_path / "run").rglob("last.ckpt"))
    if preset == "ddp_cpu":
        assert "MEMBER: 2/2" in done.stdout + done.stderr  # both gloo processes joined


def test_a_whole_sequence_is_refined_in_both_directions(data: RefineDataModule) -> None:
    from vasr.refinement.model import VGRefineNet
    from vasr.refinement.refine import refine_sequence

    material = data.refine_val.sequences[0]
    net = VGRefineNet("vg", crop_size=32, decoder_width=8, g_hidden=8, pretrained=False)
    refined = refine_sequence(net, material)
    for name in ("forward", "backward"):
        valid = material.direction(name).valid
        assert refined[name].shape == (len(material), 4)
        assert np.isfinite(refined[name][valid]).all() and np.isnan(refined[name][~valid]).all()
    net.variant = "none"
    same = refine_sequence(net, material)
    np.testing.assert_array_equal(same["forward"], material.forward.boxes)


def test_two_seeded_training_runs_with_a_worker_end_with_the_same_weights(
    tiny_root: Path, tmp_path: Path
) -> None:
    """What the ablations and `make train-vgrefine` rely on: the seed decides the run, augmentation too."""
    weights = []
    for _ in range(2):
        pl.seed_everything(0)
        loader = RefineDataModule(
            train=[DataSource("lasot", str(tiny_root), fold=0)],
            val=[DataSource("lasot", str(tiny_root), fold=1)],
            tracker="kcf",
            cache_dir=str(tmp_path / "cache"),
            train_stride=2,
            batch_size=8,
            crop_size=32,
            num_workers=1,  # as experiments/vgrefine.yaml
        )
        model = VGRefineModule(VGRefineNet(crop_size=32, decoder_width=16, g_hidden=16), lr=3e-3)
        trainer = pl.Trainer(
            max_steps=8, accelerator="cpu", logger=False, enable_checkpointing=False,
            enable_progress_bar=False, limit_val_batches=0,
        )  # fmt: skip
        trainer.fit(model, datamodule=loader)
        weights.append({k: v.clone() for k, v in model.net.state_dict().items()})
    for name, value in weights[0].items():
        torch.testing.assert_close(value, weights[1][name], rtol=0, atol=0, msg=name)
