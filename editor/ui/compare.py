"""Compare a variant with the original: split, side by side, difference, flash."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.ui.imaging import difference_map, thumbnail, to_qimage

MODES = ("split", "side", "difference")
FLASH_KEY = Qt.Key.Key_F
PREVIEW_EDGE = 2048
HELP_TEXT = "Drag the line to compare · hold F to flash the original · wheel zooms · drag pans"
# per mode: side by side has no line to drag
MODE_HELP = {
    "split": HELP_TEXT,
    "side": "Original left, variant right · hold F to flash the original · wheel zooms · drag pans",
}


def previews(original: np.ndarray, variant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both zoomed-out copies, made ahead in a worker thread (a 100 MP photo's takes
    tens of ms): pass them to ``CompareDialog`` so opening it does not make them."""
    return _preview(original), _preview(variant)


def _preview(arr: np.ndarray) -> np.ndarray:
    """The zoomed-out copy of ``arr`` (thread-safe; ``arr`` itself when it is small)."""
    return thumbnail(arr, PREVIEW_EDGE) if max(arr.shape[:2]) > PREVIEW_EDGE else arr


class _Layered:
    """A full-size QImage plus a small preview used when zoomed out."""

    def __init__(self, arr: np.ndarray, preview: np.ndarray | None = None) -> None:
        self.full = to_qimage(arr)
        self.preview = to_qimage(_preview(arr) if preview is None else preview)
        self.w, self.h = arr.shape[1], arr.shape[0]

    def pick(self, zoom: float) -> QImage:
        return self.preview if zoom * self.w <= self.preview.width() * 1.05 else self.full


class CompareView(QWidget):
    """Original and variant drawn with one shared zoom and pan (so they stay in sync)."""

    view_changed = Signal()

    def __init__(
        self,
        original: np.ndarray,
        variant: np.ndarray,
        mask: np.ndarray | None = None,
        parent: QWidget | None = None,
        made: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        self._original_arr, self._variant_arr, self._mask = original, variant, mask
        self._original = _Layered(original, made[0] if made else None)
        self._variant = _Layered(variant, made[1] if made else None)
        self._difference: _Layered | None = None
        self.diff_fractions: tuple[float, float] | None = None
        self._mode = "split"
        self._split = 0.5
        self._flash = False
        self._zoom = 0.0  # 0 = fit on first paint
        self._center = QPointF(self._original.w / 2, self._original.h / 2)
        self._drag: tuple[str, QPointF] | None = None
        self._diff_task: asyncio.Future[None] | None = None

    # -- public state ---------------------------------------------------------------
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self._mode = mode
        if mode == "difference" and self._difference is None and self._diff_task is None:
            self._diff_task = asyncio.ensure_future(self._compute_difference())
        self.update()
        self.view_changed.emit()

    def split(self) -> float:
        return self._split

    def set_split(self, fraction: float) -> None:
        self._split = min(1.0, max(0.0, fraction))
        self.update()

    def flashing(self) -> bool:
        return self._flash

    def set_flash(self, on: bool) -> None:
        """While on, only the original is shown (hold F)."""
        self._flash = on
        self.update()

    def zoom(self) -> float:
        return self._zoom or self._fit_zoom()

    def center(self) -> QPointF:
        return QPointF(self._center)

    def set_view(self, zoom: float, center: QPointF) -> None:
        self._zoom = min(32.0, max(0.01, zoom))
        self._center = QPointF(center)
        self.update()
        self.view_changed.emit()

    def zoom_fit(self) -> None:
        self.set_view(self._fit_zoom(), QPointF(self._original.w / 2, self._original.h / 2))

    def zoom_100(self) -> None:
        self.set_view(1.0, self._center)

    def difference_ready(self) -> bool:
        return self._difference is not None

    def shown_image_at(self, x: int, y: int) -> str:
        """Which picture is drawn at widget pixel (x, y): original|variant|difference."""
        if self._flash:
            return "original"
        if self._mode == "difference":
            return "difference"
        if self._mode == "side":
            return "original" if x < self.width() / 2 else "variant"
        return "original" if x < self._split * self.width() else "variant"

    def pane_to_image(self, pos: QPointF, pane_width: float | None = None) -> QPointF:
        """Widget position -> image coordinates, for the pane that holds ``pos``."""
        pane_w = pane_width or self._pane_width()
        x = pos.x() % pane_w if self._mode == "side" and not self._flash else pos.x()
        z = self.zoom()
        return QPointF(
            (x - pane_w / 2) / z + self._center.x(),
            (pos.y() - self.height() / 2) / z + self._center.y(),
        )

    # -- geometry -------------------------------------------------------------------
    def _pane_width(self) -> float:
        return self.width() / 2 if self._mode == "side" and not self._flash else float(self.width())

    def _fit_zoom(self) -> float:
        from editor.ui.canvas.viewport import fit_zoom

        o = self._original
        return max(0.01, fit_zoom(o.w, o.h, self._pane_width(), self.height()))

    def _target(self, pane_x: float, pane_w: float) -> QRectF:
        z = self.zoom()
        left = pane_x + pane_w / 2 - self._center.x() * z
        top = self.height() / 2 - self._center.y() * z
        return QRectF(left, top, self._original.w * z, self._original.h * z)

    # -- painting -------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(48, 48, 48))
        z = self.zoom()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, z < 1.0)
        if self._flash:
            self._draw(painter, self._original, 0, self.width())
            self._label(painter, 8, "Original (F)")
        elif self._mode == "side":
            half = self.width() / 2
            painter.setClipRect(QRectF(0, 0, half, self.height()))
            self._draw(painter, self._original, 0, half)
            painter.setClipRect(QRectF(half, 0, half, self.height()))
            self._draw(painter, self._variant, half, half)
            painter.setClipping(False)
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawLine(QPointF(half, 0), QPointF(half, self.height()))
            self._label(painter, 8, "Original")
            self._label(painter, int(half) + 8, "Variant")
        elif self._mode == "difference":
            if self._difference is None:
                painter.setPen(QColor(230, 230, 230))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Computing difference…")
            else:
                self._draw(painter, self._difference, 0, self.width())
                self._label(painter, 8, "Changed: orange inside the mask, magenta outside")
        else:
            x = self._split * self.width()
            self._draw(painter, self._variant, 0, self.width())
            painter.setClipRect(QRectF(0, 0, x, self.height()))
            self._draw(painter, self._original, 0, self.width())
            painter.setClipping(False)
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
            painter.setBrush(QColor(255, 255, 255))
            painter.drawEllipse(QPointF(x, self.height() / 2), 7, 7)
            self._label(painter, 8, "Original")
            self._label(painter, self.width() - 80, "Variant")
        painter.end()

    def _draw(self, painter: QPainter, layered: _Layered, pane_x: float, pane_w: float) -> None:
        image = layered.pick(self.zoom())
        painter.drawImage(self._target(pane_x, pane_w), image, QRectF(image.rect()))

    def _label(self, painter: QPainter, x: int, text: str) -> None:
        metrics = painter.fontMetrics()
        rect = QRectF(x, 8, metrics.horizontalAdvance(text) + 12, metrics.height() + 6)
        painter.fillRect(rect, QColor(0, 0, 0, 160))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    # -- difference -----------------------------------------------------------------
    async def _compute_difference(self) -> None:
        def work() -> tuple[np.ndarray, np.ndarray, float, float]:
            out, inside, outside = difference_map(self._original_arr, self._variant_arr, self._mask)
            return out, _preview(out), inside, outside  # the preview too: 0.2-0.5 s at 24 MP

        out, small, inside, outside = await asyncio.to_thread(work)
        self._difference = _Layered(out, small)
        self.diff_fractions = (inside, outside)
        self._diff_task = None
        self.update()
        self.view_changed.emit()

    # -- input ----------------------------------------------------------------------
    def _near_split(self, pos: QPointF) -> bool:
        return self._mode == "split" and abs(pos.x() - self._split * self.width()) <= 8

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        kind = "split" if self._near_split(pos) else "pan"
        self._drag = (kind, pos)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is None:
            shape = (
                Qt.CursorShape.SplitHCursor
                if self._near_split(pos)
                else Qt.CursorShape.OpenHandCursor
            )
            self.setCursor(shape)
            return
        kind, last = self._drag
        if kind == "split":
            self.set_split(pos.x() / max(1, self.width()))
        else:
            z = self.zoom()
            delta = (pos - last) / z
            self.set_view(z, self._center - delta)
        self._drag = (kind, pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if not steps:
            return
        pos = event.position()
        before = self.pane_to_image(pos)
        zoom = self.zoom() * (1.25**steps)
        self.set_view(zoom, self._center)
        after = self.pane_to_image(pos)
        self.set_view(self.zoom(), self._center + (before - after))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == FLASH_KEY and not event.isAutoRepeat():
            self.set_flash(True)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == FLASH_KEY and not event.isAutoRepeat():
            self.set_flash(False)
            return
        super().keyReleaseEvent(event)


class CompareDialog(QDialog):
    """A window around CompareView with the mode buttons and difference figures."""

    def __init__(
        self,
        original: np.ndarray,
        variant: np.ndarray,
        mask: np.ndarray | None,
        title: str,
        parent: QWidget | None = None,
        made: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """``made``: the two previews from ``previews()``, when made ahead."""
        super().__init__(parent)
        self.setWindowTitle(f"Compare — {title}")
        self.view = CompareView(original, variant, mask, made=made)
        self.mode_group = QButtonGroup(self)
        bar = QHBoxLayout()
        for mode, text in (
            ("split", "Split"),
            ("side", "Side by side"),
            ("difference", "Difference"),
        ):
            button = QPushButton(text)
            button.setCheckable(True)
            button.setChecked(mode == "split")
            button.setProperty("mode", mode)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys (F) stay with the view
            self.mode_group.addButton(button)
            bar.addWidget(button)
        self.mode_group.buttonClicked.connect(lambda b: self.set_mode(b.property("mode")))
        fit, one = QPushButton("Fit"), QPushButton("100%")
        for button in (fit, one):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        fit.clicked.connect(self.view.zoom_fit)
        one.clicked.connect(self.view.zoom_100)
        bar.addWidget(fit)
        bar.addWidget(one)
        bar.addStretch(1)
        self.info = QLabel(HELP_TEXT)
        bar.addWidget(self.info)
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close the compare view (Esc)")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.reject)
        bar.addSpacing(8)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.view.view_changed.connect(self._update_info)
        self.resize(1100, 760)
        self.view.setFocus()

    def set_mode(self, mode: str) -> None:
        """Switch the view's mode and its button."""
        self.view.set_mode(mode)
        self._update_info()

    def _update_info(self) -> None:
        for button in self.mode_group.buttons():
            button.setChecked(button.property("mode") == self.view.mode())
        if self.view.mode() != "difference":
            self.info.setText(MODE_HELP.get(self.view.mode(), HELP_TEXT))
        elif self.view.diff_fractions is None:
            self.info.setText("Computing the difference…")
        else:
            inside, outside = self.view.diff_fractions
            self.info.setText(
                f"Changed pixels: {inside:.1%} of the mask, {outside:.2%} outside it "
                "(outside counts the feathered edge)"
            )


def keep_until_closed(owner: Any, dialog: CompareDialog) -> None:
    """``owner.compare_dialog = dialog`` while it is open; once it is closed the dialog
    is deleted and let go, and with it the whole variant it shows (450 MB at 150 MP),
    rather than kept hidden until the next compare."""
    owner.compare_dialog = dialog

    def closed(_result: int) -> None:
        if getattr(owner, "compare_dialog", None) is dialog:
            owner.compare_dialog = None
        dialog.deleteLater()

    dialog.finished.connect(closed)
