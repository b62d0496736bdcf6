"""Settings: API keys (keyring, never in files), base URLs, default backend, overlay."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from editor.ui import prefs

OVERLAY_COLOR = "overlay/color"
OVERLAY_OPACITY = "overlay/opacity"
DEFAULT_OVERLAY_COLOR = "#ff3050"
DEFAULT_OVERLAY_OPACITY = 0.5
OVERLAY_AUTO = "auto"  # stored when the overlay colour follows each photo
_ENV = {"fashn": "FASHN_API_KEY", "openai": "OPENAI_API_KEY"}


def overlay_color_choice() -> QColor | None:
    """The overlay colour the user chose, or None when it follows each photo (automatic:
    a hue far from the photo's; also the default until a colour is chosen)."""
    stored = prefs.get_str(OVERLAY_COLOR, OVERLAY_AUTO)
    color = QColor(stored)
    return color if stored != OVERLAY_AUTO and color.isValid() else None


def set_overlay_color_choice(color: QColor | None) -> None:
    """Remember a chosen overlay colour, or None for automatic."""
    prefs.set_value(OVERLAY_COLOR, OVERLAY_AUTO if color is None else color.name())


def overlay_color() -> QColor:
    """The chosen overlay colour, or the default when it is automatic."""
    return overlay_color_choice() or QColor(DEFAULT_OVERLAY_COLOR)


def overlay_opacity() -> float:
    return min(1.0, max(0.05, prefs.get_float(OVERLAY_OPACITY, DEFAULT_OVERLAY_OPACITY)))


class SettingsDialog(QDialog):
    """Edits keys (to the OS keyring) and preferences (to QSettings)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(540)  # base URLs and the key placeholder stay readable
        from editor.backends import keys

        self._keys = keys
        self.key_edits: dict[str, QLineEdit] = {}
        self.url_edits: dict[str, QLineEdit] = {}
        self.url_warnings: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        self.keyring_label = QLabel()
        self.keyring_label.setWordWrap(True)
        if keys.keyring_available():
            self.keyring_label.setText("Keys are stored in the system keyring.")
        else:
            self.keyring_label.setText(
                "No system keyring is available: keys you enter are kept for this session "
                "only (they are never written to a file). Set FASHN_API_KEY / OPENAI_API_KEY "
                "to keep them across sessions."
            )
        layout.addWidget(self.keyring_label)
        for kind, title in (("fashn", "FASHN"), ("openai", "OpenAI-compatible")):
            box = QGroupBox(title)
            form = QFormLayout(box)
            key_edit = QLineEdit()
            key_edit.setEchoMode(QLineEdit.EchoMode.Password)
            env = _ENV[kind]
            if os.environ.get(env):
                key_edit.setPlaceholderText(f"set by the {env} environment variable")
                key_edit.setEnabled(False)
            else:
                has = keys.get_api_key(kind) is not None
                key_edit.setPlaceholderText(
                    "a key is stored (type to replace)" if has else "paste the API key"
                )
            form.addRow("API key", key_edit)
            url_edit = QLineEdit(prefs.base_url(kind))
            url_edit.setPlaceholderText(prefs.DEFAULT_BASE_URLS[kind])
            form.addRow("Base URL", url_edit)
            warning = QLabel("")
            warning.setWordWrap(True)
            warning.setStyleSheet("color: #c62828;")
            form.addRow("", warning)
            url_edit.textChanged.connect(lambda _t, k=kind: self._check_url(k))
            self.key_edits[kind] = key_edit
            self.url_edits[kind] = url_edit
            self.url_warnings[kind] = warning
            layout.addWidget(box)
        general = QGroupBox("Editor")
        form = QFormLayout(general)
        self.default_box = QComboBox()
        for kind, name in prefs.BACKEND_NAMES.items():
            self.default_box.addItem(name, kind)
        self.default_box.setCurrentIndex(self.default_box.findData(prefs.default_backend()))
        form.addRow("Default backend", self.default_box)
        self._color: QColor | None = overlay_color_choice()
        self.color_button = QPushButton()
        self.color_button.clicked.connect(self._pick_color)
        self._show_color()
        form.addRow("Mask overlay colour", self.color_button)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(5, 100)
        self.opacity_slider.setValue(round(overlay_opacity() * 100))
        form.addRow("Mask overlay opacity", self.opacity_slider)
        layout.addWidget(general)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for kind in self.url_edits:
            self._check_url(kind)

    def url_problem(self, kind: str) -> str | None:
        """Why the typed base URL cannot be used (not https on the network...), or None."""
        from editor.backends.transport import check_base_url
        from editor.core.errors import EditorError

        url = self.url_edits[kind].text().strip() or prefs.DEFAULT_BASE_URLS[kind]
        name = "FASHN" if kind == "fashn" else "OpenAI-compatible"
        try:
            check_base_url(url, name)
        except EditorError as error:
            return str(error)
        return None

    def _check_url(self, kind: str) -> None:
        problem = self.url_problem(kind)
        label = self.url_warnings[kind]
        label.setText(problem or "")
        label.setVisible(problem is not None)

    def _pick_color(self) -> None:
        from editor.ui.dialogs import OverlayColorDialog

        dialog = OverlayColorDialog(self._color, None, self)
        if dialog.exec():
            self.set_color(dialog.choice())

    def set_color(self, color: QColor | None) -> None:
        """A chosen overlay colour, or None for automatic (far from each photo's hues)."""
        self._color = None if color is None else QColor(color)
        self._show_color()

    def _show_color(self) -> None:
        if self._color is None:
            self.color_button.setText("Automatic (far from the photo's colours)")
            self.color_button.setStyleSheet("")
            return
        self.color_button.setText(self._color.name())
        self.color_button.setStyleSheet(f"background: {self._color.name()};")

    def save(self) -> list[str]:
        """Store everything; returns notes for the user (e.g. a session-only key)."""
        notes = []
        for kind, edit in self.key_edits.items():
            key = edit.text().strip()
            if key and edit.isEnabled():
                from editor.logs import register_secret

                register_secret(key)
                if not self._keys.store_api_key(kind, key):
                    notes.append(f"The {kind} key is kept for this session only (no keyring).")
                edit.clear()
        for kind, edit in self.url_edits.items():
            url = edit.text().strip() or prefs.DEFAULT_BASE_URLS[kind]
            prefs.set_value(f"backends/{kind}/base_url", url)
        prefs.set_value("backends/default", self.default_box.currentData())
        set_overlay_color_choice(self._color)
        prefs.set_value(OVERLAY_OPACITY, self.opacity_slider.value() / 100)
        return notes

    def accept(self) -> None:
        problems = [p for kind in self.url_edits if (p := self.url_problem(kind))]
        if problems:  # keys must never travel in clear text over the network
            self.message.setText(problems[0])
            self.message.setStyleSheet("color: #c62828;")
            return
        self.notes = self.save()
        super().accept()
