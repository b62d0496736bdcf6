"""What every window controller is given: the document, the widgets, and the window
for messages, dialogs' parent and refreshing title and actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from editor.ui.window.main import MainWindow


class Controller:
    """Base of the window's controllers: plain classes, no Qt inheritance."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.doc = window.document
        self.canvas = window.canvas
        self.controls = window.controls
        self.results = window.results
        self.runner = window.runner

    def show_info(self, text: str) -> None:
        self.window.show_info(text)

    def show_error(self, text: str) -> None:
        self.window.show_error(text)

    def refresh(self) -> None:
        """Title and actions follow the state."""
        self.window.update_title()
        self.window.update_actions()
