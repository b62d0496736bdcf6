"""Actions: icons, tooltips naming their shortcut, the tool bar's buttons."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QToolBar, QToolButton

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


def test_a_new_mask_tool_is_a_mask_op_and_an_action_spec(qtbot, qloop, monkeypatch, ui) -> None:  # type: ignore[no-untyped-def]
    """What adding a tool takes (docs): a MASK_OPS entry and one ActionSpec; the window
    creates the action, puts it in its menu, enables it with an image and undoes it."""
    import numpy as np

    from editor.core import document
    from editor.ui import actions
    from editor.ui.window import MainWindow

    def top_half(mask: np.ndarray, _px: int) -> np.ndarray:
        out = np.array(mask, copy=True)
        out[: mask.shape[0] // 2] = 255
        return out

    monkeypatch.setitem(document.MASK_OPS, "top_half", ("Fill top half", top_half, False))
    spec = actions.ActionSpec("Fill &top half", ["Ctrl+Alt+T"], "mask_ops.op:top_half",
                              when="image", menu="&Edit")  # fmt: skip
    monkeypatch.setitem(actions.SPECS, "top_half", spec)
    window = MainWindow()
    window.force_close = True
    qtbot.addWidget(window)
    action = window.actions_.all["top_half"]
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert action in edit.actions() and not action.isEnabled()
    ui.open(window, ui.photo_file())
    assert action.isEnabled()
    action.trigger()
    mask = window.document.mask
    h = mask.shape[0]
    assert (mask[: h // 2] == 255).all() and not mask[h // 2 :].any()
    assert window.canvas.undo_stack.undoText() == "Fill top half"
    window.actions_.all["undo"].trigger()
    assert not window.document.mask.any()
