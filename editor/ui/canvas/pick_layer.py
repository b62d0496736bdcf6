"""The variant pick brush on the canvas: the composite shown in place of the photo and
the mouse input that paints which source shows where.

- ``CompositeLayer``: what ``CanvasView.show_variant`` draws (the ``PhotoLayer`` shape:
  ``levels``, ``has_alpha``, ``level_for``, ``draw``). Level 0 is a zero-copy QImage view of the
  combiner's composite array, so a stroke needs no full-size conversion; the half-size
  levels are numpy arrays (QImage views) refreshed only inside a stroke's dirty box
  (OpenCV's area resize), so zoomed-out views stay smooth at 100 MP.
- ``PickPath``: turns pointer positions into dab coverage windows, with the mask
  brush's own stamps (``brush.dab_stamp``), radius rounding and spacing.
- ``PickInput``: an event filter on the canvas (like ``selecttools.SelectionInput``):
  while combine mode is on, a left drag paints picks instead of the mask; panning, the
  wheel and the brush-size drag are left to the canvas.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QPainter

from .brush import SPACING, dab_stamp, quantize_radius
from .photo_layer import PYRAMID_MIN_EDGE, level_index
from .tools import is_size_drag

if TYPE_CHECKING:
    from editor.ui.canvas.view import CanvasView

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (end-exclusive), source pixels


def _view(arr: np.ndarray) -> QImage:
    h, w, c = arr.shape
    fmt = QImage.Format.Format_RGBA8888 if c == 4 else QImage.Format.Format_RGB888
    return QImage(arr.data, w, h, w * c, fmt)


class CompositeLayer:
    """The composite as a QImage pyramid over numpy arrays (level k: 1 / 2**k size).

    ``update(box)`` refreshes the half-size levels inside ``box``; it may run in a worker
    thread (the QImages only view the arrays: a paint meanwhile shows the old pixels)."""

    def __init__(self, composite: np.ndarray) -> None:
        if not composite.flags.c_contiguous:
            raise ValueError("the composite must be a contiguous array")
        self.arrays: list[np.ndarray] = [composite]
        while max(self.arrays[-1].shape[:2]) > 2 * PYRAMID_MIN_EDGE:
            prev = self.arrays[-1]
            h, w = max(1, prev.shape[0] // 2), max(1, prev.shape[1] // 2)
            self.arrays.append(cv2.resize(prev, (w, h), interpolation=cv2.INTER_AREA))
        self.has_alpha = composite.shape[2] == 4
        self.levels = [_view(a) for a in self.arrays]

    def level_for(self, zoom: float) -> tuple[QImage, float, float]:
        """Same choice as ``PhotoLayer.level_for``: (image, sx, sy)."""
        img = self.levels[level_index(zoom, len(self.levels))]
        full = self.levels[0]
        return img, img.width() / full.width(), img.height() / full.height()

    def draw(self, p: QPainter, src: QRect, zoom: float) -> None:
        """Draw source rectangle ``src`` like ``PhotoLayer.draw`` (the painter maps
        source pixels): the level the zoom needs, never a full-size conversion."""
        level, sx, sy = self.level_for(zoom)
        level_src = QRectF(src.x() * sx, src.y() * sy, src.width() * sx, src.height() * sy)
        p.drawImage(QRectF(src), level, level_src)

    def update(self, box: Box) -> None:
        """Recompute the half-size levels inside source box ``box``."""
        x0, y0, x1, y1 = box
        for prev, level in zip(self.arrays, self.arrays[1:], strict=False):
            lh, lw = level.shape[:2]
            ph, pw = prev.shape[:2]
            x0, y0 = x0 // 2, y0 // 2
            x1, y1 = min(lw, (x1 + 1) // 2), min(lh, (y1 + 1) // 2)
            if x0 >= x1 or y0 >= y1:
                return
            src = prev[2 * y0 : min(ph, 2 * y1), 2 * x0 : min(pw, 2 * x1)]
            level[y0:y1, x0:x1] = cv2.resize(
                src, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA
            ).reshape(y1 - y0, x1 - x0, -1)


class PickPath:
    """Dab coverage along a stroke: the mask brush's stamps, spaced a quarter radius."""

    def __init__(self, shape: tuple[int, int], radius: float, hardness: float) -> None:
        self._shape = shape
        self._stamp = dab_stamp(quantize_radius(radius), hardness)
        self._step = max(0.5, quantize_radius(radius) * SPACING)
        self._last: tuple[float, float] | None = None
        self._carry = 0.0

    def to(self, x: float, y: float) -> tuple[np.ndarray, tuple[int, int]] | None:
        """Continue to source point (x, y): the coverage window of the dabs laid on the
        way and its top-left (x, y), or None when no dab lands (too short a move)."""
        if self._last is None:
            centres = [(x, y)]
        else:
            lx, ly = self._last
            dist = math.hypot(x - lx, y - ly)
            centres = []
            travelled = self._step - self._carry
            while travelled <= dist:
                t = travelled / dist if dist else 1.0
                centres.append((lx + (x - lx) * t, ly + (y - ly) * t))
                travelled += self._step
            self._carry = dist - (travelled - self._step)
        self._last = (x, y)
        return self._coverage(centres) if centres else None

    def _coverage(self, centres: list[tuple[float, float]]) -> tuple[np.ndarray, tuple[int, int]]:
        big_r = self._stamp.shape[0] // 2
        cx = [math.floor(p[0]) for p in centres]
        cy = [math.floor(p[1]) for p in centres]
        ox, oy = min(cx) - big_r, min(cy) - big_r
        out = np.zeros((max(cy) - oy + big_r + 1, max(cx) - ox + big_r + 1), np.uint8)
        side = 2 * big_r + 1
        for x, y in zip(cx, cy, strict=True):
            top, left = y - big_r - oy, x - big_r - ox
            window = out[top : top + side, left : left + side]
            np.maximum(window, self._stamp, out=window)
        return out, (ox, oy)


def merge_coverage(
    parts: list[tuple[np.ndarray, tuple[int, int]]],
) -> tuple[np.ndarray, tuple[int, int]]:
    """Several coverage windows (array, top-left (x, y)) as one (their maximum)."""
    if len(parts) == 1:
        return parts[0]
    x0 = min(o[0] for _c, o in parts)
    y0 = min(o[1] for _c, o in parts)
    x1 = max(o[0] + c.shape[1] for c, o in parts)
    y1 = max(o[1] + c.shape[0] for c, o in parts)
    out = np.zeros((y1 - y0, x1 - x0), np.uint8)
    for cov, (ox, oy) in parts:
        window = out[oy - y0 : oy - y0 + cov.shape[0], ox - x0 : ox - x0 + cov.shape[1]]
        np.maximum(window, cov, out=window)
    return out, (x0, y0)


class PickInput(QObject):
    """While ``active``, left drags on ``canvas`` call ``on_dab(coverage, origin)`` per
    move (a ``PickPath``) and ``on_end()`` on release; other input stays the canvas's."""

    def __init__(
        self,
        canvas: CanvasView,
        on_begin: Callable[[], None],
        on_dab: Callable[[np.ndarray, tuple[int, int]], None],
        on_end: Callable[[], None],
    ) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.active = False
        self._path: PickPath | None = None
        self._on_begin, self._on_dab, self._on_end = on_begin, on_dab, on_end
        canvas.installEventFilter(self)

    def painting(self) -> bool:
        return self._path is not None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is not self.canvas or not self.active:
            return False
        kind = event.type()
        if kind in (QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease):
            event.ignore()  # Qt sends the pen as mouse events, handled below
            return True
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            return self._pressed(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.MouseMove and self._path is not None:
            self._dab(event.position())  # type: ignore[attr-defined]
            return False  # the canvas still moves its brush outline and position label
        left = event.type() == QEvent.Type.MouseButtonRelease and (
            event.button() == Qt.MouseButton.LeftButton  # type: ignore[attr-defined]
        )
        if left and self._path is not None:
            self._dab(event.position())  # type: ignore[attr-defined]
            self.end()
            return True
        return False

    def _pressed(self, e: QMouseEvent) -> bool:
        if (e.button() != Qt.MouseButton.LeftButton or is_size_drag(e)
                or getattr(self.canvas, "_space_held", False)):  # fmt: skip
            return False  # panning, the size drag and other buttons: the canvas's own
        image = self.canvas.image()
        if image is None:
            return True
        self.canvas.setFocus(Qt.FocusReason.MouseFocusReason)
        self.end()
        self._path = PickPath(image.shape[:2], self.canvas.brush_size() / 2, self.canvas.hardness())
        self._on_begin()
        self._dab(e.position())
        return True

    def _dab(self, pos: QPointF) -> None:
        if self._path is None:
            return
        s = self.canvas.map_to_source(pos)
        hit = self._path.to(s.x(), s.y())
        if hit is not None:
            self._on_dab(*hit)

    def end(self) -> None:
        """Finish the stroke in progress (release, leaving the mode)."""
        if self._path is not None:
            self._path = None
            self._on_end()


def widget_rect(canvas: CanvasView, box: Box) -> QRect:
    """The widget rectangle covering source box ``box`` (a pixel of margin)."""
    a = canvas.map_from_source(QPointF(box[0], box[1]))
    b = canvas.map_from_source(QPointF(box[2], box[3]))
    return QRect(
        math.floor(a.x()) - 1, math.floor(a.y()) - 1,
        math.ceil(b.x() - a.x()) + 3, math.ceil(b.y() - a.y()) + 3,
    )  # fmt: skip
