"""Settings, the keyboard cheat sheet, Help > Copy diagnostics, and status messages
that go away once read."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from editor.ui import prefs
from editor.ui.controls_state import controls_state
from editor.ui.window.controller import Controller

# A status message stays this long plus a reading time per character; an error twice as
# long. A message for work still under way ("Grow mask by 8 px…") stays until replaced.
MESSAGE_SECONDS = 8.0
MESSAGE_SECONDS_PER_CHAR = 0.06
_EXPIRY = "message-expiry"


def message_lifetime_ms(text: str, *, error: bool) -> int | None:
    """How long a status message stays (None: until the next one)."""
    if not text or text.rstrip().endswith(("…", "...")):
        return None
    seconds = MESSAGE_SECONDS + MESSAGE_SECONDS_PER_CHAR * len(text)
    return round(1000 * seconds * (2 if error else 1))


def expire_message(label: QLabel, text: str, *, error: bool = False) -> None:
    """``text`` was just shown in ``label``: clear it after its lifetime, unless another
    message replaced it meanwhile (old messages no longer read as news)."""
    timer = label.findChild(QTimer, _EXPIRY)
    if timer is None:
        timer = QTimer(label)
        timer.setObjectName(_EXPIRY)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: _clear(label, timer))
    timer.stop()
    lifetime = message_lifetime_ms(text, error=error)
    timer.setProperty("text", text)
    if lifetime is not None:
        timer.start(lifetime)


def _clear(label: QLabel, timer: QTimer) -> None:
    if label.text() == timer.property("text"):
        label.clear()
        label.setToolTip("")
        label.setStyleSheet("")


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

        if self.cheat_sheet is not None and self.cheat_sheet.isVisible():
            self.cheat_sheet.raise_()
            self.cheat_sheet.activateWindow()
            return
        self.cheat_sheet = CheatSheetDialog(self.window.actions_.shortcut_rows(), self.window)
        self.cheat_sheet.show()
        # the sheet takes the keyboard: Escape closes it at once, and an Escape meant
        # for it never cancels a lasso in progress on the canvas (which keeps its points)
        self.cheat_sheet.raise_()
        self.cheat_sheet.activateWindow()
        self.cheat_sheet.table.setFocus()

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
