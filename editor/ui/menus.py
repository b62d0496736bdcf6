"""Menus and the tool bar, built from the window's actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QToolBar

from editor.ui.actions import SPECS

if TYPE_CHECKING:
    from editor.ui.window import MainWindow

MENUS: list[tuple[str, list[str]]] = [
    (
        "&File",
        [
            "open",
            "paste",
            "open_session",
            "-",
            "save_session",
            "-",
            "export_variant",
            "export_all",
            "export_before_after",
            "-",
            "batch",
            "-",
            "load_mask",
            "save_mask",
            "-",
            "settings",
            "-",
            "quit",
        ],
    ),
    ("&Edit", ["undo", "redo", "-", "invert", "clear", "fill", "grow", "shrink", "feather"]),
    (
        "&Tools",
        [
            "brush",
            "eraser",
            "swap",
            "lasso",
            "-",
            "bigger",
            "smaller",
            "harder",
            "softer",
            "-",
            "pressure",
        ],
    ),
    (
        "&View",
        [
            "zoom_in",
            "zoom_out",
            "zoom_fit",
            "zoom_100",
            "-",
            "overlay_cycle",
            "overlay_color",
            "overlay_opacity",
        ],
    ),
    ("&Job", ["run", "cancel", "-", "compare", "use_source", "source_back", "source_forward"]),
    ("&Help", ["shortcuts", "diagnostics"]),
]
TOOLBAR = [
    "open",
    "-",
    "undo",
    "redo",
    "-",
    "brush",
    "eraser",
    "lasso",
    "wand",
    "object_box",
    "colour_range",
    "mask_from_difference",
    "-",
    "invert",
    "clear",
    "-",
    "zoom_fit",
    "-",
    "run",
]
# shorter tool bar labels
TOOLBAR_TEXT = {
    "invert": "Invert",
    "clear": "Clear",
    "zoom_fit": "Fit",
    "zoom_100": "100%",
    "undo": "Undo",
    "redo": "Redo",
    "wand": "Wand",
    "object_box": "Object",
    "colour_range": "Colour",
    "mask_from_difference": "Leak",
}


def build_menus(window: MainWindow) -> None:
    """Fill the menu bar and tool bar; ``window.recent_menu`` lists recent files."""
    actions = window.actions_.all
    bar = window.menuBar()
    for title, names in MENUS:
        menu = bar.addMenu(title)
        added = [n for n, spec in SPECS.items() if spec.menu == title and n not in names]
        for name in [*names, *added]:
            if name == "-":
                menu.addSeparator()
            else:
                menu.addAction(actions[name])
            if name == "paste":
                window.recent_menu = menu.addMenu("Open &recent")
    toolbar = QToolBar("Tools", window)
    toolbar.setObjectName("tools-toolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.setIconSize(QSize(20, 20))
    for name in TOOLBAR:
        if name == "-":
            toolbar.addSeparator()
            continue
        if name in TOOLBAR_TEXT:  # tool buttons show iconText; menus keep the full text
            actions[name].setIconText(TOOLBAR_TEXT[name])
        toolbar.addAction(actions[name])
    window.addToolBar(toolbar)
