"""What the canvas draws: the photo pyramid, the mask colour overlay and the mask edge.

- ``PhotoLayer``: the photo converted once per image to a 32-bit QImage, plus
  box-filtered half-size levels so zoomed-out views stay smooth and cheap.
- ``MaskOverlay``: a persistent premultiplied ARGB32 numpy buffer (QImage view, zero
  copy) holding the overlay colour with alpha = mask value. Only the rectangle a
  stroke touched is refreshed (a 256-entry lookup); opacity is applied when drawing.
- ``EdgeLayer``: a dashed black/white line along the mask's 50 % contour in widget
  pixels (an ARGB32 cache per view, refreshed in dirty rectangles). The dash keeps the mask visible
  on dark and light photos whatever the overlay colour.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage

from .viewport import Viewport

DEFAULT_OVERLAY_COLOR = QColor(255, 32, 96)  # saturated crimson: rare in skin, sky, foliage
DEFAULT_OVERLAY_OPACITY = 0.5
PYRAMID_MIN_EDGE = 256
_EDGE_LUT = np.array([0x00000000, 0xFF000000, 0xFFFFFFFF], dtype=np.uint32)
_DASH = 4  # screen pixels per dash segment


class PhotoLayer:
    """The photo as a 32-bit QImage pyramid (level k is 1 / 2**k of the source size)."""

    def __init__(self, image: np.ndarray) -> None:
        h, w = image.shape[:2]
        data = np.ascontiguousarray(image)
        if image.shape[2] == 4:
            view = QImage(data.data, w, h, w * 4, QImage.Format.Format_RGBA8888)
            full = view.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        else:
            view = QImage(data.data, w, h, w * 3, QImage.Format.Format_RGB888)
            full = view.convertToFormat(QImage.Format.Format_RGB32)
        self.has_alpha = image.shape[2] == 4
        self.levels: list[QImage] = [full]
        while max(self.levels[-1].width(), self.levels[-1].height()) > 2 * PYRAMID_MIN_EDGE:
            prev = self.levels[-1]
            self.levels.append(
                prev.scaled(
                    max(1, prev.width() // 2),
                    max(1, prev.height() // 2),
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def level_for(self, zoom: float) -> tuple[QImage, float, float]:
        """Smallest level still at least as large as the screen needs: (image, sx, sy)
        where source pixel x maps to level pixel x * sx."""
        k = 0
        if zoom < 1.0:
            k = min(len(self.levels) - 1, max(0, math.floor(-math.log2(zoom))))
        img = self.levels[k]
        full = self.levels[0]
        return img, img.width() / full.width(), img.height() / full.height()


class MaskOverlay:
    """Premultiplied ARGB32 colour overlay kept in step with the mask, rectangle by rectangle."""

    def __init__(self, mask: np.ndarray, color: QColor = DEFAULT_OVERLAY_COLOR) -> None:
        self.mask = mask
        h, w = mask.shape
        self.buffer = np.zeros((h, w), dtype=np.uint32)
        self.image = QImage(
            self.buffer.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied
        )
        self._lut = overlay_lut(color)
        self.refresh_all()

    def set_color(self, color: QColor) -> None:
        """Change the colour (rebuilds the whole buffer once)."""
        self._lut = overlay_lut(color)
        self.refresh_all()

    def refresh_all(self) -> None:
        """Recompute the whole overlay from the mask."""
        self.buffer[...] = self._lut[self.mask]

    def refresh(self, rect: QRect) -> None:
        """Recompute the overlay in source rectangle ``rect`` only."""
        r = rect.intersected(QRect(0, 0, self.mask.shape[1], self.mask.shape[0]))
        if r.isEmpty():
            return
        ys = slice(r.top(), r.top() + r.height())
        xs = slice(r.left(), r.left() + r.width())
        self.buffer[ys, xs] = self._lut[self.mask[ys, xs]]


def overlay_lut(color: QColor) -> np.ndarray:
    """Premultiplied ARGB32 value for each mask value 0..255 (alpha = mask value)."""
    a = np.arange(256, dtype=np.uint32)
    r = (a * color.red() + 127) // 255
    g = (a * color.green() + 127) // 255
    b = (a * color.blue() + 127) // 255
    return (a << 24) | (r << 16) | (g << 8) | b


class EdgeLayer:
    """Widget-sized cache of the mask edge drawn as a black/white dash (ARGB32 premultiplied,
    the format the raster engine blends without conversion)."""

    def __init__(self) -> None:
        self._buf: np.ndarray | None = None
        self.image: QImage | None = None
        self.valid = False

    def invalidate(self) -> None:
        """Forget the cache (view changed): it is rebuilt on the next paint."""
        self.valid = False

    def ensure(self, mask: np.ndarray, vp: Viewport) -> None:
        """Rebuild the whole cache if the view changed since it was built."""
        w, h = vp.view_size.width(), vp.view_size.height()
        if self._buf is None or self._buf.shape != (h, w):
            self._buf = np.zeros((h, w), dtype=np.uint32)
            fmt = QImage.Format.Format_ARGB32_Premultiplied
            self.image = QImage(self._buf.data, w, h, w * 4, fmt)
            self.valid = False
        if not self.valid:
            self.update(mask, vp, QRect(0, 0, w, h))
            self.valid = True

    def update(self, mask: np.ndarray, vp: Viewport, widget_rect: QRect) -> None:
        """Recompute the edge inside ``widget_rect`` (widget pixels)."""
        if self._buf is None:
            return
        bh, bw = self._buf.shape
        r = widget_rect.intersected(QRect(0, 0, bw, bh))
        if r.isEmpty():
            return
        x0, y0, w, h = r.left(), r.top(), r.width(), r.height()
        self._buf[y0 : y0 + h, x0 : x0 + w] = _EDGE_LUT[edge_pixels(mask, vp, x0, y0, w, h)]


def edge_pixels(mask: np.ndarray, vp: Viewport, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    """Edge of the mask (>= 128) in widget pixels x0..x0+w, y0..y0+h, sampled at pixel
    centres: 0 = none, 1 = black dash, 2 = white dash."""
    mh, mw = mask.shape
    z, ox, oy = vp.zoom, vp.offset.x(), vp.offset.y()
    sx = np.floor((np.arange(x0, x0 + w + 1) + 0.5 - ox) / z).astype(np.intp)
    sy = np.floor((np.arange(y0, y0 + h + 1) + 0.5 - oy) / z).astype(np.intp)
    in_x = (sx >= 0) & (sx < mw)
    in_y = (sy >= 0) & (sy < mh)
    np.clip(sx, 0, mw - 1, out=sx)
    np.clip(sy, 0, mh - 1, out=sy)
    inside = mask[sy[:, None], sx[None, :]] >= 128
    inside &= in_y[:, None]
    inside &= in_x[None, :]
    core = inside[:-1, :-1]
    edge = (core != inside[:-1, 1:]) | (core != inside[1:, :-1])
    dash = ((np.arange(x0, x0 + w)[None, :] + np.arange(y0, y0 + h)[:, None]) // _DASH) & 1
    return edge.astype(np.uint8) * (1 + dash.astype(np.uint8))
