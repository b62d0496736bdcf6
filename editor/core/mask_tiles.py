"""Neighbourhood operations on a large mask, worked out only where they can change it.

A grow, shrink or feather gives each pixel a value computed from the pixels within some
reach of it. Where that whole neighbourhood is flat (inside or outside the painted
area, far from its edge) the value stays what it was. The mask is split into small
tiles; ``unsettled_tiles`` finds for each tile whether every pixel within the
operation's reach of it has one same value (a min/max grid of the tiles, eroded and
dilated by the reach counted in tiles), and ``cover_rects`` covers the other tiles with
few rectangles, each worked out in a window ``reach`` wider on every side. A window's
margin is work thrown away, so the cover follows an edge with rectangles tall where it
runs up and down and wide where it runs across, rather than with bands of a fixed
height. The cost follows the mask's edge rather than its area, and the result is
exactly the operation's result on the whole mask as long as ``reach`` bounds how far it
looks.
"""

from __future__ import annotations

import cv2
import numpy as np

from editor.core.threads import pixel_map

TILE = 32  # the flatness grid: small, so a thin edge marks a thin band of work

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


SPLIT_FROM = 4_000_000  # pixels: a larger mask's tile grid is read in two halves at once


def tile_range(mask: np.ndarray, tile: int = TILE) -> tuple[np.ndarray, np.ndarray]:
    """Per tile of ``tile`` x ``tile`` pixels (the last row and column may be smaller):
    its lowest and its highest value, as two (rows, columns) uint8 grids."""
    h = mask.shape[0]
    if mask.size >= SPLIT_FROM and h >= 2 * tile:  # the two halves in the pixel threads
        cut = -(-h // tile) // 2 * tile
        top, bottom = pixel_map(lambda part: _tile_range(part, tile), (mask[:cut], mask[cut:]))
        return np.concatenate((top[0], bottom[0])), np.concatenate((top[1], bottom[1]))
    return _tile_range(mask, tile)


def _tile_range(mask: np.ndarray, tile: int) -> tuple[np.ndarray, np.ndarray]:
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


def _runs(grid: np.ndarray) -> list[list[tuple[int, int]]]:
    """Per row of a 2-D bool array: (start, end) of each run of True."""
    rows, cols = grid.shape
    padded = np.zeros((rows, cols + 2), np.int8)
    padded[:, 1:-1] = grid
    ys, xs = np.nonzero(np.diff(padded, axis=1))  # row-major: a start, then its end
    runs: list[list[tuple[int, int]]] = [[] for _ in range(rows)]
    for y, x0, x1 in zip(ys[::2].tolist(), xs[::2].tolist(), xs[1::2].tolist(), strict=True):
        runs[y].append((x0, x1))
    return runs


def cover_rects(
    unsettled: np.ndarray, shape: tuple[int, int], tile: int = TILE, margin: int = 0
) -> list[Rect]:
    """Rectangles (in pixels) covering every unsettled tile. Row of tiles by row, each run
    of unsettled tiles joins the rectangle above it that it overlaps most, widening it,
    as long as the settled tiles that rectangle then holds cost less than the margin
    (``margin`` pixels on each side) a rectangle of its own would add; else it starts a
    rectangle. The rectangles may overlap where runs split and join again (worked out
    twice there, with the same values)."""
    h, w = shape
    allowance = 2 * margin / tile  # a rectangle's own margin rows, in tile rows
    done: list[list[int]] = []
    above: list[list[int]] = []  # [c0, c1, r0, r1, unsettled tiles held]
    for ty, row in enumerate(_runs(unsettled)):
        here: list[list[int]] = []
        for c0, c1 in row:
            best, overlap = None, 0
            for rect in above + here:
                shared = min(c1, rect[1]) - max(c0, rect[0])
                if shared > overlap:
                    best, overlap = rect, shared
            if best is not None:
                u0, u1 = min(best[0], c0), max(best[1], c1)
                rows = best[3] - best[2] + (best[3] == ty)
                held = best[4] + c1 - c0
                clash = any(r[0] < u1 and u0 < r[1] for r in above + here if r is not best)
                if not clash and (u1 - u0) * rows - held <= allowance * (u1 - u0):
                    best[0], best[1], best[4] = u0, u1, held
                    if best[3] == ty:
                        best[3] = ty + 1
                        above.remove(best)
                        here.append(best)
                    continue
            here.append([c0, c1, ty, ty + 1, c1 - c0])
        done.extend(above)
        above = here
    done.extend(above)
    return [
        (c0 * tile, r0 * tile, min(w, c1 * tile), min(h, r1 * tile)) for c0, c1, r0, r1, _n in done
    ]


def edge_rects(mask: np.ndarray, reach: int, tile: int = TILE) -> list[Rect]:
    """The rectangles where an operation looking ``reach`` far may change ``mask``."""
    return cover_rects(unsettled_tiles(mask, reach, tile), mask.shape, tile, reach)


def window(rect: Rect, reach: int, shape: tuple[int, int]) -> Rect:
    """``rect`` grown by ``reach`` on every side, cut to the image."""
    x0, y0, x1, y1 = rect
    h, w = shape
    return max(0, x0 - reach), max(0, y0 - reach), min(w, x1 + reach), min(h, y1 + reach)
