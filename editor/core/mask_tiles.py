"""Neighbourhood operations on a large mask, worked out only where they can change it.

A grow, shrink or feather gives each pixel a value computed from the pixels within some
reach of it. Where that whole neighbourhood is flat (inside or outside the painted
area, far from its edge) the value stays what it was. ``by_tiles`` therefore splits the
mask into small tiles (32 px), finds for each tile whether every pixel within the
operation's reach of it has one same value (a min/max grid of the tiles, eroded and
dilated by the reach counted in tiles), and runs the operation only on the other tiles,
grouped into bands of rows and runs of adjacent tiles, each worked out in a window
``reach`` wider on every side. The cost follows the mask's edge rather than its area,
and the result is exactly the operation's result on the whole mask as long as
``reach`` bounds how far it looks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cv2
import numpy as np

TILE = 32  # the flatness grid: small, so a thin edge marks a thin band of work
BAND_TILES = 4  # tile rows worked out together (a window's height is BAND * TILE + 2 reach)

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


def tile_range(mask: np.ndarray, tile: int = TILE) -> tuple[np.ndarray, np.ndarray]:
    """Per tile of ``tile`` x ``tile`` pixels (the last row and column may be smaller):
    its lowest and its highest value, as two (rows, columns) uint8 grids."""
    h, w = mask.shape
    starts = np.arange(0, w, tile)
    ny = -(-h // tile)
    lo = np.empty((ny, len(starts)), np.uint8)
    hi = np.empty((ny, len(starts)), np.uint8)
    for ty in range(ny):
        band = mask[ty * tile : (ty + 1) * tile]
        lo[ty] = np.minimum.reduceat(band.min(axis=0), starts)
        hi[ty] = np.maximum.reduceat(band.max(axis=0), starts)
    return lo, hi


def unsettled_tiles(mask: np.ndarray, reach: int, tile: int = TILE) -> np.ndarray:
    """Per tile: True where some pixel within ``reach`` of the tile (inside the image)
    differs from another, i.e. where an operation looking ``reach`` far may change it."""
    lo, hi = tile_range(mask, tile)
    k = -(-max(0, reach) // tile)  # tiles of neighbourhood on each side
    if k:
        kernel = np.ones((2 * k + 1, 2 * k + 1), np.uint8)
        # cv2's default border leaves pixels outside the grid out of the min and max
        lo = cv2.erode(lo, kernel)
        hi = cv2.dilate(hi, kernel)
    return np.asarray(lo != hi)


def work_rects(unsettled: np.ndarray, shape: tuple[int, int], tile: int = TILE) -> Iterator[Rect]:
    """Rectangles (in pixels) covering every unsettled tile: per band of ``BAND_TILES``
    tile rows, each run of columns holding an unsettled tile."""
    h, w = shape
    for b0 in range(0, unsettled.shape[0], BAND_TILES):
        cols = unsettled[b0 : b0 + BAND_TILES].any(axis=0)
        if not cols.any():
            continue
        edges = np.flatnonzero(np.diff(np.concatenate(([0], cols.view(np.int8), [0]))))
        y0, y1 = b0 * tile, min(h, (b0 + BAND_TILES) * tile)
        for c0, c1 in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            yield c0 * tile, y0, min(w, c1 * tile), y1


def changed_by_tiles(
    mask: np.ndarray,
    reach: int,
    work: Callable[[np.ndarray], np.ndarray],
    tile: int = TILE,
) -> Iterator[tuple[Rect, np.ndarray]]:
    """``work(mask)`` (an operation whose value at a pixel depends only on the pixels
    within ``reach`` of it, and keeps a flat neighbourhood's value) as the new values of
    the rectangles where it may differ from ``mask``: (rect, values) pairs, each worked
    out in a window ``reach`` wider on every side. Everywhere else it equals ``mask``."""
    h, w = mask.shape
    for x0, y0, x1, y1 in work_rects(unsettled_tiles(mask, reach, tile), (h, w), tile):
        wy0, wx0 = max(0, y0 - reach), max(0, x0 - reach)
        window = mask[wy0 : min(h, y1 + reach), wx0 : min(w, x1 + reach)]
        done = work(window)  # the window's own edges lie beyond the reach
        yield (x0, y0, x1, y1), done[y0 - wy0 : y1 - wy0, x0 - wx0 : x1 - wx0]


def by_tiles(
    mask: np.ndarray,
    reach: int,
    work: Callable[[np.ndarray], np.ndarray],
    tile: int = TILE,
) -> np.ndarray:
    """``work(mask)`` as a new array, worked out only near the mask's edges (see
    ``changed_by_tiles``)."""
    out = np.array(mask, dtype=np.uint8, copy=True)
    for (x0, y0, x1, y1), values in changed_by_tiles(mask, reach, work, tile):
        out[y0:y1, x0:x1] = values
    return out
