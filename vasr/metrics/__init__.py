"""Annotation quality and labour metrics (paper Sec. 4.3), pooled over frames and DDP-safe."""

from vasr.metrics.annotation_metrics import (
    AccuracyAtIoU,
    AnnotationMetrics,
    FailureRate,
    LabourSaved,
    MeanIoU,
    SuccessAUC,
    summarize,
)
from vasr.metrics.functional import evaluated_iou, per_frame_iou, success_curve, success_thresholds

__all__ = [
    "AccuracyAtIoU",
    "AnnotationMetrics",
    "FailureRate",
    "LabourSaved",
    "MeanIoU",
    "SuccessAUC",
    "evaluated_iou",
    "per_frame_iou",
    "success_curve",
    "success_thresholds",
    "summarize",
]
