"""Undo records for edits of the whole mask, small at any photo size.

A full-mask operation (invert, clear, fill, grow, shrink, feather, a loaded mask) may
change pixels anywhere, but it changes them in large flat areas. ``TileRecord`` keeps,
for each 256 x 256 tile that changed, its before and after pixels, each as one value
when the tile is flat (the inside and the outside of a mask) and as raw bytes only on
the mask's edges; undo and redo write those tiles back in place (a memset per flat
tile). ``RectRecord`` keeps the rectangles a grow, shrink or feather near the edges
wrote, their old pixels and the values written. ``InvertRecord`` stores nothing: an
invert is its own inverse.

Both are written to the mask by ``apply`` in place and return the rectangle they
touched; they only read and write numpy arrays (no Qt), so a worker thread can apply
them while the UI thread stays free.
"""

from __future__ import annotations

import zlib

import cv2
import numpy as np

from editor.core.boxes import paste_overlap

TILE = 256
Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)
TileValue = int | np.ndarray | bytes  # a flat tile's value, its pixels, or them zlib'd
Run = tuple[int, int, int, TileValue]  # ty, tx0, tx1: flat tiles of one value, or one tile


def _flat(tile: np.ndarray) -> int | None:
    """A tile's one value, or None when it holds more than one (OpenCV reads a strided
    tile in one pass for both ends)."""
    lo, hi = cv2.minMaxLoc(tile)[:2]
    return int(lo) if lo == hi else None


def _pack(tile: np.ndarray) -> TileValue:
    """A flat tile as its one value, else a copy of its pixels."""
    value = _flat(tile)
    return np.array(tile, copy=True) if value is None else value


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(cv2.norm(a, b, cv2.NORM_INF) == 0)


def _nbytes(value: TileValue) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    return len(value) if isinstance(value, bytes) else 1


def _squeeze(value: TileValue) -> TileValue:
    if isinstance(value, np.ndarray):
        return zlib.compress(np.ascontiguousarray(value).data, 1)
    return value


def _unsqueeze_into(target: np.ndarray, value: TileValue) -> None:
    """Write a value ``_squeeze`` may have zlib'd into ``target`` (a view of the mask)."""
    if isinstance(value, bytes):
        value = np.frombuffer(zlib.decompress(value), np.uint8).reshape(target.shape)
    target[...] = value


class TileRecord:
    """Before and after pixels of the tiles an edit changed (flat tiles as one value)."""

    def __init__(self, shape: tuple[int, int], tiles: list[tuple[int, int, TileValue, TileValue]]):
        self.shape = shape
        self._tiles = tiles  # (ty, tx, before, after)
        ys = [t[0] for t in tiles]
        xs = [t[1] for t in tiles]
        h, w = shape
        self.rect: Rect = (
            min(xs) * TILE,
            min(ys) * TILE,
            min(w, (max(xs) + 1) * TILE),
            min(h, (max(ys) + 1) * TILE),
        )

    _held: int | None = None

    @property
    def nbytes(self) -> int:
        """Memory held (a flat tile counts one byte per side); kept once counted (the
        history sums every step's at each new step: thousands of tiles on the UI thread)."""
        if self._held is None:
            self._held = sum(_nbytes(b) + _nbytes(a) for _y, _x, b, a in self._tiles)
        return self._held

    @property
    def tiles(self) -> int:
        return len(self._tiles)

    def compress(self) -> None:
        """zlib the tiles held as pixels (the edge of a mask: mostly flat runs), one tile
        at a time, so ``apply`` may run meanwhile (in a worker: zlib releases the lock)."""
        for i, (ty, tx, before, after) in enumerate(self._tiles):
            self._tiles[i] = (ty, tx, _squeeze(before), _squeeze(after))
        self._held = None

    def apply(self, mask: np.ndarray, which: str) -> Rect:
        """Write the ``which`` ("before" or "after") pixels into ``mask`` in place: each
        run of flat tiles of one value in a row of tiles as one fill."""
        for ty, tx0, tx1, value in self.runs(which):
            target = mask[ty * TILE : (ty + 1) * TILE, tx0 * TILE : tx1 * TILE]
            _unsqueeze_into(target, value)
        return self.rect

    def boxes(self) -> list[Rect]:
        """None: ``runs`` says which tiles were written."""
        return []

    def runs(self, which: str) -> list[Run]:
        """The ``which`` side as (ty, tx0, tx1, value): a run of adjacent flat tiles of
        one value in a row of tiles, or one tile of pixels (tx1 = tx0 + 1)."""
        side = 2 if which == "before" else 3
        runs: list[Run] = []
        for tile in self._tiles:  # in row-major order
            ty, tx, value = tile[0], tile[1], tile[side]
            if runs and isinstance(value, int):
                rty, rtx0, rtx1, rvalue = runs[-1]
                if rty == ty and rtx1 == tx and isinstance(rvalue, int) and rvalue == value:
                    runs[-1] = (ty, rtx0, tx + 1, value)
                    continue
            runs.append((ty, tx, tx + 1, value))
        return runs


class InvertRecord:
    """An invert of the whole mask: undo and redo invert it again (nothing stored)."""

    nbytes = 0

    def compress(self) -> None:
        """Nothing to compress."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape = shape
        self.rect: Rect = (0, 0, shape[1], shape[0])

    def runs(self, which: str) -> list[Run]:
        """Nothing is flat: the caller refreshes the whole rectangle."""
        return []

    def boxes(self) -> list[Rect]:
        """The whole mask is written: its rectangle."""
        return []

    def apply(self, mask: np.ndarray, which: str) -> Rect:
        """Invert ``mask`` in place (``which`` does not matter: its own inverse)."""
        np.subtract(255, mask, out=mask)
        return self.rect


class RectRecord:
    """The rectangles an edit near a mask's edges wrote (a grow, shrink or feather by
    ``edge_changes``), each with its pixels before and the values written: no per-tile
    copies and comparisons (~45 ms for a feather of a 100 MP mask), one copy of the
    rectangles' old pixels. Overlapping rectangles hold the same values where they
    overlap, so any order of writing gives the same mask."""

    def __init__(self, mask: np.ndarray, changes: list[tuple[Rect, np.ndarray]]) -> None:
        """``changes`` ((x0, y0, x1, y1), values) not yet written into ``mask``."""
        self.shape = (int(mask.shape[0]), int(mask.shape[1]))
        self._rects = [rect for rect, _values in changes]
        self._before: list[TileValue] = [
            mask[y0:y1, x0:x1].copy() for x0, y0, x1, y1 in self._rects
        ]
        self._after: list[TileValue] = [values for _rect, values in changes]
        xs0, ys0, xs1, ys1 = zip(*self._rects, strict=True)
        self.rect: Rect = (min(xs0), min(ys0), max(xs1), max(ys1))

    @property
    def nbytes(self) -> int:
        return sum(_nbytes(v) for v in (*self._before, *self._after))

    @property
    def tiles(self) -> int:
        return len(self._rects)

    def compress(self) -> None:
        """zlib the pixels, a rectangle at a time (``apply`` may run meanwhile)."""
        for side in (self._before, self._after):
            for i, value in enumerate(side):
                side[i] = _squeeze(value)

    def apply(self, mask: np.ndarray, which: str) -> Rect:
        """Write the ``which`` ("before" or "after") pixels into ``mask`` in place."""
        for (x0, y0, x1, y1), value in zip(self._rects, self._side(which), strict=True):
            target = mask[y0:y1, x0:x1]
            _unsqueeze_into(target, value)
        return self.rect

    def _side(self, which: str) -> list[TileValue]:
        return self._before if which == "before" else self._after

    def runs(self, which: str) -> list[Run]:
        """No tiles: ``boxes`` says where it wrote."""
        return []

    def boxes(self) -> list[Rect]:
        """The rectangles ``apply`` writes."""
        return list(self._rects)


MaskRecord = TileRecord | InvertRecord | RectRecord


def diff_tiles(old: np.ndarray, new: np.ndarray) -> TileRecord | None:
    """The tiles where ``new`` differs from ``old`` (same shape), or None when equal."""
    h, w = old.shape

    def row(ty: int) -> list[tuple[int, int, TileValue, TileValue]]:
        pairs = ((tx, _tile(old, ty, tx), _tile(new, ty, tx)) for tx in range(-(-w // TILE)))
        return [(ty, tx, _pack(a), _pack(b)) for tx, a, b in pairs if not _same(a, b)]

    tiles = [tile for ty in range(-(-h // TILE)) for tile in row(ty)]
    return TileRecord((h, w), tiles) if tiles else None


def constant(values: np.ndarray) -> int | None:
    """The one value of an array that repeats it without storage (``np.broadcast_to``),
    else None."""
    return int(values.flat[0]) if values.size and not any(values.strides) else None


def record_changes(
    mask: np.ndarray, changes: list[tuple[Rect, np.ndarray]]
) -> TileRecord | RectRecord | None:
    """The record of writing ``changes`` ((x0, y0, x1, y1), new values) into ``mask``
    (not yet written). Values of pixels (a grow, shrink or feather) as a ``RectRecord``.
    Values that are one value broadcast (a clear or fill) cost no pixels: only the tiles
    they overlap are read, a row of tiles at a time; a tile they cover is recorded as
    that value, and only a tile that is not already that value at all."""
    if not changes:
        return None
    if all(constant(values) is None for _rect, values in changes):
        return RectRecord(mask, changes)
    rows: dict[int, list[tuple[Rect, np.ndarray]]] = {}
    for change in changes:
        (_x0, y0, _x1, y1), _values = change
        for ty in range(y0 // TILE, (y1 - 1) // TILE + 1):
            rows.setdefault(ty, []).append(change)
    # in this thread: the per-tile bookkeeping is interpreter work, which two threads
    # would hold the interpreter lock with almost all the time (the UI thread waiting)
    tiles = [tile for ty in sorted(rows) for tile in _row_changes(mask, ty, rows[ty])]
    return TileRecord(mask.shape, tiles) if tiles else None


def _row_changes(
    mask: np.ndarray, ty: int, changes: list[tuple[Rect, np.ndarray]]
) -> list[tuple[int, int, TileValue, TileValue]]:
    """``record_changes`` for the tiles of row ``ty``."""
    new_tiles: dict[int, np.ndarray | int] = {}
    ty0 = ty * TILE
    for (x0, y0, x1, y1), values in changes:
        value = constant(values)
        for tx in range(x0 // TILE, (x1 - 1) // TILE + 1):
            tx0 = tx * TILE
            th, tw = _tile(mask, ty, tx).shape
            iy0, iy1 = max(y0, ty0), min(y1, ty0 + th)
            ix0, ix1 = max(x0, tx0), min(x1, tx0 + tw)
            if value is not None and (iy1 - iy0, ix1 - ix0) == (th, tw):
                new_tiles[tx] = value
                continue
            tile = new_tiles.get(tx)
            if tile is None:
                tile = new_tiles[tx] = _tile(mask, ty, tx).copy()
            elif isinstance(tile, int):
                tile = new_tiles[tx] = np.full((th, tw), tile, np.uint8)
            paste_overlap(tile, (tx0, ty0, tx0 + tw, ty0 + th), values, (x0, y0, x1, y1))
    tiles: list[tuple[int, int, TileValue, TileValue]] = []
    for tx, new in sorted(new_tiles.items()):
        old = _tile(mask, ty, tx)
        if isinstance(new, int):
            before = _flat(old)
            if before != new:
                tiles.append((ty, tx, np.array(old, copy=True) if before is None else before, new))
        elif not _same(old, new):
            after = _flat(new)  # ``new`` is this record's own copy: kept as it is
            tiles.append((ty, tx, _pack(old), new if after is None else after))
    return tiles


def _tile(mask: np.ndarray, ty: int, tx: int) -> np.ndarray:
    return mask[ty * TILE : (ty + 1) * TILE, tx * TILE : (tx + 1) * TILE]
