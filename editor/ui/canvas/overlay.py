"""What the canvas draws: the photo pyramid, the mask colour overlay and the mask edge.

- ``PhotoLayer``: the photo's own array shown through a QImage view (no copy), plus
  box-filtered half-size 32-bit levels (built in a worker for the canvas's photo) so
  zoomed-out views stay smooth and cheap.
- ``MaskOverlay``: the mask itself drawn as an Indexed8 QImage (zero copy) whose colour
  table is the overlay colour with alpha = mask value, plus half-size mask levels
  refreshed in the rectangle a stroke touched; opacity is applied when drawing.
- ``EdgeLayer`` (in ``edge``): a dashed black/white line along the mask's 50 % contour
  in widget pixels (an ARGB32 cache per view, refreshed in dirty rectangles).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from . import mask_levels
from .edge import EdgeLayer, edge_colours
from .mask_levels import any_set, half_level
from .overlay_colors import OVERLAY_PRESETS, contrasting_color, hue_crowding
from .photo_layer import PhotoLayer, clip_rect, level_index

__all__ = [
    "OVERLAY_PRESETS",
    "EdgeLayer",
    "MaskOverlay",
    "PhotoLayer",
    "contrasting_color",
    "edge_colours",
    "hue_crowding",
    "level_index",
]

DEFAULT_OVERLAY_COLOR = QColor(255, 32, 96)  # saturated crimson: rare in skin, sky, foliage
DEFAULT_OVERLAY_OPACITY = 0.5
ARGB_LEVEL_PIXELS = 1 << 23  # mask levels up to 8 MP also keep a 32-bit copy to draw


class _Level:
    """One resolution of the mask, drawn through QImage views of its own bytes (no copy):
    Indexed8 with the overlay colour table (alpha = mask value) and Grayscale8. A small
    level (the one drawn at fit and below) also keeps a premultiplied ARGB32 copy: Qt
    draws that ~4x faster than Indexed8, and it costs a few MB. Level 0 (the live mask,
    drawn only zoomed in, a screenful at most) never does."""

    def __init__(
        self, mask: np.ndarray, table: list[int], *, small: bool, blank: bool = False
    ) -> None:
        h, w = mask.shape
        self.mask = mask
        self.buffer: np.ndarray | None = None
        self._blank = blank  # the mask is known to be all zero (until ``update``)
        if small and mask.size <= ARGB_LEVEL_PIXELS:
            self.buffer = np.zeros((h, w), np.uint32)  # zero pages: free until written
            self._written = False
            fmt = QImage.Format.Format_ARGB32_Premultiplied
            self.image = QImage(self.buffer.data, w, h, w * 4, fmt)
        else:
            self.image = QImage(mask.data, w, h, w, QImage.Format.Format_Indexed8)
        self.set_table(table)
        self.mask_image = QImage(mask.data, w, h, w, QImage.Format.Format_Grayscale8)

    def set_table(self, table: list[int]) -> None:
        if self.buffer is None:
            self.image.setColorTable(table)
            return
        self._lut = _premultiplied(table)
        self.update(0, 0, self.mask.shape[1], self.mask.shape[0])

    def fill(self, x0: int, y0: int, x1: int, y1: int, value: int) -> None:
        """Set (x0, y0) .. (x1, y1) to one mask value (and its colour in the ARGB copy)."""
        self.mask[y0:y1, x0:x1] = value
        if self.buffer is not None:
            self.buffer[y0:y1, x0:x1] = self._lut[value]

    def update(self, x0: int, y0: int, x1: int, y1: int) -> None:
        """Bring the ARGB copy (if any) up to date in (x0, y0) .. (x1, y1)."""
        if self.buffer is not None:
            region, mask = self.buffer[y0:y1, x0:x1], self.mask[y0:y1, x0:x1]
            blank, self._blank = self._blank, False
            if blank or (region.size > 1 << 16 and not any_set(mask)):  # e.g. a new mask
                if self._written or self._lut[0]:  # one colour: a fill, no lookups
                    region.fill(self._lut[0])
                    self._written = True
            else:
                np.take(self._lut, mask, out=region, mode="wrap")
                self._written = True


def _premultiplied(table: list[int]) -> np.ndarray:
    argb = np.array(table, dtype=np.uint32)
    a = argb >> 24
    rgb = [((argb >> s) & 0xFF) * a // 255 for s in (16, 8, 0)]
    return (a << 24) | (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]


def _pixel_spans(
    runs: Sequence[tuple[int, int, int, object]],
) -> list[tuple[int, int, int, object]]:
    """``runs`` with adjacent tiles of pixels in a row of tiles joined into one span (the
    value None): one resize and one colour lookup per span and level rather than per
    tile (an edge of a 100 MP mask is hundreds of tiles). Flat runs stay fills."""
    spans: list[tuple[int, int, int, object]] = []
    for ty, tx0, tx1, value in runs:
        pixels = not isinstance(value, int)
        if pixels and spans:
            pty, ptx0, ptx1, pvalue = spans[-1]
            if pty == ty and ptx1 == tx0 and pvalue is None:
                spans[-1] = (ty, ptx0, tx1, None)
                continue
        spans.append((ty, tx0, tx1, None if pixels else value))
    return spans


class MaskOverlay:
    """The mask's colour overlay: the mask's own bytes shown through an Indexed8 colour
    table (alpha = mask value), so it needs no buffer of its own and is always in step.

    Level 0 is the live mask. Like the photo, it has 2x2 box-filtered half-size levels,
    updated in the same dirty rectangles, so a zoomed-out view draws from a small image
    with every painted pixel averaged in. A new colour is a new colour table (instant).
    """

    def __init__(
        self,
        mask: np.ndarray,
        color: QColor = DEFAULT_OVERLAY_COLOR,
        levels: list[np.ndarray] | None = None,
        *,
        blank: bool = False,
    ) -> None:
        self._table = overlay_table(color)
        self.lut = _premultiplied(self._table)  # mask value -> premultiplied ARGB32
        self.mask = mask
        prepared = mask_levels.take_prepared(mask) if levels is None and not blank else None
        if prepared is not None:  # worked out in the thread that loaded it
            levels, blank = prepared
        # known to be all zero (``blank``: a new mask, not read): nothing to draw
        self.empty = blank or (levels is None and not any_set(mask))
        if levels is None:
            levels = mask_levels.mask_pyramid(mask, blank=self.empty)
        self.levels = [
            _Level(m, self._table, small=i > 0, blank=self.empty)
            for i, m in enumerate((mask, *levels))
        ]

    _stale: tuple[int, int, int, int, int] | None = None  # a box, the first level behind
    _faded: tuple[float, np.ndarray, np.ndarray] | None = None  # opacity, lut, faded lut

    def clone(self) -> MaskOverlay:
        """An independent copy (masks copied, not recomputed), e.g. to show a preview of a
        changed mask beside this one."""
        self.flush()
        new = MaskOverlay.__new__(MaskOverlay)
        new.empty = self.empty
        new._table = self._table
        new.lut = self.lut
        new.mask = self.mask.copy()
        new.levels = [
            _Level(new.mask if i == 0 else lv.mask.copy(), self._table, small=i > 0)
            for i, lv in enumerate(self.levels)
        ]
        return new

    def adopt(self, mask: np.ndarray) -> MaskOverlay:
        """This overlay for ``mask``, this one's mask or an equal copy (another source of
        the same photo keeps the mask): the smaller levels move over as they are instead
        of being built again (this one is done)."""
        self.flush()
        new = MaskOverlay.__new__(MaskOverlay)
        new.empty, new._table, new.lut, new.mask = self.empty, self._table, self.lut, mask
        new.levels = [_Level(mask, self._table, small=False), *self.levels[1:]]
        return new

    def color(self) -> QColor:
        """The overlay colour (its alpha aside)."""
        return QColor.fromRgb(self._table[0] & 0xFFFFFF)

    def set_color(self, color: QColor) -> None:
        """Change the colour (each level gets the new colour table; no pixel work)."""
        self._table = overlay_table(color)
        self.lut = _premultiplied(self._table)
        for level in self.levels:
            level.set_table(self._table)

    def faded_lut(self, opacity: float) -> np.ndarray:
        """``lut`` as drawn at ``opacity``: each colour through Qt's own opacity blend
        onto nothing, so an image of these colours drawn opaque gives the very pixels of
        the overlay drawn at ``opacity`` (one blend fewer per repaint zoomed in)."""
        cached = self._faded
        if cached is not None and cached[0] == opacity and cached[1] is self.lut:
            return cached[2]
        fmt = QImage.Format.Format_ARGB32_Premultiplied
        lut = np.ascontiguousarray(self.lut, np.uint32)
        out = np.zeros(lut.size, np.uint32)
        target = QImage(out.data, lut.size, 1, lut.size * 4, fmt)  # alive while painted on
        colours = QImage(lut.data, lut.size, 1, lut.size * 4, fmt)
        p = QPainter(target)
        try:
            p.setOpacity(opacity)
            p.drawImage(0, 0, colours)
        finally:
            p.end()
        self._faded = (opacity, self.lut, out)
        return out

    def refresh_all(self) -> None:
        """Recompute every level from the mask."""
        h, w = self.mask.shape
        self.refresh(QRect(0, 0, w, h))

    def refresh(self, rect: QRect) -> None:
        """Recompute the half-size levels in source rectangle ``rect`` only."""
        box = (rect.left(), rect.top(), rect.left() + rect.width(), rect.top() + rect.height())
        stale = self._stale
        if stale is not None and _within(stale, box):
            self._stale = None
        self.refresh_box(*box)

    def defer(self, rect: QRect, shown: int = 0) -> None:
        """``rect`` of the mask changed during a stroke: recompute the levels up to
        ``shown`` (the one drawn now; 0: none, zoomed in) at once, the smaller ones later,
        once for all such rectangles, when they are drawn or ``flush`` is called."""
        self.empty = False
        x0, y0 = rect.left(), rect.top()
        x1, y1 = x0 + rect.width(), y0 + rect.height()
        if shown >= 1:
            self.refresh_box(x0, y0, x1, y1, stop=shown)
        if shown + 1 >= len(self.levels):
            return
        s = self._stale or (x0, y0, x1, y1, shown + 1)
        self._stale = (min(s[0], x0), min(s[1], y0), max(s[2], x1), max(s[3], y1),
                       min(s[4], shown + 1))  # fmt: skip

    def flush(self) -> None:
        """Recompute the smaller levels where ``defer`` left them behind the mask."""
        stale, self._stale = self._stale, None
        if stale is not None:
            self.refresh_box(*stale[:4], start=stale[4])

    def refresh_box(
        self, x0: int, y0: int, x1: int, y1: int, start: int = 1, stop: int | None = None
    ) -> None:
        """``refresh`` of (x0, y0) .. (x1, y1) without Qt types (a worker thread may call
        it for a mask that the UI thread does not change meanwhile); ``start`` .. ``stop``:
        the levels to recompute (the rectangle is in level 0 pixels)."""
        self.empty = False
        h, w = self.mask.shape
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x0 >= x1 or y0 >= y1:
            return
        for k, (prev, level) in enumerate(zip(self.levels, self.levels[1:], strict=False), 1):
            lh, lw = level.mask.shape
            x0, y0 = x0 // 2, y0 // 2
            x1, y1 = min(lw, (x1 + 1) // 2), min(lh, (y1 + 1) // 2)
            if x0 >= x1 or y0 >= y1 or (stop is not None and k > stop):
                break
            if k >= start:
                half_level(prev.mask, level.mask, x0, y0, x1, y1)
                level.update(x0, y0, x1, y1)

    def refresh_boxes(self, boxes: Sequence[tuple[int, int, int, int]], fine: int = 3) -> None:
        """``refresh_box`` of each (x0, y0, x1, y1) just written (the rectangles a grow or
        feather near the edges wrote) on levels up to ``fine``; the smaller ones (1/16
        size and less: a fraction of a megapixel) once over all the boxes' union."""
        if not boxes:
            return
        for box in boxes:
            self.refresh_box(*box, stop=fine)
        x0s, y0s, x1s, y1s = zip(*boxes, strict=True)
        self.refresh_box(min(x0s), min(y0s), max(x1s), max(y1s), start=fine + 1)

    def refresh_runs(self, runs: Sequence[tuple[int, int, int, object]], tile: int) -> None:
        """Recompute the levels under tiles of ``tile`` px just written: ``runs`` of
        (ty, tx0, tx1, value) where an int value is a run of flat tiles of that value
        (the same value on every level: a fill) and any other a tile of pixels."""
        if not runs:
            return
        self.empty = False
        spans = _pixel_spans(runs)
        k = 1
        while k < len(self.levels) and tile >> k >= 1:
            prev, level = self.levels[k - 1].mask, self.levels[k]
            lh, lw = level.mask.shape
            if (lh, lw) != (prev.shape[0] // 2, prev.shape[1] // 2):
                break  # a level clamped to one row or column: the general way below
            s = tile >> k
            for ty, tx0, tx1, value in spans:
                y0, y1, x0, x1 = ty * s, min(lh, (ty + 1) * s), tx0 * s, min(lw, tx1 * s)
                if y0 >= y1 or x0 >= x1:
                    continue
                if isinstance(value, int):
                    level.fill(x0, y0, x1, y1, value)
                else:
                    half_level(prev, level.mask, x0, y0, x1, y1)
                    level.update(x0, y0, x1, y1)
            k += 1
        if k < len(self.levels):
            ys = [r[0] for r in runs]
            x0, x1 = min(r[1] for r in runs) * tile, max(r[2] for r in runs) * tile
            self.refresh_box(x0, min(ys) * tile, x1, (max(ys) + 1) * tile, start=k)

    def draw(self, p: QPainter, src: QRect, zoom: float, *, as_mask: bool = False) -> None:
        """Draw source rectangle ``src``: the colour overlay, or (``as_mask``) the mask in
        grey. Zoomed in, the few pixels on screen go through a premultiplied ARGB copy,
        which Qt draws scaled several times faster than Indexed8."""
        if zoom >= 1.0 and not as_mask:
            x0, y0, x1, y1 = clip_rect(src, self.mask.shape)
            if x0 < x1 and y0 < y1:
                arr = np.take(self.lut, self.mask[y0:y1, x0:x1])
                fmt = QImage.Format.Format_ARGB32_Premultiplied
                image = QImage(arr.data, x1 - x0, y1 - y0, (x1 - x0) * 4, fmt)
                p.drawImage(QRectF(x0, y0, x1 - x0, y1 - y0), image)
            return
        lv, mx, my = self.level_for(zoom)
        lsrc = QRectF(src.x() * mx, src.y() * my, src.width() * mx, src.height() * my)
        p.drawImage(QRectF(src), lv.mask_image if as_mask else lv.image, lsrc)

    def level_for(self, zoom: float) -> tuple[_Level, float, float]:
        """Level to draw at ``zoom`` (same choice as PhotoLayer): (level, sx, sy)."""
        index = level_index(zoom, len(self.levels))
        if self._stale is not None and index >= self._stale[4]:  # drawn: bring it up to date
            self.flush()
        lv = self.levels[index]
        h, w = self.mask.shape
        return lv, lv.mask.shape[1] / w, lv.mask.shape[0] / h


def _within(inner: tuple[int, ...], outer: tuple[int, ...]) -> bool:
    return (inner[0] >= outer[0] and inner[1] >= outer[1]
            and inner[2] <= outer[2] and inner[3] <= outer[3])  # fmt: skip


def overlay_table(color: QColor) -> list[int]:
    """Indexed8 colour table: ``color`` with alpha = index (mask value)."""
    r, g, b = color.red(), color.green(), color.blue()
    return [(a << 24) | (r << 16) | (g << 8) | b for a in range(256)]
