"""The colour overlay zoomed out, sampled into a widget-sized buffer (see ``zoomed``).

``fill_scaled_overlay`` samples a rectangle of it with OpenCV (any thread: OpenCV
leaves the interpreter lock free, while PySide keeps it as long as Qt draws);
``prepare_scaled_overlay`` samples a whole view for a worker; ``qt_overlay`` draws it
through Qt's smooth scaling, as the canvas drew it before, for the UI thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter, QTransform

from .photo_layer import level_index

if TYPE_CHECKING:
    from .overlay import MaskOverlay
    from .viewport import Viewport

Render = Callable[[QPainter, QRect], None]  # draws the view into a widget rectangle


def fill_scaled_overlay(
    out: np.ndarray, overlay: MaskOverlay, vp: Viewport, lut: np.ndarray, r: QRect
) -> None:
    """Widget rectangle ``r`` of ``out`` (a widget-sized uint32 buffer): ``overlay`` as
    view ``vp`` shows it zoomed out, sampled bilinearly from its level at the widget
    pixels' centres (as Qt's smooth scaling does) and coloured by ``lut`` (premultiplied
    ARGB32 by mask value, the opacity in it). OpenCV rather than a QPainter: PySide
    holds the interpreter lock while Qt draws, so a worker drawing would stall the UI
    thread, and OpenCV releases it. Only the level's part under ``r`` is read, so no
    coordinate passes OpenCV's 32767 limit."""
    r = r.intersected(QRect(0, 0, out.shape[1], out.shape[0]))
    if r.isEmpty():
        return
    dst = out[r.top() : r.top() + r.height(), r.left() : r.left() + r.width()]
    dst.fill(0)
    level = overlay.levels[level_index(vp.zoom, len(overlay.levels))].mask
    (lh, lw), (h, w) = level.shape, overlay.mask.shape
    # the widget pixels Qt draws the image on, in ``r``: those whose centre c is in
    # (start, end] of the image's span (a centre on the start is left out)
    ox, oy = vp.offset.x(), vp.offset.y()
    x0 = max(r.left(), math.floor(ox - 0.5) + 1)
    y0 = max(r.top(), math.floor(oy - 0.5) + 1)
    x1 = min(r.left() + r.width(), math.floor(ox + w * vp.zoom - 0.5) + 1)
    y1 = min(r.top() + r.height(), math.floor(oy + h * vp.zoom - 0.5) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    dst = dst[y0 - r.top() : y1 - r.top(), x0 - r.left() : x1 - r.left()]
    ax, ay = vp.zoom * w / lw, vp.zoom * h / lh  # widget pixels per level pixel
    # level position (pixel centres at integers) of the centre of widget pixel (x0, y0)
    u, v = (x0 + 0.5 - ox) / ax - 0.5, (y0 + 0.5 - oy) / ay - 0.5
    u0, v0 = max(0, math.floor(u) - 1), max(0, math.floor(v) - 1)
    u1 = min(lw, math.ceil(u + (x1 - x0) / ax) + 2)
    v1 = min(lh, math.ceil(v + (y1 - y0) / ay) + 2)
    m = np.array([[1 / ax, 0, u - u0], [0, 1 / ay, v - v0]], np.float64)
    # replicated beyond the crop: that is the image's border only, which Qt's sampling clamps
    alpha = cv2.warpAffine(
        level[v0:v1, u0:u1],
        m,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    if alpha.size < 1 << 16:  # a brush dab's rectangle: one lookup
        np.take(lut, alpha, out=dst)
        return
    channels = lut.view(np.uint8).reshape(256, 4)  # a view: OpenCV's lookups leave the lock
    bgra = cv2.merge([cv2.LUT(alpha, np.ascontiguousarray(channels[:, c])) for c in range(4)])
    dst[...] = bgra.view(np.uint32)[..., 0]


def qt_overlay(overlay: MaskOverlay, vp: Viewport, opacity: float) -> Render:
    """Draws ``overlay`` at ``opacity`` as view ``vp`` shows it zoomed out (Qt's smooth
    scaling, which spreads a whole view over Qt's threads: ~2x faster than
    ``fill_scaled_overlay``, within 2 of its values) into a rectangle of a buffer."""

    def render(p: QPainter, r: QRect) -> None:
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        p.fillRect(r, Qt.GlobalColor.transparent)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        src = vp.visible_source_rect(r)
        if not src.isEmpty():
            p.setClipRect(r)
            p.setTransform(QTransform(vp.zoom, 0, 0, vp.zoom, vp.offset.x(), vp.offset.y()))
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.setOpacity(opacity)
            overlay.draw(p, src, vp.zoom)

    return render


def overlay_key(
    overlay: MaskOverlay, vp: Viewport, lut: np.ndarray, opacity: float
) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """The cache key of ``overlay`` drawn for ``vp`` (view, overlay, level, colours,
    opacity) and what it names (kept alive so no id in the key is reused)."""
    level = overlay.levels[level_index(vp.zoom, len(overlay.levels))]
    owner = (overlay, level, lut, opacity)
    return (*vp.key(), *(id(o) for o in owner[:3]), opacity), owner


@dataclass
class ScaledOverlay:
    """The zoomed-out overlay of a whole view, drawn off the UI thread (see the module)."""

    key: tuple[object, ...]
    owner: tuple[object, ...]
    buf: np.ndarray
    image: QImage


def prepare_scaled_overlay(
    overlay: MaskOverlay, vp: Viewport, lut: np.ndarray, opacity: float
) -> ScaledOverlay:
    """``fill_scaled_overlay`` of a whole view ``vp`` (a snapshot) into a new buffer, with
    ``lut`` = ``overlay.faded_lut(opacity)``: any thread may call it while the overlay's
    levels stay as they are."""
    w, h = vp.view_size.width(), vp.view_size.height()
    buf = np.empty((h, w), np.uint32)
    fill_scaled_overlay(buf, overlay, vp, lut, QRect(0, 0, w, h))
    image = QImage(buf.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied)
    return ScaledOverlay(*overlay_key(overlay, vp, lut, opacity), buf, image)
