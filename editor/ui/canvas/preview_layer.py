"""A transient selection preview drawn over the canvas (the colour range's live mask).

A transparent child widget of the canvas, so the canvas's own painting is untouched:
it draws a small (preview-sized) mask stretched over the photo's place on screen in a
colour, and repaints whenever the canvas does (zoom, pan). Mouse events pass through.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

PREVIEW_COLOR = QColor(0, 200, 255)  # cyan: apart from the mask overlay's crimson
PREVIEW_ALPHA = 0.65


class SelectionPreviewLayer(QWidget):
    """Shows ``values`` (H' x W' uint8, 255 = selected) over the whole photo of ``canvas``."""

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(canvas)
        self.setObjectName("selection-preview")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self._canvas = canvas
        self._values: np.ndarray | None = None
        self._image: QImage | None = None
        table = [
            QColor(
                PREVIEW_COLOR.red(), PREVIEW_COLOR.green(), PREVIEW_COLOR.blue(),
                round(a * PREVIEW_ALPHA),
            ).rgba()
            for a in range(256)
        ]  # fmt: skip
        self._table = table
        self.hide()

    def set_values(self, values: np.ndarray | None, source_size: tuple[int, int]) -> None:
        """Show ``values`` stretched over a source of ``source_size`` (w, h); None hides."""
        if values is None:
            self._values, self._image = None, None
            self.hide()
            return
        self._values = np.ascontiguousarray(values, dtype=np.uint8)  # the QImage views it
        h, w = self._values.shape
        image = QImage(self._values.data, w, h, w, QImage.Format.Format_Indexed8)
        image.setColorTable(self._table)
        self._image = image
        self._source = QRectF(0, 0, float(source_size[0]), float(source_size[1]))
        self.setGeometry(self._canvas.rect())
        self.show()
        self.raise_()
        self.update()

    def values(self) -> np.ndarray | None:
        return self._values

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._image is None:
            return
        self.setGeometry(self._canvas.rect())  # follow the canvas's size
        canvas = self._canvas
        top_left = canvas.map_from_source(QPointF(0, 0))  # type: ignore[attr-defined]
        bottom_right = canvas.map_from_source(  # type: ignore[attr-defined]
            QPointF(self._source.width(), self._source.height())
        )
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(QRectF(top_left, bottom_right), self._image)
        p.end()
