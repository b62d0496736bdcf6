"""The feather's blur (core/mask_blur.py): within 2 levels of a float64 Gaussian of sigma
px / 3 cut at px at every width, exact below HALF_FROM, and the same values for any
rectangle worked out from its own window as for the whole mask."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.core import mask as masks
from editor.core import mask_blur
from editor.core.mask_blur import HALF_FROM, blur_reach, blurred


def scene(h: int, w: int) -> np.ndarray:
    """A feathered ellipse cut by the image's left and top edges, hard rectangles, a grey
    band, a hole, lone pixels in the corners and a thin line."""
    m = np.zeros((h, w), np.uint8)
    cv2.ellipse(m, (w // 8, h // 10), (w // 3, h // 3), 0, 0, 360, 255, -1)
    m = masks._feathered(m, 9)
    m[h // 2 : h // 2 + 90, w // 2 : w // 2 + 140] = 255
    m[h // 2 + 30 : h // 2 + 50, w // 2 + 40 : w // 2 + 60] = 0
    m[h - 40 : h - 10, 20 : w - 20] = 140
    m[0, w - 1] = m[h - 1, 0] = m[h - 1, w - 1] = 255
    m[h // 3, w // 2 :] = 255
    return m


def reference(m: np.ndarray, px: int) -> np.ndarray:
    """A float64 Gaussian of sigma px / 3, its kernel cut at px, the border repeating the
    edge pixels: the feather's blur by its definition."""
    sigma = px / 3
    d = np.arange(-px, px + 1, dtype=np.float64)
    k = np.exp(-(d**2) / (2 * sigma**2))
    k /= k.sum()
    padded = np.pad(m.astype(np.float64), px, mode="edge")
    rows = cv2.filter2D(padded, cv2.CV_64F, k[None, :], borderType=cv2.BORDER_CONSTANT)
    both = cv2.filter2D(rows, cv2.CV_64F, k[:, None], borderType=cv2.BORDER_CONSTANT)
    return both[px:-px, px:-px]


@pytest.mark.parametrize("px", [6, 23, 24, 25, 40, 64, 100])
@pytest.mark.parametrize("shape", [(420, 560), (421, 563)])
def test_the_blur_is_within_two_levels_of_a_float64_gaussian(
    px: int, shape: tuple[int, int]
) -> None:
    m = scene(*shape)
    h, w = shape
    error = np.abs(blurred(m, (0, 0, w, h), px).astype(np.float64) - reference(m, px))
    if px < HALF_FROM:  # the exact Gaussian: rounding only
        assert error.max() <= 0.5 + 1e-6
    else:  # measured: max 1.0-1.4 levels, mean 0.13-0.26 (white noise: max 2.0)
        assert error.max() <= 1.5
        assert error.mean() <= 0.35  # rounding alone gives 0.25 where all is soft


def test_white_noise_stays_within_two_levels_too() -> None:
    """Detail finer than the halving keeps: the worst case for the half resolution."""
    rng = np.random.default_rng(1)
    m = rng.integers(0, 256, (301, 403), dtype=np.uint8)
    for px in (24, 25, 40, 64):
        got = blurred(m, (0, 0, 403, 301), px).astype(np.float64)
        assert np.abs(got - reference(m, px)).max() <= 2.5


@settings(max_examples=60, deadline=None)
@given(
    px=st.sampled_from([5, 23, 24, 27, 40]),
    shape=st.tuples(st.integers(1, 130), st.integers(1, 130)),
    corners=st.tuples(*(st.floats(0, 1),) * 4),
    seed=st.integers(0, 1000),
)
def test_any_rectangle_gets_the_whole_masks_values(
    px: int, shape: tuple[int, int], corners: tuple[float, ...], seed: int
) -> None:
    h, w = shape
    rng = np.random.default_rng(seed)
    m = np.zeros(shape, np.uint8)
    for _ in range(3):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        m[y : y + int(rng.integers(1, 60)), x : x + int(rng.integers(1, 60))] = rng.integers(1, 256)
    whole = blurred(m, (0, 0, w, h), px)
    x0, x1 = sorted(min(w - 1, int(c * w)) for c in corners[:2])
    y0, y1 = sorted(min(h - 1, int(c * h)) for c in corners[2:])
    x1, y1 = x1 + 1, y1 + 1
    np.testing.assert_array_equal(blurred(m, (x0, y0, x1, y1), px), whole[y0:y1, x0:x1])


def test_a_flat_mask_stays_flat_and_the_reach_bounds_the_window() -> None:
    for value in (0, 1, 128, 255):
        flat = np.full((97, 131), value, np.uint8)
        assert (blurred(flat, (0, 0, 131, 97), 40) == value).all()
    m = np.zeros((300, 300), np.uint8)
    m[146:155, 146:155] = 255
    soft = blurred(m, (0, 0, 300, 300), 40)
    ys, xs = np.nonzero(soft)
    assert 0 < max(np.abs(ys - 150).max(), np.abs(xs - 150).max()) - 4 <= blur_reach(40)
    assert mask_blur.blur_reach(10) == 10  # exact below HALF_FROM: the kernel's own half
