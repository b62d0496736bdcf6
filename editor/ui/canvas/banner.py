"""Painting helpers of the canvas: the banner that says a variant, not the photo, is on
the canvas, and the checkerboard under transparent pixels."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter

BANNER_COLOR = QColor(255, 152, 0, 235)  # the same orange marks the shown thumbnail


def paint_banner(p: QPainter, label: str) -> None:
    """``label`` and how to go back, in an orange box at the canvas's top left (a label
    that names its own Esc, like combine mode's, is shown as it is)."""
    text = label if "Esc" in label else f"{label}  ·  0 or Esc: original"
    font = p.font()
    font.setBold(True)
    p.setFont(font)
    box = p.fontMetrics().boundingRect(text).adjusted(-10, -6, 10, 6)
    box.moveTopLeft(QPoint(10, 10))
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(BANNER_COLOR)
    p.drawRoundedRect(QRectF(box), 6, 6)
    p.setPen(QColor(20, 20, 20))
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def checker_brush() -> QBrush:
    """The grey/white checkerboard shown under a photo's transparent pixels."""
    tile = QImage(16, 16, QImage.Format.Format_RGB32)
    tile.fill(QColor(200, 200, 200))
    p = QPainter(tile)
    p.fillRect(0, 0, 8, 8, QColor(255, 255, 255))
    p.fillRect(8, 8, 8, 8, QColor(255, 255, 255))
    p.end()
    return QBrush(tile)
