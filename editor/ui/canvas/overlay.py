"""What the canvas draws: the photo pyramid, the mask colour overlay and the mask edge.

- ``PhotoLayer``: the photo converted once per image to a 32-bit QImage, plus
  box-filtered half-size levels so zoomed-out views stay smooth and cheap.
- ``MaskOverlay``: the mask itself drawn as an Indexed8 QImage (zero copy) whose colour
  table is the overlay colour with alpha = mask value, plus half-size mask levels
  refreshed in the rectangle a stroke touched; opacity is applied when drawing.
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


def level_index(zoom: float, count: int) -> int:
    """Pyramid level (of ``count``) to draw at ``zoom``: the smallest one still at least as
    large as the screen needs (level k is 1 / 2**k of the source size)."""
    if zoom >= 1.0:
        return 0
    return min(count - 1, max(0, math.floor(-math.log2(zoom))))


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
        img = self.levels[level_index(zoom, len(self.levels))]
        full = self.levels[0]
        return img, img.width() / full.width(), img.height() / full.height()


class _Level:
    """One resolution of the mask, drawn through QImage views of its own bytes (no copy):
    Indexed8 with the overlay colour table (alpha = mask value) and Grayscale8."""

    def __init__(self, mask: np.ndarray, table: list[int]) -> None:
        h, w = mask.shape
        self.mask = mask
        self.image = QImage(mask.data, w, h, w, QImage.Format.Format_Indexed8)
        self.image.setColorTable(table)
        self.mask_image = QImage(mask.data, w, h, w, QImage.Format.Format_Grayscale8)


def half_level(prev: np.ndarray, out: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """``out[y0:y1, x0:x1]`` = 2x2 box average (rounded) of ``prev``'s matching pixels.
    cv2's area resize at exactly 2x is that average, and releases the interpreter lock."""
    import cv2

    q = prev[2 * y0 : 2 * y1, 2 * x0 : 2 * x1]
    # a level clamped to 1 row/column (extreme aspect ratios): repeat the last row/column
    pad_y, pad_x = 2 * (y1 - y0) - q.shape[0], 2 * (x1 - x0) - q.shape[1]
    if pad_y or pad_x:
        q = np.pad(q, ((0, pad_y), (0, pad_x)), mode="edge")
    out[y0:y1, x0:x1] = cv2.resize(q, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)


def mask_pyramid(mask: np.ndarray) -> list[np.ndarray]:
    """The half-size levels of ``mask`` (level 1, 2, ...; level 0 is the mask itself),
    each the 2x2 box average of the one before, down to PYRAMID_MIN_EDGE. Qt-free and
    lock-free, so a worker thread can build them for a mask about to be shown."""
    levels: list[np.ndarray] = []
    prev = mask
    while max(prev.shape) > 2 * PYRAMID_MIN_EDGE:
        h, w = prev.shape
        lh, lw = max(1, h // 2), max(1, w // 2)
        out = np.empty((lh, lw), np.uint8)
        half_level(prev, out, 0, 0, lw, lh)
        levels.append(out)
        prev = out
    return levels


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
    ) -> None:
        self._table = overlay_table(color)
        self.mask = mask
        if levels is None:
            levels = mask_pyramid(mask)
        self.levels = [_Level(m, self._table) for m in (mask, *levels)]

    def clone(self) -> MaskOverlay:
        """An independent copy (masks copied, not recomputed), e.g. to show a preview of a
        changed mask beside this one."""
        new = MaskOverlay.__new__(MaskOverlay)
        new._table = self._table
        new.mask = self.mask.copy()
        new.levels = [
            _Level(new.mask if i == 0 else lv.mask.copy(), self._table)
            for i, lv in enumerate(self.levels)
        ]
        return new

    def set_color(self, color: QColor) -> None:
        """Change the colour (each level gets the new colour table; no pixel work)."""
        self._table = overlay_table(color)
        for level in self.levels:
            level.image.setColorTable(self._table)

    def refresh_all(self) -> None:
        """Recompute every level from the mask."""
        h, w = self.mask.shape
        self.refresh(QRect(0, 0, w, h))

    def refresh(self, rect: QRect) -> None:
        """Recompute the half-size levels in source rectangle ``rect`` only."""
        h, w = self.mask.shape
        r = rect.intersected(QRect(0, 0, w, h))
        if r.isEmpty():
            return
        x0, y0, x1, y1 = r.left(), r.top(), r.left() + r.width(), r.top() + r.height()
        for prev, level in zip(self.levels, self.levels[1:], strict=False):
            lh, lw = level.mask.shape
            x0, y0 = x0 // 2, y0 // 2
            x1, y1 = min(lw, (x1 + 1) // 2), min(lh, (y1 + 1) // 2)
            if x0 >= x1 or y0 >= y1:
                break
            half_level(prev.mask, level.mask, x0, y0, x1, y1)

    def level_for(self, zoom: float) -> tuple[_Level, float, float]:
        """Level to draw at ``zoom`` (same choice as PhotoLayer): (level, sx, sy)."""
        lv = self.levels[level_index(zoom, len(self.levels))]
        h, w = self.mask.shape
        return lv, lv.mask.shape[1] / w, lv.mask.shape[0] / h


def overlay_table(color: QColor) -> list[int]:
    """Indexed8 colour table: ``color`` with alpha = index (mask value)."""
    r, g, b = color.red(), color.green(), color.blue()
    return [(a << 24) | (r << 16) | (g << 8) | b for a in range(256)]


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

    def scroll(self, dx: int, dy: int, mask: np.ndarray | None, vp: Viewport) -> None:
        """The view was panned by whole pixels (dx, dy): shift the cache and compute only
        the uncovered strips (sampling and dash phase move with the image, so this is exact)."""
        if not self.valid or self._buf is None or mask is None:
            return
        buf = self._buf
        h, w = buf.shape
        if abs(dx) >= w or abs(dy) >= h:
            self.valid = False
            return
        src = buf[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
        buf[max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)] = src.copy()
        if dy:
            self.update(mask, vp, QRect(0, 0 if dy > 0 else h + dy, w, abs(dy)))
        if dx:
            self.update(mask, vp, QRect(0 if dx > 0 else w + dx, 0, abs(dx), h))

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
    # dash phase anchored to the image, so a scrolled cache stays consistent
    ax, ay = x0 - round(ox), y0 - round(oy)
    dash = ((np.arange(ax, ax + w)[None, :] + np.arange(ay, ay + h)[:, None]) // _DASH) & 1
    return edge.astype(np.uint8) * (1 + dash.astype(np.uint8))


# Overlay colours offered as swatches: hues spread around the wheel, saturated enough to
# read over photos. The first is the default for photos with no strong colours.
OVERLAY_PRESETS: tuple[tuple[str, str], ...] = (
    ("Crimson", "#ff2060"),
    ("Orange", "#ff8000"),
    ("Yellow", "#f0e000"),
    ("Green", "#20d040"),
    ("Cyan", "#00d0f0"),
    ("Blue", "#2050ff"),
    ("Violet", "#9030ff"),
    ("Magenta", "#ff30e0"),
)
_SAMPLES = 65536  # pixels looked at (a strided sample: the hue statistics need no more)


def hue_crowding(image: np.ndarray, hues: list[float]) -> list[float]:
    """For each overlay hue (degrees), how much of the photo is colourful and close to it:
    the mean over the photo of saturation x value x ((1 + cos(hue distance)) / 2) ** 2,
    a closeness that is 1 on the same hue and falls to 0 on the opposite one."""
    import cv2

    h, w = image.shape[:2]
    step = max(1, math.isqrt(max(1, h * w // _SAMPLES)))
    sample = np.ascontiguousarray(image[::step, ::step, :3])
    hsv = cv2.cvtColor(sample, cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3).astype(np.float32)
    hue = hsv[:, 0] * (360.0 / 256.0)
    # grey, dark and washed-out pixels hide no hue: they weigh little
    weight = (hsv[:, 1] / 255.0) * (hsv[:, 2] / 255.0)
    crowding = []
    radians = np.deg2rad(hue)
    for target in hues:
        closeness = ((1.0 + np.cos(radians - math.radians(target))) / 2.0) ** 2
        crowding.append(float(np.mean(weight * closeness)))
    return crowding


def contrasting_color(image: np.ndarray) -> QColor:
    """The preset overlay colour whose hue is least present in ``image`` (the default,
    crimson, on photos without strong colours), so the overlay stays visible on a red
    dress, a green lawn or a blue sky."""
    colors = [QColor(hex_color) for _name, hex_color in OVERLAY_PRESETS]
    crowding = hue_crowding(image, [c.hueF() * 360.0 for c in colors])
    best = min(crowding)
    if crowding[0] <= best + 0.02:  # keep the familiar default unless another is clearly freer
        return colors[0]
    return colors[crowding.index(best)]
