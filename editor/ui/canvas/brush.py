"""Brush strokes stamped into the numpy mask at source resolution.

A stroke is a chain of round dabs spaced a quarter of the radius apart, so fast
mouse moves leave no gaps. Painting max-blends each dab (``mask = max(mask, dab)``),
erasing min-blends (``mask = min(mask, 255 - dab)``): overlapping soft dabs never
build up beyond their own value. The stroke keeps a copy of every 256 x 256 tile
before its first change, so the undo patch (only the changed rectangle) is cheap to
build when the stroke ends.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from editor.core.mask_history import TileBackup

TILE = 256
SPACING = 0.25  # dab spacing as a fraction of the radius

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


def quantize_radius(radius: float) -> float:
    """Round a radius so pressure strokes reuse a bounded set of cached stamps."""
    radius = max(0.5, float(radius))
    step = 0.25 if radius < 25 else radius / 100
    return round(round(radius / step) * step, 3)


@lru_cache(maxsize=96)
def dab_stamp(radius: float, hardness: float) -> np.ndarray:
    """A (2R+1) x (2R+1) uint8 disk centred on its middle pixel.

    Pixels within ``radius * hardness`` of the centre are 255; beyond that the value
    falls smoothly (smoothstep) to 0 at ``radius``. Hardness 1 gives a crisp binary disk.
    """
    big_r = math.ceil(radius)
    d = np.arange(-big_r, big_r + 1, dtype=np.float32)
    dist = np.sqrt(d[None, :] ** 2 + d[:, None] ** 2)
    core = radius * min(1.0, max(0.0, hardness))
    if core >= radius - 1e-6:
        stamp = (dist <= radius).astype(np.uint8) * 255
    else:
        t = np.clip((radius - dist) / (radius - core), 0.0, 1.0)
        stamp = np.rint(t * t * (3.0 - 2.0 * t) * 255.0).astype(np.uint8)
    stamp[big_r, big_r] = 255  # a dab always covers the pixel under the pointer
    stamp.setflags(write=False)
    return stamp


@lru_cache(maxsize=96)
def _erase_stamp(radius: float, hardness: float) -> np.ndarray:
    inv = 255 - dab_stamp(radius, hardness)
    inv.setflags(write=False)
    return inv


class MaskStroke:
    """One brush or eraser stroke on ``mask`` (modified in place as dabs land)."""

    def __init__(self, mask: np.ndarray, *, erase: bool) -> None:
        self.mask = mask
        self.erase = erase
        self._backup = TileBackup(mask, TILE)
        self._bounds: Rect | None = None
        self._last: tuple[float, float, float] | None = None  # x, y, radius
        self._carry = 0.0  # distance travelled since the last dab

    @property
    def last_point(self) -> tuple[float, float] | None:
        """Source position of the last dab, or None before the first."""
        return None if self._last is None else (self._last[0], self._last[1])

    def dab(self, x: float, y: float, radius: float, hardness: float) -> Rect | None:
        """Stamp one dab centred on source point (x, y); return the rectangle it touched."""
        h, w = self.mask.shape
        r = quantize_radius(radius)
        big_r = math.ceil(r)
        cx, cy = math.floor(x), math.floor(y)
        x0, y0 = max(0, cx - big_r), max(0, cy - big_r)
        x1, y1 = min(w, cx + big_r + 1), min(h, cy + big_r + 1)
        if x0 >= x1 or y0 >= y1:
            return None
        self._save_tiles(x0, y0, x1, y1)
        sx, sy = x0 - (cx - big_r), y0 - (cy - big_r)
        target = self.mask[y0:y1, x0:x1]
        if self.erase:
            stamp = _erase_stamp(r, hardness)[sy : sy + y1 - y0, sx : sx + x1 - x0]
            np.minimum(target, stamp, out=target)
        else:
            stamp = dab_stamp(r, hardness)[sy : sy + y1 - y0, sx : sx + x1 - x0]
            np.maximum(target, stamp, out=target)
        rect = (x0, y0, x1, y1)
        self._bounds = rect if self._bounds is None else union(self._bounds, rect)
        return rect

    def line_to(self, x: float, y: float, radius: float, hardness: float) -> Rect | None:
        """Continue the stroke to (x, y) with dabs every quarter radius; radius is
        interpolated from the previous point (pressure). Returns the touched rectangle."""
        if self._last is None:
            self._last = (x, y, radius)
            self._carry = 0.0
            return self.dab(x, y, radius, hardness)
        lx, ly, lr = self._last
        dist = math.hypot(x - lx, y - ly)
        if dist == 0.0:
            self._last = (x, y, radius)
            return None
        # what the dabs may cover, as it was: the rectangle returned is of the pixels they
        # changed, all the display has to show again (a moving dab changes little more
        # than its leading half; going over painted pixels, nothing)
        h, w = self.mask.shape
        big_r = math.ceil(max(lr, radius)) + 1
        bx0, by0 = max(0, math.floor(min(lx, x)) - big_r), max(0, math.floor(min(ly, y)) - big_r)
        bx1 = min(w, math.floor(max(lx, x)) + big_r + 1)
        by1 = min(h, math.floor(max(ly, y)) + big_r + 1)
        before = self.mask[by0:by1, bx0:bx1].copy()
        touched: Rect | None = None
        travelled = 0.0
        while True:
            t_r = lr + (radius - lr) * (travelled / dist)
            spacing = max(0.5, t_r * SPACING)
            step = max(0.0, spacing - self._carry)
            if travelled + step > dist:
                self._carry += dist - travelled
                break
            travelled += step
            self._carry = 0.0
            t = travelled / dist
            rect = self.dab(lx + (x - lx) * t, ly + (y - ly) * t, lr + (radius - lr) * t, hardness)
            if rect is not None:
                touched = rect if touched is None else union(touched, rect)
        self._last = (x, y, radius)
        if touched is None:
            return None
        return _changed(before, self.mask, (bx0, by0), touched)

    def finish(self) -> tuple[Rect, np.ndarray, np.ndarray] | None:
        """End the stroke: (rect, before, after) of the pixels that changed, or None."""
        if self._bounds is None:
            return None
        return self._backup.changes(*self._bounds)

    def _save_tiles(self, x0: int, y0: int, x1: int, y1: int) -> None:
        self._backup.save(x0, y0, x1, y1)


def _changed(before: np.ndarray, mask: np.ndarray, at: tuple[int, int], rect: Rect) -> Rect | None:
    """The part of ``rect`` of ``mask`` that differs from ``before`` (a copy of the mask
    from ``at`` that covers ``rect``), or None."""
    x0, y0, x1, y1 = rect
    ax, ay = at
    diff = before[y0 - ay : y1 - ay, x0 - ax : x1 - ax] != mask[y0:y1, x0:x1]
    rows = np.flatnonzero(diff.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(diff[rows[0] : rows[-1] + 1].any(axis=0))
    return x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1


def union(a: Rect, b: Rect) -> Rect:
    """Smallest rectangle containing both."""
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
