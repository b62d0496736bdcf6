"""The preview of a photo being opened: a reduced decode drawn fit to the canvas, as
the document's fit view will show the full photo, until its full pixels are in."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

from .viewport import Viewport


class OpeningPreview:
    """``pixels`` (a small upright RGB/RGBA array) standing for a ``size`` (width,
    height) photo; drawn where a fit view of that photo would be."""

    def __init__(
        self, pixels: np.ndarray | PreviewPixels, size: tuple[int, int], label: str
    ) -> None:
        converted = pixels if isinstance(pixels, PreviewPixels) else PreviewPixels(pixels)
        self.array, self.alpha = converted.array, converted.alpha  # Qt's (A)RGB32
        h, w = self.array.shape[:2]
        fmt = QImage.Format.Format_ARGB32 if self.alpha else QImage.Format.Format_RGB32
        self.image = QImage(self.array.data, w, h, w * 4, fmt)
        self.size = size
        self.label = label

    def target(self, view: QSize) -> QRectF:
        """Where the whole photo lies in a widget of ``view`` size at the fit zoom."""
        vp = Viewport()
        vp.image_size = QSize(*self.size)
        vp.view_size = view
        vp.set_view(vp.fit_zoom(), QPointF(self.size[0] / 2, self.size[1] / 2))
        return vp.rect_from_source(QRectF(0, 0, self.size[0], self.size[1]))

    def draw(self, p: QPainter, rect: QRect, background: QColor) -> None:
        """Fill ``rect`` (the widget) and draw the preview with a banner naming it."""
        p.fillRect(rect, background)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(self.target(rect.size()), self.image)
        text = f"Preview of {self.label}: loading full resolution, painting waits"
        box = p.fontMetrics().boundingRect(text).adjusted(-10, -6, 10, 6)
        box.moveTopLeft(QPoint(10, 10))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(30, 30, 30, 210))
        p.drawRoundedRect(QRectF(box), 6, 6)
        p.setPen(QColor(235, 235, 235))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class PreviewPixels:
    """A preview's pixels converted to Qt's 32-bit order, e.g. in the decoding thread
    (a few ms at 1.5 MP that the UI thread need not spend)."""

    def __init__(self, pixels: np.ndarray) -> None:
        self.alpha = pixels.ndim == 3 and pixels.shape[2] == 4
        code = cv2.COLOR_RGBA2BGRA if self.alpha else cv2.COLOR_RGB2BGRA
        self.array = cv2.cvtColor(np.ascontiguousarray(pixels), code)


class OpeningPreviewMixin:
    """CanvasView's part: show a photo being opened, reduced, with input off."""

    _opening: OpeningPreview | None = None

    def show_opening_preview(
        self,
        pixels: np.ndarray | PreviewPixels | None,
        size: tuple[int, int] = (0, 0),
        label: str = "",
    ) -> None:
        """Show ``pixels``, a reduced decode of a ``size`` (width, height) photo being
        opened, fit to the canvas with input off (painting waits for the full pixels);
        None: the document's image again (it also ends when the document's image changes)."""
        if pixels is None and self._opening is None:
            return
        assert isinstance(self, QWidget)
        self._opening = None if pixels is None else OpeningPreview(pixels, size, label)
        self.setEnabled(self._opening is None)
        self.update()

    def take_opening_preview(self, shape: tuple[int, ...]) -> tuple[QImage, np.ndarray] | None:
        """End the preview; its image and pixels when it stands for a photo of ``shape``
        (H, W, ...) with the same channels, to draw zoomed out until the levels are in."""
        preview, self._opening = self._opening, None
        if preview is None:
            return None
        assert isinstance(self, QWidget)
        self.setEnabled(True)
        self.update()
        alpha = len(shape) == 3 and shape[2] == 4
        if preview.size != (shape[1], shape[0]) or preview.alpha != alpha:
            return None
        return preview.image, preview.array

    def showing_opening_preview(self) -> bool:
        return self._opening is not None

    def _paint_opening_preview(self, p: QPainter, background: QColor) -> bool:
        """Draw the preview over the whole widget; False when there is none."""
        if self._opening is None:
            return False
        assert isinstance(self, QWidget)
        self._opening.draw(p, self.rect(), background)
        return True
