"""VGRefineModule: trains VG-Refine Net (vasr.refinement.model) with Lightning; the model knows nothing of it.

Loss: the box-level supervision of eq. 4-6 (``vasr.refinement.losses``, rectified accumulation min(1, sum))
on the mask the variant reads its boxes from (S = S~ * W for "vg", S~ for "v" and "vi"), over the cropped
frames with a target. ``visual_weight`` optionally adds the same loss on S~ for "vg" (0: the paper's loss).
Validation compares the refined boxes with the unrefined tracker boxes on the same frames (mIoU, Acc@0.5,
Acc@0.7, with vasr.metrics' torchmetrics, which sync across DDP processes; no rank-specific code). These
are the offline net's boxes: keyframe adaptation (``adapt_*``, stored with the checkpoint) happens per
sequence at annotation time (``vasr.pipeline``), not in validation."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor
from torchmetrics import MeanMetric

from vasr.geometry.boxes import box_iou
from vasr.metrics import AccuracyAtIoU, MeanIoU
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.refinement.losses import box_level_loss
from vasr.refinement.model import VGRefineNet, at_frames

# The frozen backbone stays in eval mode on purpose (vasr.refinement.visual.LiteBackbone: ImageNet batch-norm
# statistics); Lightning 2.x warns about every module in eval mode when fit starts.
warnings.filterwarnings("ignore", message=r"Found \d+ module\(s\) in eval mode at the start of training")


class VGRefineModule(pl.LightningModule):
    """VG-Refine Net under Lightning: the net is injected (a config's ``net``, with its own ``class_path``
    and ``init_args``; its crop settings are linked from the data's, see ``vasr/cli/train.py``).

    Args:
        net: the VG-Refine Net to train (default: ``VGRefineNet()``); its variant "v" or "vg" ("none" has
            nothing to train).
        adaptation: how the net adapts to each sequence's keyframes when it annotates
            (``vasr.refinement.adaptation``). Not used in training: recorded in the checkpoint, where
            ``vasr.checkpoints.load_refiner`` reads it.
        lr: Adam learning rate; weight_decay: Adam weight decay.
        visual_weight: weight of an auxiliary loss on S~ (only meaningful for "vg").
    """

    def __init__(
        self,
        net: VGRefineNet | None = None,
        adaptation: KeyframeAdaptation | None = None,
        lr: float = 1e-3,
        weight_decay: float = 1e-5,
        visual_weight: float = 0.0,
    ) -> None:
        super().__init__()
        self.net = VGRefineNet() if net is None else net
        if self.net.variant == "none":
            raise ValueError("variant 'none' (w/o-Refine) has nothing to train")
        self.save_hyperparameters(ignore=["net", "adaptation"])
        # a checkpoint builds the plain net and its adaptation from these (vasr.checkpoints)
        self.hparams["net"] = dict(self.net.config)
        self.hparams["adaptation"] = dataclasses.asdict(adaptation or KeyframeAdaptation())
        self.val_loss = MeanMetric()
        self.val_found = MeanMetric()
        self.val_metrics = torch.nn.ModuleDict(
            {
                f"{kind}_{name}": metric
                for kind in ("refined", "tracked")
                for name, metric in (
                    ("miou", MeanIoU()),
                    ("acc50", AccuracyAtIoU(0.5)),
                    ("acc70", AccuracyAtIoU(0.7)),
                )
            }
        )

    def forward(self, batch: dict[str, Tensor]):  # noqa: ANN201 - RefineOutput
        return self.net(batch)

    def loss(self, batch: dict[str, Tensor], output: Any) -> Tensor:
        frames = batch["frames"]
        gt_crop, weight = at_frames(batch["gt_crop"], frames), at_frames(batch["target"], frames)
        loss = box_level_loss(output.mask, gt_crop, weight)
        if self.hparams.visual_weight > 0 and output.weight is not None:
            loss = loss + self.hparams.visual_weight * box_level_loss(output.initial, gt_crop, weight)
        return loss

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        loss = self.loss(batch, self(batch))
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch["frames"]))
        return loss

    def validation_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        output = self(batch)
        frames = batch["frames"]
        counted = at_frames(batch["target"], frames)
        self.val_loss.update(self.loss(batch, output), weight=counted.sum().clamp(min=1))
        refined, found = self.net.refine(batch, output)
        gt = at_frames(batch["gt"], frames)
        iou = {"refined": box_iou(refined, gt), "tracked": box_iou(at_frames(batch["tracked"], frames), gt)}
        if counted.any():
            self.val_found.update(found[counted].float())
        for key, metric in self.val_metrics.items():
            metric.update(iou[key.split("_")[0]], counted)
        self.log("val/loss", self.val_loss, prog_bar=True)
        self.log("val/found", self.val_found)
        for key, metric in self.val_metrics.items():
            kind, name = key.split("_")
            self.log(
                f"val/{name}" if kind == "refined" else f"val/{name}_tracked", metric, prog_bar=name == "miou"
            )

    def configure_optimizers(self) -> Any:
        params = [p for p in self.parameters() if p.requires_grad]
        return torch.optim.Adam(params, lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)
