"""Mouse input of the selection tools on the canvas: the magic wand (a click) and the
object box (a drag, shown as a rubber band). An event filter on the canvas, so the
brush and lasso code in input.py stays as it is: with another tool it lets every
event through. Panning (middle drag, Space + drag) and the wheel are left alone.

It only reports where the user clicked or dragged, in source pixels, with the
modifiers (Shift adds, Alt subtracts); the window's selection controller computes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QRubberBand

if TYPE_CHECKING:
    from editor.ui.canvas.view import CanvasView

MIN_BOX_DRAG = 4.0  # widget pixels: a shorter drag is a click, not a box


class SelectionInput(QObject):
    """Reports wand clicks and box drags on ``canvas`` when its tool is 'wand' / 'box'."""

    wand_clicked = Signal(QPointF, bool, bool)  # source point, add (Shift), subtract (Alt)
    box_dragged = Signal(QRectF, bool, bool)  # source rectangle, add, subtract

    def __init__(self, canvas: CanvasView) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self._press: QPointF | None = None  # widget position of the box drag's press
        self._band = QRubberBand(QRubberBand.Shape.Rectangle, canvas)
        self._band.setObjectName("object-box-band")
        canvas.installEventFilter(self)

    def box_in_progress(self) -> bool:
        return self._press is not None

    def _active(self) -> bool:
        return self.canvas.tool() in ("wand", "box") and self.canvas.has_image()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is not self.canvas or not self._active():
            if self._press is not None and obj is self.canvas:
                self._cancel()
            return False
        kind = event.type()
        if kind in (QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease):
            event.ignore()  # not accepted: Qt sends the pen as mouse events, handled below
            return True
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            return self._pressed(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.MouseMove and self._press is not None:
            self._moved(event)  # type: ignore[arg-type]
            return False  # the canvas still updates its cursor position label
        if kind == QEvent.Type.MouseButtonRelease and self._press is not None:
            return self._released(event)  # type: ignore[arg-type]
        if (kind == QEvent.Type.KeyPress and self._press is not None
                and event.key() == Qt.Key.Key_Escape):  # type: ignore[attr-defined]  # fmt: skip
            self._cancel()
            return True
        return False

    def _pressed(self, e: QMouseEvent) -> bool:
        if e.button() != Qt.MouseButton.LeftButton or getattr(self.canvas, "_space_held", False):
            return False  # panning and other buttons: the canvas's own handling
        self.canvas.setFocus(Qt.FocusReason.MouseFocusReason)
        self.canvas.show_variant(None)  # a selection edits the photo's mask: show the photo
        if self.canvas.tool() == "wand":
            add, sub = _modifiers(e)
            self.wand_clicked.emit(self.canvas.map_to_source(e.position()), add, sub)
            return True
        self._press = QPointF(e.position())
        self._band.setGeometry(QRect(self._press.toPoint(), self._press.toPoint()))
        self._band.show()
        return True

    def _moved(self, e: QMouseEvent) -> None:
        assert self._press is not None
        self._band.setGeometry(QRectF(self._press, e.position()).normalized().toRect())

    def _released(self, e: QMouseEvent) -> bool:
        if e.button() != Qt.MouseButton.LeftButton:
            return False
        press, self._press = self._press, None
        self._band.hide()
        assert press is not None
        end = QPointF(e.position())
        if abs(end.x() - press.x()) < MIN_BOX_DRAG or abs(end.y() - press.y()) < MIN_BOX_DRAG:
            self.canvas.status_hint.emit("Drag a box around the object (a click is no box).")
            return True
        a, b = self.canvas.map_to_source(press), self.canvas.map_to_source(end)
        add, sub = _modifiers(e)
        self.box_dragged.emit(QRectF(a, b).normalized(), add, sub)
        return True

    def _cancel(self) -> None:
        self._press = None
        self._band.hide()


def _modifiers(e: QMouseEvent) -> tuple[bool, bool]:
    mods = e.modifiers()
    return (
        bool(mods & Qt.KeyboardModifier.ShiftModifier),
        bool(mods & Qt.KeyboardModifier.AltModifier),
    )
