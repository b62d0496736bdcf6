"""Neighbourhood operations on a large mask, worked out only where they can change it.

A grow, shrink or feather gives each pixel a value computed from the pixels within some
reach of it. Where that whole neighbourhood is flat (inside or outside the painted
area, far from its edge) the value stays what it was. ``by_tiles`` therefore splits the
mask into tiles, keeps every flat tile whose 8 neighbours are flat with the same value,
and runs the operation only on the other tiles, each with a margin of its reach, so the
cost follows the mask's edge rather than its area. The result is exactly the
operation's result on the whole mask as long as ``reach`` bounds how far it looks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TILE = 256


def settled_tiles(mask: np.ndarray, tile: int = TILE) -> np.ndarray:
    """Per tile: True where the tile and its 8 neighbours are flat with the same value
    (neighbours outside the image do not count)."""
    h, w = mask.shape
    starts = np.arange(0, w, tile)
    bands = [mask[y : y + tile] for y in range(0, h, tile)]
    lo = np.stack([np.minimum.reduceat(b.min(axis=0), starts) for b in bands])
    hi = np.stack([np.maximum.reduceat(b.max(axis=0), starts) for b in bands])
    value = np.where(lo == hi, lo.astype(np.int16), np.int16(-1))  # -1: not flat
    padded = np.pad(value, 1, mode="edge")  # outside: the tile itself, i.e. no difference
    settled = value >= 0
    ny, nx = value.shape
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            settled &= padded[1 + dy : 1 + dy + ny, 1 + dx : 1 + dx + nx] == value
    return np.asarray(settled)


def by_tiles(
    mask: np.ndarray,
    reach: int,
    work: Callable[[np.ndarray], np.ndarray],
    tile: int = TILE,
) -> np.ndarray:
    """``work(mask)`` (an operation whose value at a pixel depends only on the pixels
    within ``reach`` <= ``tile`` of it, and keeps a flat neighbourhood's value), worked
    out on the unsettled tiles only, each in a window ``reach`` wider on every side."""
    if reach > tile:
        raise ValueError(f"reach {reach} beyond the tile size {tile}")
    h, w = mask.shape
    out = np.array(mask, dtype=np.uint8, copy=True)
    for ty, tx in np.argwhere(~settled_tiles(mask, tile)).tolist():
        y0, x0 = ty * tile, tx * tile
        y1, x1 = min(h, y0 + tile), min(w, x0 + tile)
        wy0, wx0 = max(0, y0 - reach), max(0, x0 - reach)
        window = mask[wy0 : min(h, y1 + reach), wx0 : min(w, x1 + reach)]
        done = work(window)  # the window's own edges lie beyond the reach
        out[y0:y1, x0:x1] = done[y0 - wy0 : y1 - wy0, x0 - wx0 : x1 - wx0]
    return out
