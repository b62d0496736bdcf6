"""The fast paths (windowed feather, cheap snapshot, one feathered mask per job) give
exactly what the plain computations give."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.core.composite import FeatheredMask, finish_result, paste_back
from editor.core.mask import feather, feather_window, grow, snapshot
from editor.core.prepare import prepare_upload
from editor.core.request import EditRequest

masks = st.builds(
    lambda h, w, boxes: _mask(h, w, boxes),
    st.integers(8, 90),
    st.integers(8, 90),
    st.lists(st.tuples(*(st.floats(0, 1),) * 4), max_size=3),
)


def _mask(h: int, w: int, boxes: list[tuple[float, ...]]) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    for a, b, c, d in boxes:
        x0, x1 = sorted((int(a * w), int(b * w)))
        y0, y1 = sorted((int(c * h), int(d * h)))
        m[y0 : y1 + 1, x0 : x1 + 1] = 255
    return m


@settings(max_examples=60, deadline=None)
@given(masks, st.integers(0, 12))
def test_feather_window_is_the_full_feather_cut_to_its_box(mask: np.ndarray, px: int) -> None:
    full = feather(mask, px)
    window = feather_window(mask, px)
    if not mask.any():
        assert window is None and not full.any()
        return
    assert window is not None
    (x0, y0, x1, y1), alpha = window
    assert alpha.shape == (y1 - y0, x1 - x0)
    np.testing.assert_array_equal(full[y0:y1, x0:x1], alpha)
    outside = full.copy()
    outside[y0:y1, x0:x1] = 0
    assert not outside.any()  # nothing feathered beyond the window
    assert (full[mask > 0] > 0).all()  # the painted area itself stays selected


def test_feather_matches_a_gaussian_blur_inside_the_reach() -> None:
    """The feather is a true Gaussian of sigma px / 3 (not a box-blur approximation):
    within 2 levels of one worked out in float64 with a kernel twice as long, and 0
    beyond px from the mask."""
    mask = np.zeros((120, 160), np.uint8)
    mask[40:80, 50:110] = 255
    px = 6
    sigma = px / 3
    d = np.arange(-6 * px, 6 * px + 1, dtype=np.float64)
    kernel = np.exp(-(d**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    padded = np.pad(mask.astype(np.float64), 6 * px, mode="edge")
    rows = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="valid"), 1, padded)
    reference = np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="valid"), 0, rows)
    ours = feather(mask, px).astype(np.float64)
    near = grow(mask, px) > 0
    assert np.abs(ours - reference)[near].max() <= 2  # the same Gaussian
    assert not ours[~near].any()  # cut to 0 beyond px
    assert ours[60, 50 - px - 1] == 0 < ours[60, 50 - px + 1] < ours[60, 50] < 255


@settings(max_examples=60, deadline=None)
@given(masks)
def test_snapshot_is_an_independent_equal_copy(mask: np.ndarray) -> None:
    snap = snapshot(mask)
    np.testing.assert_array_equal(snap, mask)
    assert snap.dtype == mask.dtype and not np.shares_memory(snap, mask)
    mask[...] = 255 - mask
    assert not np.array_equal(snap, mask) or mask.size == 0


def test_one_feathered_mask_serves_every_variant_identically() -> None:
    rng = np.random.default_rng(7)
    source = rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)
    mask = np.zeros((90, 120), np.uint8)
    mask[30:60, 40:90] = 255
    request = EditRequest(image=source, mask=mask, prompt="x", feather_px=5)
    prepared = prepare_upload(request, target="fashn", max_edge=2000)
    shared = FeatheredMask.of(mask, 5)
    assert shared.fits(mask, 5) and not shared.fits(mask.copy(), 5)
    for seed in range(3):
        raw = np.random.default_rng(seed).integers(0, 256, source.shape, dtype=np.uint8)
        alone = finish_result(request, prepared, raw)
        reused = finish_result(request, prepared, raw, feathered=shared)
        np.testing.assert_array_equal(alone, reused)
        direct = paste_back(source, raw, mask, feather_px=5)
        np.testing.assert_array_equal(alone, direct)
        far = feather(mask, 5) == 0
        np.testing.assert_array_equal(reused[far], source[far])
