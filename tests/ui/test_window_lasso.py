"""The lasso in the window: the status bar says how it works, and opening the keyboard
sheet (F1) keeps a lasso in progress."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def click(canvas, sx: float, sy: float, mods=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    pos = canvas.map_from_source(QPointF(sx, sy))
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton),
        (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(
            kind, pos, canvas.mapToGlobal(pos), Qt.MouseButton.LeftButton, buttons, mods
        )
        QApplication.sendEvent(canvas, event)


def test_lasso_hints_and_f1_keeps_the_lasso(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    canvas = window.canvas
    canvas.set_view(1.0, QPointF(80, 60))
    QTest.keyClick(window, Qt.Key.Key_L)
    assert canvas.tool() == "lasso"
    assert "drag around the area, release closes it" in window.message_label.text()
    click(canvas, 20, 20, Qt.KeyboardModifier.ControlModifier)
    click(canvas, 100, 20)
    click(canvas, 100, 90)
    assert "Polygon lasso" in window.message_label.text()
    QTest.keyClick(window, Qt.Key.Key_F1)
    sheet = window.support.cheat_sheet
    qtbot.waitUntil(lambda: sheet is not None and sheet.isVisible(), timeout=5_000)
    sheet.close()
    canvas.activateWindow()
    canvas.setFocus()
    assert len(canvas._lasso.points) == 3  # kept through the dialog
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    mask = canvas.mask()
    assert mask[30, 90] == 255 and mask[80, 30] == 0
    assert canvas.undo_stack.undoText() == "Lasso add"


def test_escape_cancels_the_lasso_even_with_a_window_shortcut_on_it(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    canvas = window.canvas
    canvas.set_view(1.0, QPointF(80, 60))
    canvas.set_tool("lasso")
    canvas.setFocus()
    click(canvas, 20, 20, Qt.KeyboardModifier.ControlModifier)
    click(canvas, 100, 20)
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert not canvas._lasso.active()
    assert "Lasso cancelled" in window.message_label.text()


def test_switching_tools_says_a_lasso_in_progress_was_dropped(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    canvas = window.canvas
    canvas.set_view(1.0, QPointF(80, 60))
    window.actions_.lasso.trigger()
    click(canvas, 20, 20, Qt.KeyboardModifier.ControlModifier)
    click(canvas, 100, 20)
    window.actions_.brush.trigger()
    assert canvas.tool() == "brush" and canvas.lasso_points() == 0
    assert "lasso in progress (2 points) was dropped" in window.message_label.text()
