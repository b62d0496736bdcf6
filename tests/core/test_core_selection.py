"""Selection tools (magic wand, colour range, object from a box, difference) on real arrays."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from selection_scenes import BLOCK, DISC, block_box, disc_mask, iou, scene

from editor.core.selection import (
    Preview,
    Selection,
    SelectionCancelled,
    SelectionError,
    apply_selection,
    colour_range,
    colour_range_preview,
    difference_mask,
    magic_wand,
    mode_for,
    object_from_box,
    refine_object,
    sample_colour,
)

W, H = 900, 600


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return scene(W, H)


# --- magic wand -------------------------------------------------------------------


def test_wand_selects_the_clicked_object_and_nothing_else(photo: np.ndarray) -> None:
    sel = magic_wand(photo, W // 2, H // 2, tolerance=20)
    assert iou(sel.full(), disc_mask(W, H)) > 0.99
    assert set(np.unique(sel.full())) <= {0, 255}


def test_wand_tolerance_follows_the_per_channel_rule() -> None:
    img = np.zeros((10, 30, 3), dtype=np.uint8)
    img[:, :10] = (100, 100, 100)
    img[:, 10:20] = (110, 100, 100)  # 10 away in one channel
    img[:, 20:] = (100, 100, 100)
    tight = magic_wand(img, 2, 2, tolerance=9).full()
    loose = magic_wand(img, 2, 2, tolerance=10).full()
    assert tight[:, :10].all() and not tight[:, 10:].any()  # the strip cuts it off
    assert loose.all()


def test_wand_contiguous_versus_global() -> None:
    img = np.zeros((20, 20, 3), dtype=np.uint8)
    img[2:6, 2:6] = (200, 10, 10)
    img[12:18, 12:18] = (200, 10, 10)
    near = magic_wand(img, 3, 3, tolerance=5)
    everywhere = magic_wand(img, 3, 3, tolerance=5, contiguous=False)
    assert near.pixel_count == 16 and near.box == (2, 2, 6, 6)
    assert everywhere.pixel_count == 16 + 36 and everywhere.box == (2, 2, 18, 18)


def test_wand_sample_radius_averages_the_noise(photo: np.ndarray) -> None:
    # the scene's noise is +-6: one pixel may sit at the edge of the range, the average not
    sel = magic_wand(photo, W // 2, H // 2, tolerance=10, sample_radius=4)
    assert iou(sel.full(), disc_mask(W, H)) > 0.99
    checker = np.zeros((9, 9, 3), dtype=np.uint8)
    checker[::2, ::2] = 255  # the 3x3 average at (4, 4) is 28: far from 0 and 255
    assert magic_wand(checker, 4, 4, tolerance=5, sample_radius=1).is_empty


def test_wand_follows_a_one_pixel_bridge_at_full_resolution() -> None:
    img = np.zeros((40, 60, 3), dtype=np.uint8)
    img[5:35, 5:20] = (200, 200, 0)
    img[5:35, 40:55] = (200, 200, 0)
    img[20, 20:40] = (200, 200, 0)  # a 1-pixel-wide bridge a downscaled copy would lose
    joined = magic_wand(img, 10, 10, tolerance=10)
    assert joined.pixel_count == 2 * 30 * 15 + 20
    img[20, 30] = (0, 0, 0)  # cut the bridge
    assert magic_wand(img, 10, 10, tolerance=10).pixel_count == 30 * 15 + 10


def test_wand_on_rgba_ignores_alpha_and_refuses_points_outside() -> None:
    img = np.zeros((8, 8, 4), dtype=np.uint8)
    img[..., 3] = np.arange(8, dtype=np.uint8)[None, :] * 30  # alpha varies
    assert magic_wand(img, 0, 0, tolerance=0).pixel_count == 64
    with pytest.raises(SelectionError, match="outside the 8x8 photo"):
        magic_wand(img, 8, 3)
    with pytest.raises(SelectionError, match="0 to 255"):
        magic_wand(img, 1, 1, tolerance=300)


def test_sample_colour_averages_a_square(photo: np.ndarray) -> None:
    r, g, b = sample_colour(photo, W // 2, H // 2, radius=3)
    assert max(abs(r - DISC[0]), abs(g - DISC[1]), abs(b - DISC[2])) <= 3


# --- combine modes ----------------------------------------------------------------


def test_apply_selection_modes_and_one_undo_record() -> None:
    mask = np.zeros((10, 10), dtype=np.uint8)
    mask[0:4, 0:4] = 255
    values = np.zeros((10, 10), dtype=np.uint8)
    values[2:6, 2:6] = 255
    sel = Selection.of(values, (0, 0), (10, 10))
    assert sel.box == (2, 2, 6, 6)
    expected = {
        "replace": values,
        "add": np.maximum(mask, values),
        "subtract": np.where(values > 0, 0, mask).astype(np.uint8),
        "intersect": np.minimum(mask, values),
    }
    for mode, want in expected.items():
        change = apply_selection(mask, sel, mode)
        assert change is not None
        work = mask.copy()
        change.apply(work)
        np.testing.assert_array_equal(work, want, err_msg=mode)
        change.revert(work)
        np.testing.assert_array_equal(work, mask, err_msg=mode)
    add = apply_selection(mask, sel, "add")
    assert add is not None and add.rect == (2, 2, 6, 6)  # only what changed is recorded
    assert apply_selection(np.maximum(mask, values), sel, "add") is None  # no-op: no step


def test_modifiers_pick_the_mode() -> None:
    assert mode_for() == "replace"
    assert mode_for(add=True) == "add"
    assert mode_for(subtract=True) == "subtract"
    assert mode_for(add=True, subtract=True) == "intersect"


def test_apply_selection_refuses_a_wrong_size_or_mode() -> None:
    sel = Selection.empty((5, 5))
    with pytest.raises(SelectionError, match="select on the photo"):
        apply_selection(np.zeros((4, 4), np.uint8), sel)
    with pytest.raises(SelectionError, match="replace, add"):
        apply_selection(np.zeros((5, 5), np.uint8), sel, "xor")


# --- colour range -----------------------------------------------------------------


def test_colour_range_is_soft_and_falls_with_distance() -> None:
    img = np.zeros((1, 4, 3), dtype=np.uint8)
    img[0] = [(200, 60, 40), (205, 64, 44), (170, 70, 60), (20, 200, 30)]
    vals = colour_range(img, (200, 60, 40), fuzziness=40).full()[0]
    assert vals[0] == 255
    assert 255 > vals[1] > vals[2] > 0
    assert vals[3] == 0
    exact = colour_range(img, (200, 60, 40), fuzziness=0).full()[0]
    assert exact.tolist() == [255, 0, 0, 0]


def test_colour_range_selects_the_object_and_preview_agrees(photo: np.ndarray) -> None:
    full = colour_range(photo, DISC, fuzziness=30)
    assert iou(full.full(), disc_mask(W, H)) > 0.98
    block = colour_range(photo, BLOCK, fuzziness=30)
    x0, _, _, y1 = block_box(W, H)
    assert block.box is not None and abs(block.box[0] - x0) <= 1 and abs(block.box[3] - y1) <= 1
    preview = Preview.of(photo, max_pixels=60_000)
    assert preview.image.shape[0] * preview.image.shape[1] <= 60_000
    small = colour_range_preview(preview, DISC, fuzziness=30)
    assert iou(preview.to_source(small), disc_mask(W, H)) > 0.95
    with pytest.raises(SelectionError, match="0 to 200"):
        colour_range(photo, DISC, fuzziness=500)


def test_colour_range_stops_between_bands_when_asked(photo: np.ndarray) -> None:
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 1  # let one band through, then a newer value arrives

    with pytest.raises(SelectionCancelled, match="cancelled"):
        colour_range(photo, DISC, fuzziness=30, stop=stop)
    assert len(asked) == 2
    assert colour_range(photo, DISC, fuzziness=30, stop=lambda: False).box is not None


# --- object from a box ------------------------------------------------------------


def _disc_box(margin: int = 20) -> tuple[int, int, int, int]:
    r = H // 4
    return W // 2 - r - margin, H // 2 - r - margin, W // 2 + r + margin, H // 2 + r + margin


def test_object_from_box_finds_the_disc_with_a_full_resolution_edge(photo: np.ndarray) -> None:
    truth = disc_mask(W, H)
    proposal = object_from_box(photo, _disc_box(), work_pixels=20_000)
    assert proposal.scale < 0.5  # GrabCut really ran on a downscaled copy
    got = proposal.selection.full()
    assert iou(got, truth) > 0.98
    # the edge is decided at full resolution: closer than the plain scaled-up coarse mask
    coarse = (proposal.labels % 2).astype(np.uint8) * 255
    cx0, cy0, cx1, cy1 = proposal.crop
    up = np.zeros_like(truth)
    up[cy0:cy1, cx0:cx1] = np.where(
        cv2.resize(coarse, (cx1 - cx0, cy1 - cy0), interpolation=cv2.INTER_LINEAR) >= 128, 255, 0
    )
    wrong_refined = np.count_nonzero((got >= 128) != (truth >= 128))
    wrong_coarse = np.count_nonzero((up >= 128) != (truth >= 128))
    assert wrong_refined < wrong_coarse


def test_refine_object_obeys_brush_hints(photo: np.ndarray) -> None:
    proposal = object_from_box(photo, _disc_box(), work_pixels=20_000)
    keep = np.zeros((H, W), dtype=np.uint8)
    keep[H // 2 - 170 : H // 2 - 160, W // 2 - 5 : W // 2 + 5] = 255  # background above it
    drop = np.zeros((H, W), dtype=np.uint8)
    drop[H // 2 - 10 : H // 2 + 10, W // 2 - 10 : W // 2 + 10] = 255  # a hole in the middle
    refined = refine_object(photo, proposal, keep=keep, drop=drop).selection.full()
    assert refined[keep > 0].min() == 255
    assert refined[drop > 0].max() == 0
    assert iou(refined, disc_mask(W, H)) > 0.97


def test_object_from_box_refuses_an_empty_box(photo: np.ndarray) -> None:
    with pytest.raises(SelectionError, match="drag a box"):
        object_from_box(photo, (5000, 5000, 6000, 6000))


# --- mask from a difference -------------------------------------------------------


def test_difference_mask_finds_changes_drops_specks_and_keeps_the_leak(photo: np.ndarray) -> None:
    variant = photo.copy()
    variant[100:200, 300:500] = (250, 250, 250)  # an edit
    variant[400, 50] = (0, 0, 0)  # a speck (one pixel)
    found = difference_mask(photo, variant, grow_px=0)
    assert found.box is not None
    assert found.box == (300, 100, 500, 200)
    assert found.full()[400, 50] == 0
    mask = np.zeros((H, W), dtype=np.uint8)
    mask[100:200, 300:450] = 255  # the edit was asked for here; the rest leaked
    leak = difference_mask(photo, variant, grow_px=0, outside=mask)
    assert leak.box == (450, 100, 500, 200)  # exactly where the mask ends
    grown = difference_mask(photo, variant, grow_px=3, outside=mask)
    assert grown.box == (447, 97, 503, 203)  # grown by 3 (round the corners too)...
    assert not (grown.full() & mask).any()  # ...but never back into the mask
    assert difference_mask(photo, photo.copy()).is_empty
    with pytest.raises(SelectionError, match="compare a variant"):
        difference_mask(photo, photo[:10])
