"""VG-Refine Net: shapes, valid Gaussian parameters, the box-level loss (eq. 4-6 with min(1, sum)), mask ->
box inference (a perfect mask gives the ground-truth box back exactly; nothing above tau keeps the input box)
and the ablation variants none / v / vi / vg."""

from __future__ import annotations

import pytest
import torch

from vasr.geometry.masks import aggregate_rows_cols, box_mask
from vasr.refinement.crops import crop_to_image, image_to_crop
from vasr.refinement.gmodule import NUM_EXTRAS, GModule, activate_theta
from vasr.refinement.inference import mask_to_crop_box, refine_boxes
from vasr.refinement.losses import aggregate_error, box_level_loss
from vasr.refinement.model import VGRefineNet, at_frames, handmade_theta
from vasr.refinement.visual import MaskNet, separable_mask

B, K, L, P = 2, 3, 20, 32


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _batch(seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        "search": torch.rand(B, K, 3, P, P, generator=g),
        "template": torch.rand(B, K, 3, P // 2, P // 2, generator=g),
        "frames": torch.tensor([[0, 5, 19], [2, 3, 4]]),
        "maps": torch.rand(B, L, 19, 19, generator=g),
        "boxes": torch.rand(B, L, 4, generator=g),
        "conf": torch.rand(B, L, generator=g),
        "extras": torch.rand(B, L, NUM_EXTRAS, generator=g),
        "backward": torch.tensor([False, True]),
        "regions": torch.tensor([10.0, 20.0, 64.0, 32.0]).expand(B, L, 4),
        "input_boxes": torch.tensor([26.0, 28.0, 32.0, 16.0]).expand(B, L, 4),
        "prior_crop": torch.tensor([8.0, 8.0, 16.0, 16.0]).expand(B, L, 4).clone(),
    }


def test_the_mask_net_gives_one_mask_per_crop_in_unit_range() -> None:
    net = MaskNet(template_size=(P // 2, P // 2), width=8, pretrained=False)
    batch = _batch()
    mask = net(batch["search"], batch["template"])
    assert mask.shape == (B, K, P, P)
    assert float(mask.detach().min()) > 0 and float(mask.detach().max()) < 1


def test_an_untrained_separable_mask_net_gives_back_the_tracked_box() -> None:
    net = VGRefineNet("v", crop_size=P, decoder_width=8, pretrained=False)
    batch = _batch()
    boxes, found = net.refine(batch)
    assert bool(found.all())
    torch.testing.assert_close(boxes, at_frames(batch["input_boxes"], batch["frames"]))


def test_the_separable_mask_aggregates_to_its_row_and_column_profiles() -> None:
    rows = torch.tensor([-9.0, 9.0, 9.0, 9.0, -9.0, -9.0])  # 3 rows on
    cols = torch.tensor([-9.0, -9.0, 9.0, 9.0, 9.0, -9.0])  # 3 columns on
    mask = separable_mask(rows, cols)
    row_agg, col_agg = aggregate_rows_cols(mask)
    torch.testing.assert_close(row_agg, torch.sigmoid(rows), atol=1e-3, rtol=0)
    torch.testing.assert_close(col_agg, torch.sigmoid(cols), atol=1e-3, rtol=0)
    assert float(mask.max()) <= 1.0
    box, found = mask_to_crop_box(mask)
    assert bool(found) and box.tolist() == [2.0, 1.0, 3.0, 3.0]


def test_the_backbone_is_frozen_by_default_and_stays_in_eval_mode() -> None:
    net = MaskNet(template_size=(16, 16), width=8, pretrained=False).train()
    assert not any(p.requires_grad for p in net.backbone.parameters())
    assert not any(m.training for m in net.backbone.modules())
    partly = MaskNet(template_size=(16, 16), width=8, train_blocks=1, pretrained=False)
    assert any(p.requires_grad for p in partly.backbone.blocks[-1].parameters())
    assert not any(p.requires_grad for p in partly.backbone.stem.parameters())
    fresh = MaskNet(template_size=(16, 16), width=8, pretrained=False)  # never told train() or eval()
    assert not any(m.training for m in fresh.backbone.modules())
    statistics = fresh.backbone.stem[1].running_mean.clone()
    fresh(torch.rand(1, 2, 3, 32, 32), torch.rand(1, 2, 3, 16, 16))
    assert torch.equal(fresh.backbone.stem[1].running_mean, statistics)


def test_theta_is_valid_whatever_the_raw_outputs() -> None:
    raw = torch.randn(1000, 5) * 50
    theta = activate_theta(raw, (48, 64))
    mu1, mu2, s1, s2, alpha = theta.unbind(-1)
    assert bool(((mu1 >= 0) & (mu1 <= 64) & (mu2 >= 0) & (mu2 <= 48)).all())
    assert bool(((s1 > 0) & (s2 > 0) & (alpha > 0)).all()) and bool(torch.isfinite(theta).all())


def test_an_untrained_g_module_gives_a_broad_centred_weight() -> None:
    batch = _batch()
    theta = GModule(hidden=8)(
        batch["maps"], batch["boxes"], batch["conf"], batch["extras"], batch["backward"], (P, P)
    )
    assert theta.shape == (B, L, 5)
    torch.testing.assert_close(
        theta[0, 0], torch.tensor([P / 2, P / 2, P / 2 + 1, P / 2 + 1, 0.5]), atol=1e-3, rtol=0
    )


def test_the_g_module_reads_backward_windows_in_tracking_order() -> None:
    torch.manual_seed(0)
    g = GModule(hidden=8)
    torch.nn.init.normal_(g.predictor.head.weight)
    batch = _batch()
    args = [batch[k] for k in ("maps", "boxes", "conf", "extras")]
    backward = g(*args, torch.tensor([True, True]), (P, P))
    flipped = g(*[a.flip(1) for a in args], torch.tensor([False, False]), (P, P)).flip(1)
    torch.testing.assert_close(backward, flipped)


def test_a_perfect_mask_gives_back_the_ground_truth_box_exactly() -> None:
    gt_crop = torch.tensor([[5.0, 7.0, 12.0, 20.0], [0.0, 0.0, 32.0, 32.0], [31.0, 0.0, 1.0, 1.0]])
    boxes, found = mask_to_crop_box(box_mask(gt_crop, P, P))
    assert bool(found.all())
    assert torch.equal(boxes, gt_crop)
    regions = torch.tensor([[100.0, 50.0, 64.0, 128.0]]).expand(3, 4)  # 2 and 4 px per crop px: exact
    gt_image = crop_to_image(gt_crop, regions, (P, P))
    refined, _ = refine_boxes(box_mask(image_to_crop(gt_image, regions, (P, P)), P, P), regions, gt_image * 0)
    assert torch.equal(refined, gt_image)


def test_nothing_above_tau_keeps_the_input_box() -> None:
    mask = torch.zeros(2, P, P)
    mask[1, 3:9, 4:6] = 1.0
    mask[0, :, :] = 0.4 / P  # every row and column sums to 0.4 < tau
    inputs = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    refined, found = refine_boxes(mask, torch.tensor([0.0, 0.0, P, P]).expand(2, 4), inputs)
    assert found.tolist() == [False, True]
    assert torch.equal(refined[0], inputs[0])
    assert refined[1].tolist() == [4.0, 3.0, 2.0, 6.0]


def test_the_box_level_loss_is_zero_for_the_box_mask_and_trains_a_filled_mask_down() -> None:
    gt = torch.tensor([[4.0, 6.0, 10.0, 8.0]])
    assert float(box_level_loss(box_mask(gt, P, P), gt, torch.tensor([True]))) == 0.0
    full = torch.full((1, P, P), 0.9, requires_grad=True)  # every row sums far above 1: clamp is flat there
    loss = box_level_loss(full, gt, torch.tensor([True]))
    loss.backward()
    rows_out, cols_out = P - 8, P - 10
    assert float(loss) == pytest.approx((rows_out + cols_out) / (2 * P))
    assert float(full.grad[0, 0, 0]) > 0  # outside the box: pushed down despite min(1, sum)
    assert float(full.grad[0, 8, 8]) == 0.0  # inside rows and columns: already right
    plain = aggregate_error(full, box_mask(gt, P, P), straight_through=False)
    assert float(plain) == pytest.approx(float(loss))


def test_frames_without_a_target_do_not_count() -> None:
    gt = torch.tensor([[4.0, 6.0, 10.0, 8.0], [float("nan")] * 4])
    masks = torch.stack([box_mask(gt[0], P, P), torch.ones(P, P)])
    assert float(box_level_loss(masks, gt, torch.tensor([True, False]))) == 0.0
    assert float(box_level_loss(masks, gt, torch.tensor([False, False]))) == 0.0


@pytest.mark.parametrize("variant", ["none", "v", "vi", "vg"])
def test_every_variant_refines_the_cropped_frames(variant: str) -> None:
    net = VGRefineNet(variant, crop_size=P, decoder_width=8, g_hidden=8, pretrained=False)
    batch = _batch()
    out = net(batch)
    boxes, found = net.refine(batch, out)
    assert boxes.shape == (B, K, 4) and found.shape == (B, K)
    if variant == "none":
        assert out.mask is None and torch.equal(boxes, at_frames(batch["input_boxes"], batch["frames"]))
        return
    assert out.mask.shape == out.initial.shape == (B, K, P, P)
    if variant == "v":
        assert out.weight is None and torch.equal(out.mask, out.initial)
    else:
        assert bool((out.mask <= out.initial + 1e-7).all())  # W <= 1 only suppresses
    if variant == "vg":
        assert out.theta.shape == (B, L, 5)


def test_vi_centres_its_handmade_gaussian_on_the_blended_box() -> None:
    prior = torch.tensor([[8.0, 4.0, 16.0, 8.0], [float("nan")] * 4])
    theta, ok = handmade_theta(prior, alpha=1.0, sigma_scale=1.0)
    assert ok.tolist() == [True, False]
    assert theta[0].tolist() == [16.0, 8.0, 16.0, 8.0, 1.0]
    net = VGRefineNet("vi", crop_size=P, decoder_width=8, pretrained=False)
    batch = _batch()
    batch["prior_crop"][1] = float("nan")
    out = net(batch)
    # centre (16, 16), sigma 16, alpha 1: the pixel centred at (15.5, 15.5) weighs exp(-2 (0.5 / 16)^2)
    assert float(out.weight[0, 0, 15, 15]) == pytest.approx(
        float(torch.exp(torch.tensor(-1 / 512))), rel=1e-5
    )
    assert bool((out.weight[1] == 1).all())  # no prior: pure V


def test_the_variant_switch_only_allows_parts_the_net_has() -> None:
    net = VGRefineNet("v", crop_size=P, decoder_width=8, pretrained=False)
    net.variant = "vi"
    net.variant = "none"
    with pytest.raises(ValueError, match="G-Module"):
        net.variant = "vg"
    with pytest.raises(ValueError, match="variant must be"):
        VGRefineNet("x", crop_size=P)  # type: ignore[arg-type]


def test_crops_of_the_wrong_size_are_refused() -> None:
    net = VGRefineNet("v", crop_size=64, decoder_width=8, pretrained=False)
    with pytest.raises(ValueError, match="expects"):
        net(_batch())


def test_vi_uses_its_configured_gaussian() -> None:
    batch = _batch()
    narrow = VGRefineNet("vi", crop_size=P, decoder_width=8, vi_alpha=1.0, pretrained=False)
    wide = VGRefineNet("vi", crop_size=P, decoder_width=8, vi_alpha=1.0, vi_sigma_scale=2.0, pretrained=False)
    wide.load_state_dict(narrow.state_dict())
    corner_narrow, corner_wide = narrow(batch).weight[0, 0, 0, 0], wide(batch).weight[0, 0, 0, 0]
    assert float(corner_wide) > float(corner_narrow)
