"""Window polish: icons and tooltips, size on small screens, undo during a drag."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QToolBar, QToolButton

from editor.ui.actions import ICONS
from editor.ui.menus import TOOLBAR


def test_actions_have_icons_and_tooltips_naming_their_shortcut(window) -> None:  # type: ignore[no-untyped-def]
    actions = window.actions_.all
    for name, icon_name in ICONS.items():
        assert not actions[name].icon().isNull(), (name, icon_name)
    for name in ("brush", "eraser", "lasso", "invert", "run", "zoom_fit", "undo", "redo"):
        action = actions[name]
        key = action.shortcuts()[0].toString(QKeySequence.SequenceFormat.NativeText)
        assert action.toolTip().endswith(f"({key})"), (name, action.toolTip())
        assert "&" not in action.toolTip()
    assert actions["brush"].toolTip() == "Paint the area to edit (B)"
    assert not window.windowIcon().isNull()
    assert window.windowIcon().availableSizes()  # the app icon's PNG sizes


def test_toolbar_buttons_show_icon_and_readable_text(window) -> None:  # type: ignore[no-untyped-def]
    toolbar = window.findChild(QToolBar, "tools-toolbar")
    assert toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    names = [n for n in TOOLBAR if n != "-"]
    for name in names:
        button = toolbar.widgetForAction(window.actions_.all[name])
        assert isinstance(button, QToolButton)
        assert button.text() and not button.icon().isNull(), name
    # the menu keeps the full text while the tool button shows the short one
    invert = window.actions_.all["invert"]
    assert toolbar.widgetForAction(invert).text() == "Invert"
    assert invert.text() == "&Invert mask"
    # the undo button keeps a short label when the step's name changes
    undo_button = toolbar.widgetForAction(window.actions_.undo)
    window.canvas.set_image(np.zeros((40, 60, 3), np.uint8))
    window.canvas.apply_mask(np.full((40, 60), 255, np.uint8), "Fill mask")
    assert window.actions_.undo.text() == "&Undo Fill mask"
    assert window.actions_.undo.isEnabled() and undo_button.text() == "Undo"
    # results-strip buttons show their text next to the icon
    results = window.findChild(QDockWidget, "results-dock").widget()
    for button in results.findChildren(QToolButton):
        if button.defaultAction() is not None:
            assert button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon


def test_window_fits_the_screen_and_its_panels_fit_at_1280x800(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    area = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    assert window.width() <= area.width() and window.height() <= area.height()
    assert area.contains(window.geometry().center())
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280 and window.height() == 800)
    QApplication.processEvents()
    controls_dock = window.findChild(QDockWidget, "controls-dock")
    results_dock = window.findChild(QDockWidget, "results-dock")
    for dock in (controls_dock, results_dock):
        assert dock.isVisible()
        assert window.rect().contains(dock.geometry())
    assert results_dock.height() >= 150
    assert window.canvas.width() >= 600 and window.canvas.height() >= 350
    # the Run button and the estimate are reachable (scrolled into the panel's viewport)
    run = window.controls.run_button
    top_left = run.mapTo(window, QPoint(0, 0))
    assert window.rect().contains(top_left) or controls_dock.widget().verticalScrollBar()


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


def test_service_elapsed_time_is_not_shown_twice(qtbot) -> None:  # type: ignore[no-untyped-def]
    import time

    from PySide6.QtWidgets import QButtonGroup

    from editor.ui.records import JobRecord
    from editor.ui.results import JobCardWidget

    record = JobRecord(1, "fashn", "scarf", {}, np.zeros((4, 4, 3), np.uint8), None, 20.0)
    record.started = time.monotonic() - 3
    record.state = "processing (2 s)"
    card = JobCardWidget(record, QButtonGroup())
    qtbot.addWidget(card)
    assert card.status_label.text() == "processing · 3 s of about 20 s"
    record.state = "in_queue"
    card.refresh()
    assert card.status_label.text().startswith("in queue · 3 s")
