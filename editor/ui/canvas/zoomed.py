"""Zoomed in (100 % and more), what the canvas shows as widget-sized 32-bit buffers.

Drawing the photo and the overlay through a scaling transform on every paint makes Qt
convert and resample the visible pixels each time: at 400 % a brush dab's repaint
cost several ms, and at 100 % a full repaint converted the whole visible region. Here
the photo (RGB32) and the overlay (premultiplied ARGB32, alpha = mask value) are
sampled once per view into buffers of the widget's size, at the pixel centres as Qt's
nearest sampling and the edge layer do; a paint then copies the exposed rectangle
unscaled. A stroke re-samples only the overlay in its dirty rectangle, a whole-pixel
pan shifts both buffers and samples the uncovered strips.

Zoomed out, the photo and the colour overlay are likewise drawn once per view into
widget-sized buffers (smooth-scaled from their pyramid levels, the overlay at its
opacity), and a paint copies them. Drawing the overlay through Qt's smooth scaling
cost ~5 ms of each zoomed-out paint: now a mask edit samples only its widget
rectangle of the overlay again, and after a full-mask operation a worker samples the
whole view (``scaled_overlay.prepare_scaled_overlay``) and the UI thread adopts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage, QPainter

from .edge import AxisRuns, EdgeLayer
from .scaled_overlay import Render, ScaledOverlay, fill_scaled_overlay, overlay_key, qt_overlay
from .viewport import Viewport, shift_buffer

if TYPE_CHECKING:
    from .overlay import MaskOverlay

BACKGROUND = np.uint32(0xFF303030)  # the canvas's background outside the image


def sample_indices(
    vp: Viewport, start: int, count: int, axis: int, size: int
) -> tuple[np.ndarray, int, int]:
    """Source indices of widget pixels ``start .. start + count`` along ``axis`` (0 = x),
    sampled at pixel centres, and the range [a, b) of those inside the source's ``size``."""
    offset = vp.offset.x() if axis == 0 else vp.offset.y()
    idx = np.floor((np.arange(start, start + count) + 0.5 - offset) / vp.zoom).astype(np.intp)
    a, b = int(np.searchsorted(idx, 0)), int(np.searchsorted(idx, size))
    return idx, a, b


class _Buffer:
    """One widget-sized uint32 buffer and the QImage over its bytes."""

    def __init__(self, fmt: QImage.Format) -> None:
        self.fmt = fmt
        self.buf: np.ndarray | None = None
        self.image: QImage | None = None
        self.key: tuple[object, ...] | None = None
        self.owner: object = None  # the layer sampled (kept so its id is not reused)

    def ready(self, key: tuple[object, ...], owner: object, w: int, h: int) -> bool:
        """Whether the buffer holds ``owner`` sampled for ``key``; otherwise it is
        (re)allocated for a w x h widget and the caller fills it all."""
        if self.key == key and self.buf is not None:  # the key holds the layers' ids
            return True
        if self.buf is None or self.buf.shape != (h, w):
            self.buf = np.empty((h, w), np.uint32)
            self.image = QImage(self.buf.data, w, h, w * 4, self.fmt)
        self.key, self.owner = key, owner
        return False


class ZoomedLayers:
    """The photo and the overlay sampled to widget pixels (see the module text)."""

    def __init__(self) -> None:
        self._photo = _Buffer(QImage.Format.Format_RGB32)
        self._overlay = _Buffer(QImage.Format.Format_ARGB32_Premultiplied)
        self._scaled = _Buffer(QImage.Format.Format_RGB32)  # zoomed out: the photo drawn
        self._scaled_overlay = _Buffer(QImage.Format.Format_ARGB32_Premultiplied)
        self._overlay_dirty: list[QRect] = []  # of the zoomed-out overlay: draw again
        self._axes_key: tuple[object, ...] | None = None
        self._axes_runs: tuple[AxisRuns, AxisRuns] | None = None

    def invalidate(self) -> None:
        """Forget them all (the view changed): they are drawn again at the next paint."""
        self._photo.key = self._overlay.key = self._scaled.key = None
        self._scaled_overlay.key = None

    def invalidate_overlay(self) -> None:
        """Forget the overlay (the mask changed in a way not said rectangle by rectangle)."""
        self._overlay.key = self._scaled_overlay.key = None

    def adopt_scaled_overlay(self, prepared: ScaledOverlay) -> None:
        """Take a worker's zoomed-out overlay (used while the view and overlay match it)."""
        layer = self._scaled_overlay
        layer.key, layer.owner = prepared.key, prepared.owner
        layer.buf, layer.image = prepared.buf, prepared.image
        self._overlay_dirty.clear()

    def scaled_overlay(self, overlay: MaskOverlay, vp: Viewport, opacity: float) -> QImage:
        """Zoomed out: ``overlay`` at ``opacity`` as the view shows it, drawn once per
        view, level, colour and opacity, then again only where the mask changed."""
        w, h = vp.view_size.width(), vp.view_size.height()
        overlay.level_for(vp.zoom)  # its levels brought up to date first (a stroke's)
        layer = self._scaled_overlay
        if not layer.ready(*overlay_key(overlay, vp, overlay.faded_lut(opacity), opacity), w, h):
            self._overlay_dirty = [QRect(0, 0, w, h)]
        dirty, self._overlay_dirty = self._overlay_dirty, []
        for r in dirty:
            self._resample_overlay(vp, r)
        assert layer.image is not None
        return layer.image

    def _resample_overlay(self, vp: Viewport, r: QRect) -> None:
        """Draw widget rectangle ``r`` of the zoomed-out overlay again: through Qt where
        it is large, with ``fill_scaled_overlay``'s single lookup where it is small."""
        layer = self._scaled_overlay
        overlay, _level, lut, opacity = layer.owner  # type: ignore[misc]
        if r.width() * r.height() >= 1 << 16:
            self._render(layer, qt_overlay(overlay, vp, opacity), r)
        else:
            fill_scaled_overlay(layer.buf, overlay, vp, lut, r)  # type: ignore[arg-type]

    def photo_image(self, array: np.ndarray, layer: object, vp: Viewport) -> QImage:
        """The photo (H x W x 3 RGB, the pixels of ``layer``) as the widget shows it."""
        w, h = vp.view_size.width(), vp.view_size.height()
        if not self._photo.ready((*vp.key(), id(array), id(layer)), (array, layer), w, h):
            self._fill_photo(array, vp, QRect(0, 0, w, h))
        assert self._photo.image is not None
        return self._photo.image

    def overlay_image(self, mask: np.ndarray, lut: np.ndarray, vp: Viewport) -> QImage:
        """The overlay of ``mask`` (colours ``lut`` by mask value) as the widget shows it."""
        w, h = vp.view_size.width(), vp.view_size.height()
        if not self._overlay.ready((*vp.key(), id(mask), id(lut)), (mask, lut), w, h):
            self._fill_overlay(mask, lut, vp, QRect(0, 0, w, h))
        assert self._overlay.image is not None
        return self._overlay.image

    def scaled_photo(self, level: object, vp: Viewport, render: Render) -> QImage:
        """Zoomed out: the photo as ``render(painter, widget_rect)`` draws it (from pyramid
        ``level``, smooth-scaled), drawn once per view and level."""
        w, h = vp.view_size.width(), vp.view_size.height()
        if not self._scaled.ready((*vp.key(), id(level)), (level, render), w, h):
            self._render(self._scaled, render, QRect(0, 0, w, h))
        assert self._scaled.image is not None
        return self._scaled.image

    def _render(self, layer: _Buffer, render: Render, r: QRect) -> None:
        assert layer.image is not None
        p = QPainter(layer.image)
        try:
            render(p, r)
        finally:
            p.end()

    def mask_changed(
        self, mask: np.ndarray, vp: Viewport, widget_rect: QRect, edges: EdgeLayer | None
    ) -> None:
        """The mask changed under ``widget_rect``: re-sample the overlay there, and the
        edge cache ``edges`` (if given) from the same samples."""
        if self._scaled_overlay.key is not None:
            self._overlay_dirty.append(QRect(widget_rect))
        owner = self._overlay.owner
        lut = None
        if self._overlay.key is not None and isinstance(owner, tuple) and owner[0] is mask:
            lut = owner[1]
        elif self._overlay.key is not None:
            self._overlay.key = None
        w, h = vp.view_size.width(), vp.view_size.height()
        r = widget_rect.intersected(QRect(0, 0, w, h))
        if r.isEmpty():
            return
        x0, y0, w, h = r.left(), r.top(), r.width(), r.height()
        ax, ay = self._axes(mask, vp)
        runs = ax.part(x0, w + 1), ay.part(y0, h + 1)  # one beyond: the edge's neighbours
        if vp.zoom < 1.0:  # each widget pixel its own sample: only the runs to share
            if lut is not None:
                self._fill_overlay(mask, lut, vp, r)
            if edges is not None:
                edges.update(mask, vp, r, runs)
            return
        (ux, fx, lx), (uy, fy, ly) = runs
        # zoomed in, the runs sample consecutive source pixels (-1 and the size: outside)
        mh, mw = mask.shape
        i0, i1 = int(ux[0] < 0), ux.size - int(ux[-1] >= mw)
        j0, j1 = int(uy[0] < 0), uy.size - int(uy[-1] >= mh)
        crop = mask[int(uy[j0]) : int(uy[j0]) + j1 - j0, int(ux[i0]) : int(ux[i0]) + i1 - i0]
        whole = (i0, j0, i1, j1) == (0, 0, ux.size, uy.size)
        if lut is not None:
            colours = np.take(lut, crop)
            if not whole:
                padded = np.zeros((uy.size, ux.size), np.uint32)
                padded[j0:j1, i0:i1] = colours
                colours = padded
            cx, cy = lx - fx, ly - fy
            cx[-1] -= 1  # the sample beyond the rectangle
            cy[-1] -= 1
            out = self._overlay.buf[y0 : y0 + h, x0 : x0 + w]  # type: ignore[index]
            out[...] = np.repeat(np.repeat(colours, cx, axis=1), cy, axis=0)
        if edges is not None:
            grid = crop >= 128
            if not whole:
                padded_grid = np.zeros((uy.size, ux.size), bool)
                padded_grid[j0:j1, i0:i1] = grid
                grid = padded_grid
            edges.update(mask, vp, r, runs, grid)

    def _axes(self, mask: np.ndarray, vp: Viewport) -> tuple[AxisRuns, AxisRuns]:
        """The view's samples along x and y as runs (worked out once per view)."""
        key = (*vp.key(), mask.shape)
        if self._axes_key != key or self._axes_runs is None:
            w, h = vp.view_size.width(), vp.view_size.height()
            mh, mw = mask.shape
            self._axes_runs = (
                AxisRuns(w + 1, vp.offset.x(), vp.zoom, mw),
                AxisRuns(h + 1, vp.offset.y(), vp.zoom, mh),
            )
            self._axes_key = key
        return self._axes_runs

    def scroll(self, dx: int, dy: int, vp: Viewport) -> None:
        """The view was panned by whole pixels (dx, dy): shift both buffers and sample
        only the uncovered strips (``vp`` is already the new view)."""
        self._overlay_dirty = [r.translated(dx, dy) for r in self._overlay_dirty]
        for layer in (self._photo, self._overlay, self._scaled, self._scaled_overlay):
            if layer.key is None or layer.buf is None:
                continue
            strips = shift_buffer(layer.buf, dx, dy)
            if strips is None:
                layer.key = None
                continue
            layer.key = (*vp.key(), *layer.key[5:])
            for strip in strips:
                if layer is self._scaled:
                    self._render(layer, layer.owner[1], strip)  # type: ignore[index]
                elif layer is self._scaled_overlay:
                    self._resample_overlay(vp, strip)
                elif layer is self._photo:
                    self._fill_photo(layer.owner[0], vp, strip)  # type: ignore[index]
                else:
                    mask, lut = layer.owner  # type: ignore[misc]
                    self._fill_overlay(mask, lut, vp, strip)

    # -- sampling -------------------------------------------------------------------------
    def _region(
        self, shape: tuple[int, ...], vp: Viewport, r: QRect
    ) -> tuple[np.ndarray, np.ndarray, int, int, int, int] | None:
        """Clip ``r`` to the widget buffer: (sx, sy, ax, bx, ay, by) as sample_indices."""
        sx, ax, bx = sample_indices(vp, r.left(), r.width(), 0, shape[1])
        sy, ay, by = sample_indices(vp, r.top(), r.height(), 1, shape[0])
        return sx, sy, ax, bx, ay, by

    def _sample(
        self, buf: np.ndarray | None, source: np.ndarray, vp: Viewport, r: QRect, empty: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Widget rectangle ``r`` of ``buf`` cleared to ``empty``, and what covers it:
        (its part on the source, the source crop under it, rows and columns to take
        from the crop); None when the source shows nowhere in ``r``."""
        assert buf is not None
        r = r.intersected(QRect(0, 0, buf.shape[1], buf.shape[0]))
        if r.isEmpty():
            return None
        sx, sy, ax, bx, ay, by = self._region(source.shape, vp, r)  # type: ignore[misc]
        out = buf[r.top() : r.top() + r.height(), r.left() : r.left() + r.width()]
        out[...] = empty
        if ax >= bx or ay >= by:
            return None
        x0, y0 = int(sx[ax]), int(sy[ay])
        crop = source[y0 : int(sy[by - 1]) + 1, x0 : int(sx[bx - 1]) + 1]
        return out[ay:by, ax:bx], crop, sy[ay:by] - y0, sx[ax:bx] - x0

    def _fill_photo(self, array: np.ndarray, vp: Viewport, r: QRect) -> None:
        hit = self._sample(self._photo.buf, array, vp, r, BACKGROUND)
        if hit is not None:
            out, crop, rows, cols = hit
            bgra = cv2.cvtColor(crop, cv2.COLOR_RGB2BGRA).view(np.uint32)[..., 0]
            out[...] = bgra.take(rows, axis=0).take(cols, axis=1)

    def _fill_overlay(self, mask: np.ndarray, lut: np.ndarray, vp: Viewport, r: QRect) -> None:
        hit = self._sample(self._overlay.buf, mask, vp, r, 0)
        if hit is not None:
            out, crop, rows, cols = hit
            np.take(lut, crop.take(rows, axis=0).take(cols, axis=1), out=out)
