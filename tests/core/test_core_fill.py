"""Offline contextual fill: untouched outside the hole, seed-dependent, and bounded work."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core import fill
from editor.core.errors import EditorError
from editor.core.fill import WORK_PIXELS, contextual_fill, region_boxes


def _stripes(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    base = (np.sin(xx / 9.0) * 60 + np.cos(yy / 7.0) * 60 + 128).astype(np.uint8)
    return np.stack([base, base // 2, 255 - base], axis=-1)


def test_fill_changes_only_the_hole_and_follows_the_texture() -> None:
    image = _stripes(300, 400)
    mask = np.zeros((300, 400), np.uint8)
    mask[120:170, 150:230] = 255
    holed = image.copy()
    holed[mask > 0] = 0  # the fill must not depend on what was under the hole
    result = contextual_fill(holed, mask, seed=3)
    np.testing.assert_array_equal(result[mask == 0], holed[mask == 0])
    # PatchMatch continues the stripes: far closer to the truth than the black hole
    error = np.abs(result[mask > 0].astype(int) - image[mask > 0]).mean()
    assert error < 0.5 * np.abs(holed[mask > 0].astype(int) - image[mask > 0]).mean()


def test_variants_differ_by_seed_and_repeat_with_the_same_seed() -> None:
    image = _stripes(200, 200)
    mask = np.zeros((200, 200), np.uint8)
    mask[60:140, 60:140] = 255
    a, b, a2 = (contextual_fill(image, mask, seed=s) for s in (1, 2, 1))
    assert (a != b).any()
    np.testing.assert_array_equal(a, a2)


def test_alpha_is_kept_and_empty_mask_is_a_copy() -> None:
    image = np.dstack([_stripes(64, 64), np.full((64, 64), 77, np.uint8)])
    mask = np.zeros((64, 64), np.uint8)
    np.testing.assert_array_equal(contextual_fill(image, mask), image)
    mask[20:40, 20:40] = 255
    assert (contextual_fill(image, mask)[..., 3] == 77).all()


def test_size_mismatch_is_one_clear_line() -> None:
    with pytest.raises(EditorError, match="must match"):
        contextual_fill(_stripes(10, 10), np.zeros((10, 11), np.uint8))


def test_long_thin_stroke_works_on_a_bounded_crop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stroke 2000 px long and 40 px thick across a big photo: PatchMatch sees a band
    around it, never more than WORK_PIXELS, and the result is still full-size."""
    seen: list[tuple[int, ...]] = []
    pm = fill._patchmatch()
    real = pm.inpaint

    def spy(image: np.ndarray, mask: np.ndarray, **kw: object) -> np.ndarray:
        seen.append(image.shape)
        return real(image, mask, **kw)

    monkeypatch.setattr(pm, "inpaint", spy)
    h, w = 1500, 3000
    image = _stripes(h, w)
    mask = np.zeros((h, w), np.uint8)
    for x in range(500, 2500):
        y = 700 + int(150 * np.sin(x / 200))
        mask[y : y + 40, x] = 255
    result = contextual_fill(image, mask, seed=5)
    assert result.shape == image.shape
    np.testing.assert_array_equal(result[mask == 0], image[mask == 0])
    assert seen and all(s[0] * s[1] <= WORK_PIXELS * 1.01 for s in seen)
    assert np.abs(result[mask > 0].astype(int) - image[mask > 0]).mean() < 40


def test_region_boxes_merge_overlapping_and_keep_separate_ones() -> None:
    mask = np.zeros((400, 400), np.uint8)
    mask[10:20, 10:20] = 255
    mask[300:320, 300:330] = 255
    boxes = region_boxes(mask)
    assert len(boxes) == 2
    for x0, y0, x1, y1 in boxes:
        assert mask[y0:y1, x0:x1].any()
    assert len(region_boxes(mask, margin=200)) == 1


def test_fill_cost_follows_the_hole_on_a_151_mp_photo() -> None:
    """A 200x200 hole in a 14204x10652 photo that exists only as one repeated row
    (np.broadcast_to: 454 MB virtual, read-only): the fill reads the hole's neighbourhood
    only. A whole-photo copy, a full-size bool of the mask or a padded tile grid would
    each allocate 150-450 MB, which tracemalloc sees (numpy reports its allocations)."""
    import tracemalloc

    h, w = 10652, 14204
    image = np.broadcast_to(_stripes(1, w), (h, w, 3))
    mask = np.zeros((h, w), np.uint8)  # untouched pages cost no memory
    mask[5000:5200, 7000:7200] = 255
    tracemalloc.start()
    try:
        regions = fill.fill_regions(image, mask, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * 2**20, f"the fill allocated {peak / 2**20:.0f} MB"
    (region,) = regions
    x0, y0, x1, y1 = region.box
    assert x0 <= 7000 and x1 >= 7200 and y0 <= 5000 and y1 >= 5200
    assert (x1 - x0) * (y1 - y0) < 1_000_000  # a neighbourhood, not the photo
    crop = image[y0:y1, x0:x1]
    np.testing.assert_array_equal(region.pixels[~region.hole], crop[~region.hole])
    np.testing.assert_array_equal(region.hole, mask[y0:y1, x0:x1] > 0)
    # the stripes run vertically: the fill continues them closely
    error = np.abs(region.pixels[region.hole].astype(int) - crop[region.hole]).mean()
    assert error < 20


def test_fill_regions_pasted_equal_the_full_fill_with_overlapping_contexts() -> None:
    """Three holes whose context crops overlap: pasting the regions in order gives
    exactly contextual_fill's result (a later crop sees the earlier fills)."""
    image = _stripes(300, 400)
    mask = np.zeros((300, 400), np.uint8)
    mask[100:140, 100:140] = 255
    mask[100:140, 200:240] = 255
    mask[200:230, 150:260] = 255
    regions = fill.fill_regions(image, mask, seed=4)
    assert len(regions) >= 2
    pasted = image.copy()
    for region in regions:
        region.paste(pasted)
    np.testing.assert_array_equal(pasted, contextual_fill(image, mask, seed=4))


def test_a_fully_masked_photo_turns_mid_grey() -> None:
    image = np.dstack([_stripes(100, 120), np.full((100, 120), 9, np.uint8)])
    result = contextual_fill(image, np.full((100, 120), 255, np.uint8))
    assert (result[..., :3] == 127).all() and (result[..., 3] == 9).all()
