"""VG-Refine crops: boxes map between image and crop coordinates exactly both ways, for any batch shape, and
the differentiable crop samples the pixels those coordinates say."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vasr.refinement.crops import (
    context_regions,
    crop_frame,
    crop_images,
    crop_to_image,
    frame_tensor,
    image_to_crop,
    template_size,
)


@pytest.mark.parametrize("batch", [(), (7,), (2, 3)])
def test_image_and_crop_coordinates_are_exact_inverses(batch: tuple[int, ...]) -> None:
    g = torch.Generator().manual_seed(0)
    boxes = torch.rand(*batch, 4, generator=g, dtype=torch.float64) * 300
    regions = torch.rand(*batch, 4, generator=g, dtype=torch.float64) * 200 + torch.tensor([0, 0, 5, 5.0])
    for size in [(64, 64), (48, 96)]:
        there = image_to_crop(boxes, regions, size)
        assert there.shape == (*batch, 4)
        torch.testing.assert_close(crop_to_image(there, regions, size), boxes, rtol=1e-12, atol=1e-9)
        torch.testing.assert_close(image_to_crop(crop_to_image(boxes, regions, size), regions, size), boxes)


def test_a_box_lands_on_the_central_half_of_its_context_two_crop() -> None:
    boxes = torch.tensor([[10.0, 20.0, 30.0, 8.0], [0.5, 0.25, 100.0, 250.0]], dtype=torch.float64)
    regions = context_regions(boxes, 2.0)
    torch.testing.assert_close(
        image_to_crop(boxes, regions, (64, 96)), torch.tensor([[24.0, 16, 48, 32]] * 2).double()
    )


def test_degenerate_boxes_still_get_a_region() -> None:
    region = context_regions(torch.tensor([5.0, 5.0, 0.0, 0.0]), 2.0)
    assert bool((region[2:] >= 2.0).all())


def test_a_whole_image_crop_at_full_size_is_the_image() -> None:
    image = torch.rand(2, 3, 12, 16)
    regions = torch.tensor([[0.0, 0.0, 16.0, 12.0]] * 2)
    torch.testing.assert_close(crop_images(image, regions, (12, 16)), image, atol=1e-5, rtol=0)


def test_an_integer_region_at_scale_one_is_a_slice_and_outside_reads_fill() -> None:
    image = torch.rand(1, 3, 20, 30)
    crop = crop_images(image, torch.tensor([[5.0, 4.0, 10.0, 8.0]]), (8, 10))
    torch.testing.assert_close(crop, image[:, :, 4:12, 5:15], atol=1e-5, rtol=0)
    outside = crop_images(image, torch.tensor([[100.0, 100.0, 10.0, 8.0]]), (8, 10), fill=0.5)
    torch.testing.assert_close(outside, torch.full_like(outside, 0.5))


def test_crops_are_differentiable_in_the_image() -> None:
    image = torch.rand(1, 3, 20, 30, requires_grad=True)
    crop_images(image, torch.tensor([[2.5, 3.0, 11.0, 7.0]]), (16, 16)).sum().backward()
    assert image.grad is not None and float(image.grad.abs().sum()) > 0


def test_the_template_has_the_box_scale_of_the_search_crop() -> None:
    assert template_size((64, 64), 2.0, 1.0) == (32, 32)
    assert template_size((96, 128), 2.0, 1.0) == (48, 64)


def test_frames_become_float_batches_in_unit_range() -> None:
    frame = torch.randint(0, 256, (6, 5, 3), dtype=torch.uint8)
    t = frame_tensor(frame.numpy())
    assert t.shape == (1, 3, 6, 5) and float(t.max()) <= 1.0


@pytest.mark.parametrize(
    "region",
    [
        (10.3, 7.8, 20.5, 14.2),  # inside
        (-12.0, -5.5, 30.0, 25.0),  # over the top-left corner
        (40.0, 30.0, 50.0, 40.0),  # over the bottom-right corner
        (200.0, 10.0, 20.0, 20.0),  # entirely outside: all fill
    ],
)
def test_cropping_one_frame_locally_equals_cropping_the_whole_frame(region: tuple[float, ...]) -> None:
    frame = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    box = torch.tensor(region, dtype=torch.float32)
    whole = crop_images(frame_tensor(frame), box[None], (24, 32))[0]
    local = crop_frame(frame, box, (24, 32))
    torch.testing.assert_close(local, whole, atol=1e-5, rtol=0)
