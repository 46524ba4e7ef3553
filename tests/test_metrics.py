"""Specification of vasr.metrics: per-frame pooling, strict thresholds, labour accounting, DDP sync."""

from __future__ import annotations

import json
import math
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from vasr.metrics import (
    AccuracyAtIoU,
    AnnotationMetrics,
    FailureRate,
    LabourSaved,
    MeanIoU,
    SuccessAUC,
    per_frame_iou,
    success_curve,
    summarize,
)
from vasr.metrics.ranking import roc_auc

# Nine frames: keyframes at both ends, one failure frame, one frame whose target is absent.
#            frame:   0     1     2     3     4     5     6     7     8
IOU = torch.tensor([1.0, 0.9, 0.6, 0.3, 0.7, 0.5, 0.2, 0.0, 1.0])
KEY = torch.tensor([1, 0, 0, 0, 0, 0, 0, 0, 1], dtype=torch.bool)
FAIL = torch.tensor([0, 0, 0, 0, 0, 0, 1, 0, 0], dtype=torch.bool)
VISIBLE = torch.tensor([1, 1, 1, 1, 1, 1, 1, 0, 1], dtype=torch.bool)
EVAL = VISIBLE & ~KEY & ~FAIL  # frames 1..5: IoU 0.9, 0.6, 0.3, 0.7, 0.5


def test_per_frame_iou_scores_missing_predictions_zero_and_absent_targets_nan():
    pred = torch.tensor([[0.0, 0, 2, 2], [math.nan] * 4, [0, 0, 2, 2]])
    gt = torch.tensor([[0.0, 0, 2, 2], [0, 0, 2, 2], [0, 0, 0, 0]])
    iou = per_frame_iou(pred, gt, valid=torch.tensor([True, True, False]))
    assert iou[:2].tolist() == [1.0, 0.0] and math.isnan(iou[2])


def test_summarize_matches_hand_computed_values():
    out = summarize(IOU, EVAL, KEY, FAIL)
    assert list(out) == [
        "miou", "acc50", "acc70", "auc", "frames", "evaluated", "failure_rate", "labour_saved",
    ]  # fmt: skip
    assert out["miou"] == pytest.approx((0.9 + 0.6 + 0.3 + 0.7 + 0.5) / 5)
    assert out["acc50"] == pytest.approx(3 / 5)  # 0.9, 0.6, 0.7: the frame at exactly 0.5 is not above 0.5
    assert out["acc70"] == pytest.approx(1 / 5)  # 0.9 only: strict
    # Frames above t = 0, .05, ..., 1: 5 x6, 4 x4 (t = .3 .. .45), 3 x2, 2 x2, 1 x4, 0 x3 -> 60 / 5 / 21.
    assert out["auc"] == pytest.approx(12 / 21)
    assert (out["frames"], out["evaluated"]) == (9, 5)
    assert out["failure_rate"] == pytest.approx(1 / 9)
    assert out["labour_saved"] == pytest.approx(1 - 3 / 9)


def test_summarize_accepts_numpy():
    out = summarize(IOU.numpy(), EVAL.numpy(), KEY.numpy(), FAIL.numpy())
    assert out == summarize(IOU, EVAL, KEY, FAIL)


def test_summarize_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one shape"):
        summarize(IOU, EVAL, KEY[:-1], FAIL)


def test_success_curve_is_strict_and_its_mean_is_the_auc():
    thresholds, rates = success_curve(IOU, EVAL)
    assert len(thresholds) == 21 and thresholds[14].item() == pytest.approx(0.7)
    assert rates[0] == 1.0 and rates[-1] == 0.0 and rates[14] == pytest.approx(1 / 5)
    assert rates.mean().item() == pytest.approx(summarize(IOU, EVAL, KEY, FAIL)["auc"])


def test_accuracy_pools_frames_not_sequences():
    metric = MeanIoU()
    metric.update(torch.ones(3))  # a long perfect sequence
    metric.update(torch.zeros(1))  # a short failed one
    assert metric.compute().item() == pytest.approx(0.75)  # not (1 + 0) / 2


def test_accuracy_threshold_is_strict_for_float32_and_float64():
    for dtype in (torch.float32, torch.float64):
        metric = AccuracyAtIoU(0.7)
        metric.update(torch.tensor([0.7, 0.70001], dtype=dtype))
        assert metric.compute().item() == 0.5


def test_auc_of_uniform_ious_equals_their_mean():
    metric = SuccessAUC()
    metric.update(torch.linspace(0, 1, 100_001, dtype=torch.float64))
    assert metric.compute().item() == pytest.approx(0.5, abs=1e-4)


def test_no_evaluated_frame_gives_nan_not_zero():
    metric = MeanIoU()
    metric.update(torch.tensor([0.5]), torch.tensor([False]))
    assert math.isnan(metric.compute())


def test_nan_iou_on_an_evaluated_frame_is_an_error():
    with pytest.raises(ValueError, match="NaN IoU"):
        MeanIoU().update(torch.tensor([0.5, math.nan]))
    MeanIoU().update(torch.tensor([0.5, math.nan]), torch.tensor([True, False]))  # masked out: fine


def test_bad_masks_are_rejected():
    with pytest.raises(TypeError):
        MeanIoU().update(torch.tensor([0.5]), torch.tensor([1]))
    with pytest.raises(ValueError):
        MeanIoU().update(torch.tensor([0.5]), torch.tensor([True, False]))
    with pytest.raises(ValueError):
        AccuracyAtIoU(1.5)
    with pytest.raises(ValueError):
        LabourSaved().update(torch.tensor([True]), torch.tensor([True, False]))


def test_labour_counts_a_frame_flagged_keyframe_and_failure_once():
    key = torch.tensor([True, False, False, True])
    fail = torch.tensor([True, True, False, False])
    failure_rate, labour = FailureRate(), LabourSaved()
    failure_rate.update(key, fail)
    labour.update(key, fail)
    assert failure_rate.compute().item() == pytest.approx(1 / 4)
    assert labour.compute().item() == pytest.approx(1 / 4)


def test_paper_labour_arithmetic():
    # 3.3% keyframes and 2.7% failures -> 94.0% labour saved (paper Sec. 4.1).
    key = torch.zeros(1000, dtype=torch.bool)
    key[:33] = True
    fail = torch.zeros(1000, dtype=torch.bool)
    fail[33:60] = True
    metric = LabourSaved()
    metric.update(key, fail)
    assert metric.compute().item() == pytest.approx(0.94)


def test_annotation_metrics_collection_updates_every_metric_by_name():
    metrics = AnnotationMetrics(prefix="val/")
    metrics.update(IOU[:5], EVAL[:5], KEY[:5], FAIL[:5])
    metrics.update(IOU[5:], EVAL[5:], KEY[5:], FAIL[5:])
    out = {k: v.item() for k, v in metrics.compute().items()}
    expected = summarize(IOU, EVAL, KEY, FAIL)
    assert set(out) == {f"val/{k}" for k in ("miou", "acc50", "acc70", "auc", "failure_rate", "labour_saved")}
    for key, value in out.items():
        assert value == pytest.approx(expected[key.removeprefix("val/")])


# --- DDP: two processes with different frames compute the pooled result ---------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, port: int, out_dir: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    try:
        part = slice(0, 3) if rank == 0 else slice(3, None)  # uneven split: 3 frames vs 6
        metrics = AnnotationMetrics()
        metrics.update(IOU[part], EVAL[part], KEY[part], FAIL[part])
        out = {k: v.item() for k, v in metrics.compute().items()}
        Path(out_dir, f"rank{rank}.json").write_text(json.dumps(out))
    finally:
        dist.destroy_process_group()


def test_ddp_ranks_with_different_frames_get_the_pooled_result(tmp_path):
    mp.spawn(_ddp_worker, args=(_free_port(), str(tmp_path)), nprocs=2, join=True)
    expected = summarize(IOU, EVAL, KEY, FAIL)
    for rank in range(2):
        out = json.loads((tmp_path / f"rank{rank}.json").read_text())
        for key, value in out.items():
            assert value == pytest.approx(expected[key]), (rank, key)
    # Rank 0's own frames alone give another mIoU, so equality above proves the states were synced.
    assert not np.isclose(expected["miou"], summarize(IOU[:3], EVAL[:3], KEY[:3], FAIL[:3])["miou"])


def test_roc_auc() -> None:
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 1.0
    assert roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), np.array([0, 0, 1, 1])) == 0.0
    assert roc_auc(np.array([0.5, 0.5, 0.5]), np.array([0, 1, 1])) == 0.5  # ties count half
    assert roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert math.isnan(roc_auc(np.array([0.3, 0.4]), np.array([1, 1])))
