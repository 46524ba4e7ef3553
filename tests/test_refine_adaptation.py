"""Keyframe adaptation: a copy of the MaskNet learns the sequence's keyframes (its keyframe loss falls), the
net handed in is untouched, nothing but keyframe boxes is read, and the same seed gives the same boxes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from datamodules.refine_windows import RefineDataModule
from vasr.data.sources import DataSource
from vasr.refinement.adaptation import (
    KeyframeAdaptation,
    KeyframeExamples,
    adapt_to_keyframes,
    neighbour,
    usable_keyframes,
)
from vasr.refinement.dataset import RefineSequence
from vasr.refinement.losses import box_level_loss
from vasr.refinement.model import VGRefineNet
from vasr.refinement.refine import refine_sequence

FEW = KeyframeAdaptation(steps=25, lr=3e-3, batch_size=8)


@pytest.fixture(scope="module")
def material(tiny_root: Path, tmp_path_factory: pytest.TempPathFactory) -> RefineSequence:
    data = RefineDataModule(
        train=[DataSource("lasot", str(tiny_root), fold=0)],
        val=[DataSource("lasot", str(tiny_root), fold=1)],
        tracker="kcf",
        cache_dir=str(tmp_path_factory.mktemp("cache")),
        crop_size=32,
    )
    return data.refine_material([DataSource("lasot", str(tiny_root), fold=1)])[0]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tiny_net(variant: str = "v") -> VGRefineNet:
    """A small net on the ImageNet backbone: adaptation must learn something in a few steps, which random
    backbone features do not allow."""
    torch.manual_seed(0)
    return VGRefineNet(variant, crop_size=32, decoder_width=8, g_hidden=8)


def keyframe_loss(net: VGRefineNet, examples: KeyframeExamples) -> float:
    search, template, target = examples.batch(32, 0.1, 0.1, torch.Generator().manual_seed(123))
    with torch.no_grad():
        mask = net.mask_net(search, template)[:, 0]
    return float(box_level_loss(mask, target, torch.ones(len(target))))


def test_the_adapted_copy_fits_the_keyframes_better_and_the_original_is_untouched(
    material: RefineSequence,
) -> None:
    net = tiny_net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    examples = KeyframeExamples(net, material, usable_keyframes(material))
    adapted = adapt_to_keyframes(net, material, FEW)
    assert adapted is not net
    assert keyframe_loss(adapted, examples) < keyframe_loss(net, examples)
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), key
    # only the MaskNet adapts: the G-Module has no keyframe geometry to learn from
    vg = tiny_net("vg")
    adapted_vg = adapt_to_keyframes(vg, material, FEW)
    for (name, a), (_, b) in zip(
        vg.g_module.state_dict().items(), adapted_vg.g_module.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name


def test_only_keyframe_boxes_are_read(material: RefineSequence) -> None:
    """Annotation has human boxes at the keyframes only: any other ground truth must not matter."""
    garbage = material.gt.copy()
    garbage[~material.is_key] = np.array([1.0, 2.0, 3.0, 4.0])
    scrambled = dataclasses.replace(material, gt=garbage)
    net = tiny_net()
    a = refine_sequence(adapt_to_keyframes(net, material, FEW), material)
    b = refine_sequence(adapt_to_keyframes(net, scrambled, FEW), scrambled)
    for name in ("forward", "backward"):
        np.testing.assert_array_equal(a[name], b[name])


def test_the_same_seed_gives_the_same_boxes_and_adaptation_changes_them(material: RefineSequence) -> None:
    net = tiny_net()
    first = refine_sequence(adapt_to_keyframes(net, material, FEW), material)
    again = refine_sequence(adapt_to_keyframes(net, material, FEW), material)
    plain = refine_sequence(net, material)
    valid = material.forward.valid
    np.testing.assert_array_equal(first["forward"], again["forward"])
    assert not np.allclose(first["forward"][valid], plain["forward"][valid])


def test_nothing_to_adapt_gives_back_the_net_itself(material: RefineSequence) -> None:
    net = tiny_net()
    assert adapt_to_keyframes(net, material, KeyframeAdaptation(steps=0)) is net
    hidden = material.gt.copy()
    hidden[material.is_key] = np.nan  # no visible keyframe box: nothing to learn from
    assert adapt_to_keyframes(net, dataclasses.replace(material, gt=hidden), FEW) is net
    no_mask = tiny_net("v")
    no_mask.mask_net = None
    assert adapt_to_keyframes(no_mask, material, FEW) is no_mask


def test_usable_keyframes_skip_invisible_and_empty_boxes(material: RefineSequence) -> None:
    keys = np.flatnonzero(material.is_key)
    gt = material.gt.copy()
    gt[keys[0]] = np.nan
    gt[keys[1], 2] = 0.0
    usable = usable_keyframes(dataclasses.replace(material, gt=gt))
    assert keys[0] not in usable and keys[1] not in usable
    assert set(usable) == set(keys[2:][np.isfinite(material.gt[keys[2:]]).all(1)])


def test_templates_come_from_a_neighbouring_keyframe() -> None:
    keys = np.array([0, 30, 60])
    assert neighbour(keys, 1, after_first=False) == 0 and neighbour(keys, 1, after_first=True) == 60
    assert neighbour(keys, 0, after_first=False) == 30  # no previous one: the next
    assert neighbour(keys, 2, after_first=True) == 30  # no next one: the previous
    assert neighbour(np.array([7]), 0, after_first=True) == 7  # alone: itself
