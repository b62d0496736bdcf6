"""Keyboard in the window: undo during a drag, Escape back to the canvas."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def test_ctrl_z_during_a_drag_does_not_break_the_stroke_history(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    canvas = window.canvas
    canvas.set_view(2.0, QPointF(80, 60))
    canvas.set_brush_size(6)

    def mouse(kind: QEvent.Type, sx: float, sy: float) -> None:
        pos = canvas.map_from_source(QPointF(sx, sy))
        button = (
            Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
        )
        buttons = (
            Qt.MouseButton.NoButton
            if kind == QEvent.Type.MouseButtonRelease
            else Qt.MouseButton.LeftButton
        )
        event = QMouseEvent(
            kind, pos, canvas.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(canvas, event)

    mouse(QEvent.Type.MouseButtonPress, 40, 40)
    mouse(QEvent.Type.MouseMove, 100, 40)
    mouse(QEvent.Type.MouseButtonRelease, 100, 40)
    first = canvas.mask().copy()
    mouse(QEvent.Type.MouseButtonPress, 70, 20)
    mouse(QEvent.Type.MouseMove, 70, 50)
    canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    mouse(QEvent.Type.MouseMove, 70, 90)
    mouse(QEvent.Type.MouseButtonRelease, 70, 90)
    both = canvas.mask().copy()
    assert both[40, 50] == 255 and both[40, 70] == 255 and both[85, 70] == 255
    assert canvas.undo_stack.count() == 2
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(canvas.mask(), first)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not canvas.mask().any()


def test_escape_in_the_controls_gives_the_keyboard_back_to_the_canvas(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    prompt = window.controls.prompt_edit
    window.controls.set_backend("fashn")
    window.activateWindow()
    prompt.setFocus()
    qtbot.waitUntil(prompt.hasFocus)
    QTest.keyClicks(prompt, "scarf]")
    assert prompt.toPlainText() == "scarf]"  # typed keys are text, not brush shortcuts
    size = window.canvas.brush_size()
    QTest.keyClick(prompt, Qt.Key.Key_Escape)
    qtbot.waitUntil(window.canvas.hasFocus)
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.canvas.brush_size() > size
    assert f"{window.canvas.brush_size():.0f} px" in window.brush_label.text()
