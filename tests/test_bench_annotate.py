"""`make bench`'s correction round: one new keyframe is tracked from, both ways; the tracks that now arrive at
it keep the path they had."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):  # noqa: ANN001, ANN201
    return load_benchmark("bench_annotate")


@pytest.mark.usefixtures("one_torch_thread")
def test_a_correction_round_tracks_only_the_split_snippet(bench, tiny_root: Path) -> None:
    from vasr.data.readers import load_lasot

    sequence = load_lasot(tiny_root)[0]  # 61 frames: keyframes 0, 30, 60
    report = bench.correction_round("kcf", sequence, repeats=1)
    assert report["new_keyframe"] == 15  # the middle of the first snippet (0, 30)
    assert report["full_run_steps"] == 2 * 2 * 29
    assert report["correction_round_steps"] == 2 * 14  # from 15 back to 0 and on to 30
    assert report["reused_steps"] == 2 * 29 + 2 * 14  # (30, 60) both ways; 0 -> 15 and 30 -> 15 cut short
    assert report["speed_up"] == pytest.approx(report["full_run_s"] / report["correction_round_s"])
