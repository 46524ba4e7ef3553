"""TAssessModule: trains T-Assess Net (vasr.selection.model) with Lightning; the model itself knows nothing
of Lightning.

Loss: eq. 3, the squared error between the predicted score and f(IoU), over the frames that have a target.
The paper sums it; we average it over those frames so the learning rate does not depend on the batch size
(same minimiser). Validation also measures what the scores are for: how often the chosen direction is the
better one, how well failure flags (both scores < threshold) match frames where both IoUs are < 0.5, and
the mIoU of the selected boxes. All metrics are torchmetrics, so they sync across DDP processes."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor
from torchmetrics import MeanMetric
from torchmetrics.classification import BinaryAccuracy, BinaryPrecision, BinaryRecall

from vasr.selection.model import TAssessNet


def masked_mse(prediction: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Mean squared error over ``mask``; 0 (with a gradient path) when the mask is empty."""
    weight = mask.to(prediction.dtype)
    return ((prediction - target) ** 2 * weight).sum() / weight.sum().clamp(min=1.0)


class TAssessModule(pl.LightningModule):
    """T-Assess Net under Lightning: the net is injected (a config's ``net``, with its own ``class_path``
    and ``init_args``), the module adds the loss, the optimiser and the metrics.

    Args:
        net: the T-Assess Net to train (default: ``TAssessNet()``).
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        threshold: failure threshold on the scores (0: f(IoU) = 0 at IoU = 0.5).
    """

    def __init__(
        self,
        net: TAssessNet | None = None,
        lr: float = 1e-3,
        weight_decay: float = 1e-5,
        threshold: float = 0.0,
    ) -> None:
        super().__init__()
        self.net = TAssessNet() if net is None else net
        self.save_hyperparameters(ignore=["net"])
        self.hparams["net"] = dict(self.net.config)  # a checkpoint builds the plain net from it
        self.val_loss = MeanMetric()
        self.val_direction_accuracy = BinaryAccuracy()
        self.val_failure_precision = BinaryPrecision()
        self.val_failure_recall = BinaryRecall()
        self.val_selected_iou = MeanMetric()

    def forward(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        """Scores ``(B, L)`` of the forward and the backward results of a batch of windows."""
        return self.net(
            (batch["forward_maps"], batch["forward_boxes"], batch["forward_conf"]),
            (batch["backward_maps"], batch["backward_boxes"], batch["backward_conf"]),
        )

    def _loss(self, batch: dict[str, Tensor], scores: tuple[Tensor, Tensor]) -> Tensor:
        mask = torch.cat([batch["forward_mask"], batch["backward_mask"]], dim=1)
        prediction = torch.cat(scores, dim=1)
        target = torch.cat([batch["forward_target"], batch["backward_target"]], dim=1)
        return masked_mse(prediction, target, mask)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        loss = self._loss(batch, self(batch))
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch["forward_mask"]))
        return loss

    def validation_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        scores = self(batch)
        weight = (batch["forward_mask"] | batch["backward_mask"]).sum()
        self.val_loss.update(self._loss(batch, scores), weight=weight.clamp(min=1))
        f_score, b_score = scores
        f_iou, b_iou = batch["forward_iou"], batch["backward_iou"]
        both = batch["forward_mask"] & batch["backward_mask"]
        if both.any():
            chose_backward = (b_score > f_score)[both]
            self.val_selected_iou.update(torch.where(chose_backward, b_iou[both], f_iou[both]))
            differ = both & ((f_iou - b_iou).abs() > 0.05)
            if differ.any():
                self.val_direction_accuracy.update((b_score > f_score)[differ], (b_iou > f_iou)[differ])
            flagged = torch.maximum(f_score, b_score)[both] < self.hparams.threshold
            truly_failed = (torch.maximum(f_iou, b_iou)[both] < 0.5).long()
            self.val_failure_precision.update(flagged, truly_failed)
            self.val_failure_recall.update(flagged, truly_failed)
        self.log_dict(
            {
                "val/loss": self.val_loss,
                "val/direction_accuracy": self.val_direction_accuracy,
                "val/failure_precision": self.val_failure_precision,
                "val/failure_recall": self.val_failure_recall,
                "val/selected_miou": self.val_selected_iou,
            },
            prog_bar=True,
        )

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)
