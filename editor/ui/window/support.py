"""Settings, the keyboard cheat sheet, and Help > Copy diagnostics."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication

from editor.ui import prefs
from editor.ui.controls_state import controls_state
from editor.ui.window.controller import Controller


class SupportController(Controller):
    """Dialogs about the app rather than the document."""

    cheat_sheet: Any = None

    def open_settings(self) -> None:
        from editor.ui.settings import SettingsDialog

        dialog = SettingsDialog(self.window)
        if dialog.exec():
            self.window.mask_ops.apply_overlay_prefs()
            for note in getattr(dialog, "notes", []):
                self.show_info(note)
            self.window.run.refresh_backend_state()

    def show_shortcuts(self) -> None:
        from editor.ui.dialogs import CheatSheetDialog

        self.cheat_sheet = CheatSheetDialog(self.window.actions_.with_shortcuts(), self.window)
        self.cheat_sheet.show()
        # keys go to the sheet now: an Escape meant for it must not cancel a lasso
        # in progress on the canvas (which keeps its points while the sheet is open)
        self.cheat_sheet.raise_()
        self.cheat_sheet.activateWindow()
        self.cheat_sheet.setFocus()

    def copy_diagnostics(self) -> str:
        """Versions, settings (never a key) and the last errors, to the clipboard."""
        from editor.logs import diagnostics_text

        settings: dict[str, Any] = {
            f"base_url_{kind}": prefs.base_url(kind) for kind in prefs.DEFAULT_BASE_URLS
        }
        settings["default_backend"] = prefs.default_backend()
        settings.update({f"controls_{k}": v for k, v in controls_state(self.controls).items()})
        settings["autosave_folder"] = str(self.window.session.autosaver.folder)
        text = diagnostics_text(settings)
        QGuiApplication.clipboard().setText(text)
        self.show_info("Copied the diagnostics (versions, settings, last errors; no keys).")
        return text
