"""Shared scaffolding of the "a tiny model learns" tests."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytorch_lightning as pl
import torch


def loss_before_and_after(
    model: pl.LightningModule,
    data: pl.LightningDataModule,
    loss: Callable[[dict, object], torch.Tensor],
    max_steps: int,
) -> tuple[float, float]:
    """The loss on one fixed training batch before and after ``max_steps`` of CPU training."""
    batch = next(iter(data.train_dataloader()))
    with torch.no_grad():
        before = float(loss(batch, model(batch)))
    trainer = pl.Trainer(
        max_steps=max_steps,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        limit_val_batches=0,
    )
    trainer.fit(model, datamodule=data)
    with torch.no_grad():
        after = float(loss(batch, model(batch)))
    return before, after


def validation_metrics(model: pl.LightningModule, data: pl.LightningDataModule) -> dict[str, float]:
    return pl.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False).validate(model, data)[0]


def clean_env() -> dict[str, str]:
    """The environment for a training subprocess: no leftover DDP variables of an earlier test (a second
    process group would fail with EADDRINUSE), and W&B offline."""
    env = dict(os.environ)
    for key in ("MASTER_PORT", "MASTER_ADDR", "WORLD_SIZE", "RANK", "LOCAL_RANK", "NODE_RANK", "GLOBAL_RANK"):
        env.pop(key, None)
    env["WANDB_MODE"] = "offline"
    return env
