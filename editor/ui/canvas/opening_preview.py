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
        self.fitted: QImage | None = None  # the preview at the fit size, drawn unscaled
        self._fitted_array = converted.fitted  # (the QImage is a view of it)
        self._fitted_for = QSize(*converted.fitted_for)
        if converted.fitted is not None:
            fh, fw = converted.fitted.shape[:2]
            self.fitted = QImage(converted.fitted.data, fw, fh, fw * 4, fmt)
            self.fitted.setDevicePixelRatio(converted.dpr)

    def fitted_here(self, view: QSize) -> tuple[QImage, np.ndarray] | None:
        """The preview scaled to the fit size of a canvas of ``view`` size, if made."""
        if self.fitted is None or self._fitted_array is None or view != self._fitted_for:
            return None
        h, w = self._fitted_array.shape[:2]
        fmt = QImage.Format.Format_ARGB32 if self.alpha else QImage.Format.Format_RGB32
        return QImage(self._fitted_array.data, w, h, w * 4, fmt), self._fitted_array

    def target(self, view: QSize) -> QRectF:
        """Where the whole photo lies in a widget of ``view`` size at the fit zoom."""
        return fit_rect(self.size, view)

    def draw(self, p: QPainter, rect: QRect, background: QColor) -> None:
        """Fill ``rect`` (the widget) and draw the preview with a banner naming it."""
        p.fillRect(rect, background)
        target = self.target(rect.size())
        if self.fitted is not None and rect.size() == self._fitted_for:
            p.drawImage(target.topLeft(), self.fitted)  # scaled once, in the decoder
        else:  # the canvas changed size since: Qt scales the preview
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(target, self.image)
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
    (a few ms at 1.5 MP that the UI thread need not spend). With ``fit`` = (photo size,
    canvas size, device pixel ratio) also a copy area-scaled once (lock-free, cv2) to
    the photo's fit rectangle in that canvas, which the canvas then draws unscaled: Qt's
    smooth scaling of the whole preview took 4-8 ms of the UI thread at each paint."""

    def __init__(
        self,
        pixels: np.ndarray,
        fit: tuple[tuple[int, int], tuple[int, int], float] | None = None,
    ) -> None:
        self.alpha = pixels.ndim == 3 and pixels.shape[2] == 4
        code = cv2.COLOR_RGBA2BGRA if self.alpha else cv2.COLOR_RGB2BGRA
        self.array = cv2.cvtColor(np.ascontiguousarray(pixels), code)
        self.fitted: np.ndarray | None = None
        self.fitted_for: tuple[int, int] = (0, 0)  # the canvas size it fits
        self.dpr = 1.0
        if fit is not None:
            size, view, dpr = fit
            rect = fit_rect(size, QSize(*view))
            fw, fh = round(rect.width() * dpr), round(rect.height() * dpr)
            h, w = self.array.shape[:2]
            if 0 < fw <= w and 0 < fh <= h:
                flat = cv2.resize(self.array, (fw, fh), interpolation=cv2.INTER_AREA)
                self.fitted, self.fitted_for, self.dpr = flat, view, dpr


def fit_rect(size: tuple[int, int], view: QSize) -> QRectF:
    """Where a whole photo of ``size`` (width, height) lies in a widget of ``view`` size
    at the fit zoom."""
    vp = Viewport()
    vp.image_size = QSize(*size)
    vp.view_size = view
    vp.set_view(vp.fit_zoom(), QPointF(size[0] / 2, size[1] / 2))
    return vp.rect_from_source(QRectF(0, 0, size[0], size[1]))


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
        fitted = preview.fitted_here(self.size())
        if fitted is not None:  # drawn at the fit zoom about 1:1 (the smooth levels follow)
            return fitted
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
