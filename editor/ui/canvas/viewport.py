"""Zoom and pan state of the canvas: the mapping between widget and source pixels.

``screen = source * zoom + offset`` (widget logical pixels). Kept free of widgets so
the mapping can be tested and reused (a compare view can share the same numbers).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize

MIN_ZOOM = 0.01
MAX_ZOOM = 64.0
# Photoshop-like steps for zoom in / zoom out.
ZOOM_STEPS = (
    0.01, 0.02, 0.03, 0.05, 0.0625, 0.0833, 0.125, 0.1667, 0.25, 0.3333, 0.5, 0.6667,
    1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0,
)  # fmt: skip
FIT_MARGIN = 8  # widget pixels left around the image by zoom_fit
# Fit never draws the image's short side thinner than this (a 30000x10 strip would be
# a third of a pixel tall): the long side then overflows and the view pans.
MIN_FIT_SHORT_SIDE = 32


class Viewport:
    """Zoom factor and offset of a source image of ``image_size`` in a widget of ``view_size``."""

    def __init__(self) -> None:
        self.zoom = 1.0
        self.offset = QPointF(0.0, 0.0)
        self.image_size = QSize(0, 0)
        self.view_size = QSize(1, 1)

    def copy(self) -> Viewport:
        """A snapshot of these numbers (e.g. for a worker drawing the view as it is now)."""
        new = Viewport()
        new.zoom, new.offset = self.zoom, QPointF(self.offset)
        new.image_size, new.view_size = QSize(self.image_size), QSize(self.view_size)
        return new

    def key(self) -> tuple[float, ...]:
        """Zoom, offset and widget size: equal keys, the same widget pixels (caches' keys)."""
        size = self.view_size
        return (self.zoom, self.offset.x(), self.offset.y(), size.width(), size.height())

    # --- mapping -----------------------------------------------------------------
    def to_source(self, p: QPointF) -> QPointF:
        """Widget point -> source point (floating, pixel (x, y) spans [x, x+1))."""
        return QPointF((p.x() - self.offset.x()) / self.zoom, (p.y() - self.offset.y()) / self.zoom)

    def from_source(self, p: QPointF) -> QPointF:
        """Source point -> widget point."""
        return QPointF(p.x() * self.zoom + self.offset.x(), p.y() * self.zoom + self.offset.y())

    def rect_from_source(self, r: QRectF) -> QRectF:
        """Source rectangle -> widget rectangle."""
        z = self.zoom
        return QRectF(
            r.x() * z + self.offset.x(), r.y() * z + self.offset.y(), r.width() * z, r.height() * z
        )

    def rect_to_source(self, r: QRectF) -> QRectF:
        """Widget rectangle -> source rectangle."""
        z = self.zoom
        return QRectF(
            (r.x() - self.offset.x()) / z,
            (r.y() - self.offset.y()) / z,
            r.width() / z,
            r.height() / z,
        )

    def widget_rect_of(self, r: QRect, margin: int = 2) -> QRect:
        """Integer widget rectangle covering source rectangle ``r`` (plus ``margin``)."""
        f = self.rect_from_source(QRectF(r))
        x0 = math.floor(f.left()) - margin
        y0 = math.floor(f.top()) - margin
        x1 = math.ceil(f.right()) + margin
        y1 = math.ceil(f.bottom()) + margin
        return QRect(x0, y0, x1 - x0, y1 - y0)

    def visible_source_rect(self, widget_rect: QRect, margin: int = 2) -> QRect:
        """Integer source rectangle (clipped to the image) drawn in ``widget_rect``."""
        f = self.rect_to_source(QRectF(widget_rect))
        x0 = max(0, math.floor(f.left()) - margin)
        y0 = max(0, math.floor(f.top()) - margin)
        x1 = min(self.image_size.width(), math.ceil(f.right()) + margin)
        y1 = min(self.image_size.height(), math.ceil(f.bottom()) + margin)
        return QRect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))

    # --- changing the view -------------------------------------------------------------
    def center(self) -> QPointF:
        """Source point at the centre of the widget."""
        return self.to_source(QPointF(self.view_size.width() / 2, self.view_size.height() / 2))

    def fit_zoom(self) -> float:
        """Zoom that shows the whole image inside the widget."""
        vw = max(1, self.view_size.width() - 2 * FIT_MARGIN)
        vh = max(1, self.view_size.height() - 2 * FIT_MARGIN)
        return fit_zoom(self.image_size.width(), self.image_size.height(), vw, vh)

    def set_view(self, zoom: float, center: QPointF) -> None:
        """Show source point ``center`` in the middle of the widget at ``zoom``."""
        self.zoom = clamp_zoom(zoom)
        self.offset = QPointF(
            self.view_size.width() / 2 - center.x() * self.zoom,
            self.view_size.height() / 2 - center.y() * self.zoom,
        )
        self.clamp_offset()

    def zoom_about(self, zoom: float, anchor: QPointF) -> None:
        """Change zoom keeping the source point under widget point ``anchor`` fixed."""
        src = self.to_source(anchor)
        self.zoom = clamp_zoom(zoom)
        self.offset = QPointF(anchor.x() - src.x() * self.zoom, anchor.y() - src.y() * self.zoom)
        self.clamp_offset()

    def pan(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) widget pixels."""
        self.offset = QPointF(self.offset.x() + dx, self.offset.y() + dy)
        self.clamp_offset()

    def clamp_offset(self) -> None:
        """Keep the image on screen: centred when smaller than the widget, else no gap wider
        than half the widget."""
        ox = _clamp_axis(
            self.offset.x(), self.image_size.width() * self.zoom, self.view_size.width()
        )
        oy = _clamp_axis(
            self.offset.y(), self.image_size.height() * self.zoom, self.view_size.height()
        )
        self.offset = QPointF(ox, oy)


def _clamp_axis(offset: float, content: float, view: float) -> float:
    if content <= view:
        return (view - content) / 2
    slack = view / 2
    return min(slack, max(view - content - slack, offset))


def fit_zoom(iw: float, ih: float, vw: float, vh: float) -> float:
    """Zoom showing an ``iw`` x ``ih`` image whole in ``vw`` x ``vh``, except that its short
    side is never drawn thinner than ``MIN_FIT_SHORT_SIDE`` (nor than the view allows)."""
    if iw <= 0 or ih <= 0:
        return 1.0
    z = min(vw / iw, vh / ih)
    short, room = (ih, vh) if ih <= iw else (iw, vw)
    floor = min(MIN_FIT_SHORT_SIDE, room) / short
    return clamp_zoom(max(z, floor))


def clamp_zoom(z: float) -> float:
    """Limit ``z`` to the supported zoom range."""
    if not math.isfinite(z):
        return 1.0
    return min(MAX_ZOOM, max(MIN_ZOOM, z))


def next_zoom_step(z: float, direction: int) -> float:
    """The next preset zoom above (direction > 0) or below (direction < 0) ``z``."""
    if direction > 0:
        for step in ZOOM_STEPS:
            if step > z * 1.001:
                return step
        return MAX_ZOOM
    for step in reversed(ZOOM_STEPS):
        if step < z / 1.001:
            return step
    return MIN_ZOOM


def shift_buffer(buf: np.ndarray, dx: int, dy: int) -> list[QRect] | None:
    """Shift a widget-sized buffer in place by a whole-pixel pan (dx, dy); the strips
    left uncovered, to be drawn again, or None when nothing of it stays on screen."""
    h, w = buf.shape[:2]
    if abs(dx) >= w or abs(dy) >= h:
        return None
    src = buf[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
    buf[max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)] = src.copy()
    strips = []
    if dy:
        strips.append(QRect(0, 0 if dy > 0 else h + dy, w, abs(dy)))
    if dx:
        strips.append(QRect(0 if dx > 0 else w + dx, 0, abs(dx), h))
    return strips
