"""The main window (layout and wiring) and the controllers it wires."""

from editor.ui.window.main import APP_TITLE, MainWindow

__all__ = ["APP_TITLE", "MainWindow"]
