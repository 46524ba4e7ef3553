"""VGRefineModule: trains VG-Refine Net (vasr.refinement.model) with Lightning; the model knows nothing of it.

Loss: the box-level supervision of eq. 4-6 (``vasr.refinement.losses``, rectified accumulation min(1, sum))
on the mask the variant reads its boxes from (S = S~ * W for "vg", S~ for "v" and "vi"), over the cropped
frames with a target. ``visual_weight`` optionally adds the same loss on S~ for "vg" (0: the paper's loss).
Validation compares the refined boxes with the unrefined tracker boxes on the same frames (mIoU, Acc@0.5,
Acc@0.7, with vasr.metrics' torchmetrics, which sync across DDP processes; no rank-specific code). These
are the offline net's boxes: keyframe adaptation (``adapt_*``, stored with the checkpoint) happens per
sequence at annotation time (``vasr.pipeline``), not in validation."""

from __future__ import annotations

import warnings
from typing import Any, Literal

import pytorch_lightning as pl
import torch
from torch import Tensor
from torchmetrics import MeanMetric

from vasr.geometry.boxes import box_iou
from vasr.layers import Temporal
from vasr.metrics import AccuracyAtIoU, MeanIoU
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.refinement.losses import box_level_loss
from vasr.refinement.model import Variant, VGRefineNet, at_frames

# The frozen backbone stays in eval mode on purpose (vasr.refinement.visual.LiteBackbone: ImageNet batch-norm
# statistics); Lightning 2.x warns about every module in eval mode when fit starts.
warnings.filterwarnings("ignore", message=r"Found \d+ module\(s\) in eval mode at the start of training")


class VGRefineModule(pl.LightningModule):
    """VG-Refine Net under Lightning (the arguments are ``VGRefineNet``'s, plus the optimiser's).

    Args:
        variant: "v", "vi" or "vg" ("none" has nothing to train).
        lr: Adam learning rate; weight_decay: Adam weight decay.
        visual_weight: weight of an auxiliary loss on S~ (only meaningful for "vg").
        adapt_steps, adapt_lr, adapt_batch_size: how the net adapts to each sequence's keyframes when it
            annotates (``vasr.refinement.adaptation``). Not used in training: they are recorded in the
            checkpoint, where ``vasr.checkpoints.load_refiner`` reads them.
    """

    def __init__(
        self,
        variant: Variant = "vg",
        crop_size: int = 64,
        context: float = 2.0,
        template_context: float = 1.0,
        decoder_width: int = 32,
        pretrained: bool = True,
        train_blocks: int = 0,
        mask_head: Literal["separable", "dense"] = "separable",
        mask_prior: float = 3.0,
        g_channels: int = 8,
        g_width: int = 16,
        g_hidden: int = 64,
        g_layers: int = 2,
        temporal: Temporal = "lstm",
        extras: bool = True,
        vi_alpha: float = 1.0,
        vi_sigma_scale: float = 1.0,
        tau: float = 0.5,
        adapt_steps: int = KeyframeAdaptation.steps,
        adapt_lr: float = KeyframeAdaptation.lr,
        adapt_batch_size: int = KeyframeAdaptation.batch_size,
        lr: float = 1e-3,
        weight_decay: float = 1e-5,
        visual_weight: float = 0.0,
    ) -> None:
        super().__init__()
        if variant == "none":
            raise ValueError("variant 'none' (w/o-Refine) has nothing to train")
        self.save_hyperparameters()
        self.net = VGRefineNet(
            variant, crop_size, context, template_context, decoder_width, pretrained, train_blocks,
            mask_head, mask_prior,
            g_channels, g_width, g_hidden, g_layers, temporal, extras, vi_alpha, vi_sigma_scale, tau,
        )  # fmt: skip
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
