"""Box maths every stage shares: conversions and IoU, the quality score, masks and their box operators."""

from vasr.geometry.boxes import (
    as_boxes,
    box_area,
    box_iou,
    boxes_valid,
    clip_boxes,
    cxcywh_to_xywh,
    pairwise_box_iou,
    xywh_to_cxcywh,
    xywh_to_xyxy,
    xyxy_to_xywh,
)
from vasr.geometry.masks import (
    aggregate_rows_cols,
    box_from_aggregates,
    box_mask,
    gaussian_weight_map,
    rectified_accumulation,
)
from vasr.geometry.quality import expected_iou, quality_loss, quality_score

__all__ = [
    "aggregate_rows_cols",
    "as_boxes",
    "box_area",
    "box_from_aggregates",
    "box_iou",
    "box_mask",
    "boxes_valid",
    "clip_boxes",
    "cxcywh_to_xywh",
    "gaussian_weight_map",
    "pairwise_box_iou",
    "quality_loss",
    "quality_score",
    "expected_iou",
    "rectified_accumulation",
    "xywh_to_cxcywh",
    "xywh_to_xyxy",
    "xyxy_to_xywh",
]
