"""The paper's annotation metrics as ``torchmetrics`` metrics, so they pool correctly across DDP processes.

Every state is a count or a sum reduced with ``"sum"``: the synced result is exactly the result over the
union of all processes' frames (per-frame pooling), whatever the split.

Two update signatures:

* accuracy metrics (``MeanIoU``, ``AccuracyAtIoU``, ``SuccessAUC``): ``update(iou, evaluate=None)`` with the
  per-frame IoU and the boolean mask of evaluated frames (GT visible, not a keyframe, not a failure);
* labour metrics (``FailureRate``, ``LabourSaved``): ``update(is_keyframe, is_failure)`` over *all* frames.

``AnnotationMetrics`` bundles the six under the keys used in reports; ``summarize`` is the one-call version.
A metric with nothing to pool (no evaluated frame, no frame) computes NaN rather than a misleading 0.
"""

from __future__ import annotations

from abc import abstractmethod

import torch
from torch import Tensor
from torchmetrics import Metric, MetricCollection

from vasr.metrics.functional import NUM_SUCCESS_THRESHOLDS, evaluated_iou, success_thresholds


class _EvaluatedIoUMetric(Metric):
    """Base of the accuracy metrics: counts the evaluated frames, subclasses accumulate their IoUs."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    evaluated: Tensor

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_state("evaluated", torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, iou: Tensor, evaluate: Tensor | None = None) -> None:
        """Add frames: ``iou`` per frame and ``evaluate`` (bool, same shape) marking the frames that count."""
        selected = evaluated_iou(iou, evaluate)
        self.evaluated += selected.numel()
        self._accumulate(selected)

    @abstractmethod
    def _accumulate(self, iou: Tensor) -> None:
        """Add the IoUs (1-D) of newly evaluated frames to the subclass's own state."""

    def _share(self, count: Tensor) -> Tensor:
        return count.double() / self.evaluated


class MeanIoU(_EvaluatedIoUMetric):
    """mIoU: mean IoU over all evaluated frames (pooled over frames, not averaged per sequence)."""

    iou_sum: Tensor

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # float64: a sum over millions of frames must not lose the third decimal.
        self.add_state("iou_sum", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")

    def _accumulate(self, iou: Tensor) -> None:
        self.iou_sum += iou.double().sum()

    def compute(self) -> Tensor:
        return self._share(self.iou_sum)


class AccuracyAtIoU(_EvaluatedIoUMetric):
    """Acc@t: share of evaluated frames whose IoU is strictly above ``threshold`` (IoU > t, not >=)."""

    hits: Tensor

    def __init__(self, threshold: float = 0.5, **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.threshold = threshold
        self.add_state("hits", torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def _accumulate(self, iou: Tensor) -> None:
        self.hits += (iou > self.threshold).sum()

    def compute(self) -> Tensor:
        return self._share(self.hits)


class SuccessAUC(_EvaluatedIoUMetric):
    """Area under the success plot: mean over t = 0, 0.05, ..., 1 of the share of frames with IoU > t.

    Strict like ``AccuracyAtIoU`` (OTB's convention), so the t = 1 point is always 0 and the AUC is at most
    20/21; it approximates the mIoU, which it equals in the limit of infinitely many thresholds.
    """

    hits: Tensor

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_state("hits", torch.zeros(NUM_SUCCESS_THRESHOLDS, dtype=torch.long), dist_reduce_fx="sum")

    def _accumulate(self, iou: Tensor) -> None:
        # Compared in the IoU's own dtype, like AccuracyAtIoU, so float32 0.7 is not above the threshold 0.7.
        thresholds = success_thresholds(device=iou.device).to(iou.dtype)
        self.hits += (iou[:, None] > thresholds).sum(dim=0)

    def compute(self) -> Tensor:
        return self._share(self.hits).mean()


class _LabourMetric(Metric):
    """Base of the labour metrics: counts all frames, keyframes and failure frames.

    A frame flagged both keyframe and failure counts once, as a keyframe: a human boxes it once.
    """

    is_differentiable = False
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    frames: Tensor
    keyframes: Tensor
    failures: Tensor

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for name in ("frames", "keyframes", "failures"):
            self.add_state(name, torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, is_keyframe: Tensor, is_failure: Tensor | None = None) -> None:
        """Add frames: boolean ``is_keyframe`` and ``is_failure`` (same shape; None means no failure)."""
        is_keyframe = torch.as_tensor(is_keyframe)
        is_failure = torch.zeros_like(is_keyframe) if is_failure is None else torch.as_tensor(is_failure)
        if is_keyframe.dtype != torch.bool or is_failure.dtype != torch.bool:
            raise TypeError("is_keyframe and is_failure must be boolean masks")
        if is_keyframe.shape != is_failure.shape:
            raise ValueError(
                f"is_keyframe has shape {tuple(is_keyframe.shape)}, is_failure {tuple(is_failure.shape)}"
            )
        self.frames += is_keyframe.numel()
        self.keyframes += is_keyframe.sum()
        self.failures += (is_failure & ~is_keyframe.to(is_failure.device)).sum()


class FailureRate(_LabourMetric):
    """Share of all frames that are failure frames (both directions judged unreliable, handed to a human)."""

    higher_is_better = False

    def compute(self) -> Tensor:
        return self.failures.double() / self.frames


class LabourSaved(_LabourMetric):
    """``1 - (keyframes + failure frames) / frames``: share of frames no human had to box (paper: 94.0%)."""

    higher_is_better = True

    def compute(self) -> Tensor:
        return 1 - (self.keyframes + self.failures).double() / self.frames


class AnnotationMetrics(MetricCollection):
    """The six report metrics under the keys ``miou, acc50, acc70, auc, failure_rate, labour_saved``.

    ``update`` takes all four per-frame inputs by name and routes them, so no metric silently misses its
    mask (``MetricCollection`` alone drops misspelt keyword arguments).
    """

    def __init__(self, prefix: str | None = None, postfix: str | None = None) -> None:
        super().__init__(
            {
                "miou": MeanIoU(),
                "acc50": AccuracyAtIoU(0.5),
                "acc70": AccuracyAtIoU(0.7),
                "auc": SuccessAUC(),
                "failure_rate": FailureRate(),
                "labour_saved": LabourSaved(),
            },
            prefix=prefix,
            postfix=postfix,
        )

    def update(self, iou: Tensor, evaluate: Tensor, is_keyframe: Tensor, is_failure: Tensor) -> None:
        super().update(iou=iou, evaluate=evaluate, is_keyframe=is_keyframe, is_failure=is_failure)


def summarize(iou: Tensor, evaluate: Tensor, is_keyframe: Tensor, is_failure: Tensor) -> dict[str, float]:
    """All report numbers for per-frame inputs pooled over any number of sequences (concatenate them).

    Returns floats under ``miou, acc50, acc70, auc`` (evaluated frames), ``frames`` and ``evaluated``
    (counts, as ints), ``failure_rate`` and ``labour_saved`` (all frames). Numpy arrays are accepted too.
    """
    iou, evaluate = torch.as_tensor(iou), torch.as_tensor(evaluate)
    is_keyframe, is_failure = torch.as_tensor(is_keyframe), torch.as_tensor(is_failure)
    if not iou.shape == evaluate.shape == is_keyframe.shape == is_failure.shape:
        raise ValueError(
            "iou, evaluate, is_keyframe and is_failure must have one shape, got "
            f"{[tuple(t.shape) for t in (iou, evaluate, is_keyframe, is_failure)]}"
        )
    metrics = AnnotationMetrics()
    metrics.update(iou, evaluate, is_keyframe, is_failure)
    values = {name: float(value) for name, value in metrics.compute().items()}
    return {
        "miou": values["miou"],
        "acc50": values["acc50"],
        "acc70": values["acc70"],
        "auc": values["auc"],
        "frames": int(iou.numel()),
        "evaluated": int(evaluate.sum()),
        "failure_rate": values["failure_rate"],
        "labour_saved": values["labour_saved"],
    }
