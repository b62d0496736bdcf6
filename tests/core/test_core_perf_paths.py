"""The fast paths (windowed feather, cheap snapshot, one feathered mask per job) give
exactly what the plain computations give."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from editor.core.composite import FeatheredMask, finish_result, paste_back
from editor.core.mask import feather, feather_window, snapshot
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
    mask = np.zeros((120, 160), np.uint8)
    mask[40:80, 50:110] = 255
    px = 6
    reference = np.asarray(
        Image.fromarray(mask).filter(ImageFilter.GaussianBlur(px / 3)), dtype=np.int16
    )
    ours = feather(mask, px).astype(np.int16)
    assert np.abs(ours - reference).max() <= 2  # same blur; ours is cut to 0 beyond px


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
