"""The feather's blur: a Gaussian of sigma px / 3 cut at about px, worked out inside any
rectangle of a mask from a window around it, to the same values as over the whole mask.

Up to ``HALF_FROM`` px it is the exact separable Gaussian (OpenCV, rows then columns).
From there on (sigma >= 8) it runs at half resolution: the mask's 2x2 blocks averaged
(aligned to even image coordinates), a Gaussian of half the sigma (less the spread the
halving and the way back add), and a bilinear way back to full size. That is ~8x less
work (a quarter of the pixels, half the taps) for a result within 2 levels of the true
Gaussian (measured: max 1.0-1.9, mean 0.1-0.3 on masks at 24-100 px; tests/core/
test_mask_blur.py): a wide Gaussian holds nothing fine enough for the halving to lose. Every step
is OpenCV's, each output pixel computed only from its own neighbourhood with integer
(bit-exact) resizes, so a rectangle worked out from its window gets the very values of
the whole mask. The feather's cut to 0 beyond px from the mask (its "reach") is not
here: it stays exact, at full resolution, in ``mask``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

HALF_FROM = 24  # px: feathers this wide and wider are blurred at a lower resolution
_ONE = np.ones((1, 1))  # the kernel of a pass that leaves its direction alone

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


def factor(px: int) -> int:
    """How many pixels along each axis one blurred pixel stands for: 1 below HALF_FROM,
    else 2 (the lower resolution's sigma stays >= 4 of its pixels). Measured: 3 would
    halve the passes again, but OpenCV's resizes by 3 cost 5x those by 2 (no fast path)."""
    return 1 if px < HALF_FROM else 2


def _radius(px: int) -> int:
    """The kernel's half size at the lower resolution: px, rounded up, in its pixels."""
    return -(-px // factor(px))


def blur_reach(px: int) -> int:
    """How far (along each axis) the blur of a feather by ``px`` looks: px exactly; at a
    lower resolution f the kernel's half size and one more pixel each way (the way
    back), in blocks of f, and the block a pixel lies in."""
    f = factor(px)
    return px if f == 1 else f * (_radius(px) + 2) - 1


def _spread(f: int) -> float:
    """The variance (px^2) the f x f average and the bilinear way back add to the blur:
    a box of f, and per output pixel t (1 - t) f^2 at its distance t between two."""
    ts = [((x + 0.5) / f - 0.5) % 1.0 for x in range(f)]
    return (f * f - 1) / 12 + sum(t * (1 - t) for t in ts) / f * f * f


def kernel(px: int) -> np.ndarray:
    """The 1-D Gaussian the blur of a feather by ``px`` applies (at its resolution)."""
    f = factor(px)
    if f == 1:
        return np.asarray(cv2.getGaussianKernel(2 * px + 1, px / 3.0))
    sigma = math.sqrt((px / 3.0) ** 2 - _spread(f)) / f
    return np.asarray(cv2.getGaussianKernel(2 * _radius(px) + 1, sigma))


def blurred(mask: np.ndarray, rect: Rect, px: int, taps: np.ndarray | None = None) -> np.ndarray:
    """The blur of the whole ``mask`` (its border repeating its edge pixels) inside
    ``rect`` only, reading a window ``blur_reach(px)`` wider; ``taps``: ``kernel(px)``."""
    taps = kernel(px) if taps is None else taps
    if factor(px) == 1:
        return _exact(mask, rect, px, taps)
    return _lowered(mask, rect, factor(px), _radius(px), taps)


def _two_passes(area: np.ndarray, cols: slice, rows: slice, taps: np.ndarray) -> np.ndarray:
    """The separable blur of ``area`` (border: its edge repeated) at ``rows`` x ``cols``:
    the row pass on every row (float), the column pass on ``cols`` only (rounded to bytes),
    the very pair of filters ``sepFilter2D`` runs for bytes in one call."""
    float_rows = cv2.sepFilter2D(area, cv2.CV_32F, taps, _ONE, borderType=cv2.BORDER_REPLICATE)
    out = cv2.sepFilter2D(
        float_rows[:, cols], cv2.CV_8U, _ONE, taps, borderType=cv2.BORDER_REPLICATE
    )
    return np.asarray(out[rows])


def _exact(mask: np.ndarray, rect: Rect, px: int, taps: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = rect
    h, w = mask.shape
    wx0, wy0, wx1, wy1 = max(0, x0 - px), max(0, y0 - px), min(w, x1 + px), min(h, y1 + px)
    area = mask[wy0:wy1, wx0:wx1]
    return _two_passes(area, slice(x0 - wx0, x1 - wx0), slice(y0 - wy0, y1 - wy0), taps)


def _lowered(mask: np.ndarray, rect: Rect, f: int, r: int, taps: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = rect
    # on the mask extended for ever by repeating its edge pixels (the exact blur's
    # border), cut into f x f blocks from (0, 0): the low pixels the way back reads for
    # the rectangle (one more on each side), and the window the blur of those reads
    lx0, ly0, lx1, ly1 = x0 // f - 1, y0 // f - 1, -(-x1 // f) + 1, -(-y1 // f) + 1
    bx0, by0, bx1, by1 = lx0 - r, ly0 - r, lx1 + r, ly1 + r
    area = _extended(mask, (f * bx0, f * by0, f * bx1, f * by1))
    # OpenCV's area resize at exactly 1/f is each block's rounded average
    small = cv2.resize(area, (bx1 - bx0, by1 - by0), interpolation=cv2.INTER_AREA)
    soft = _two_passes(small, slice(r, r + lx1 - lx0), slice(r, r + ly1 - ly0), taps)
    # the bit-exact bilinear resize (fixed-point weights) at exactly f times
    size = (f * (lx1 - lx0), f * (ly1 - ly0))
    up = cv2.resize(soft, size, interpolation=cv2.INTER_LINEAR_EXACT)
    return np.asarray(up[y0 - f * ly0 : y1 - f * ly0, x0 - f * lx0 : x1 - f * lx0])


def _extended(mask: np.ndarray, box: Rect) -> np.ndarray:
    """``box`` of ``mask`` extended beyond its edges by repeating its edge pixels."""
    x0, y0, x1, y1 = box
    h, w = mask.shape
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    area = mask[cy0:cy1, cx0:cx1]
    if (cx0, cy0, cx1, cy1) == box:
        return area
    return np.asarray(
        cv2.copyMakeBorder(area, cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1, cv2.BORDER_REPLICATE)
    )
