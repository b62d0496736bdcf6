"""Settings: keys go to the keyring (or the session), never into the settings file."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtGui import QColor

from editor.backends import keys
from editor.ui import prefs
from editor.ui.settings import SettingsDialog, overlay_color, overlay_opacity

KEY = "sk-settings-secret-5150"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def _all_files_text(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_no_keyring_keeps_key_for_session_only(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert "session only" in dialog.keyring_label.text()
    dialog.key_edits["fashn"].setText(KEY)
    dialog.url_edits["fashn"].setText("http://127.0.0.1:9999")
    dialog.default_box.setCurrentIndex(dialog.default_box.findData("fashn"))
    dialog.set_color(QColor("#00ff00"))
    dialog.opacity_slider.setValue(70)
    dialog.accept()
    assert any("session only" in n for n in dialog.notes)
    assert keys.get_api_key("fashn") == KEY
    assert prefs.base_url("fashn") == "http://127.0.0.1:9999"
    assert prefs.default_backend() == "fashn"
    assert overlay_color().name() == "#00ff00" and overlay_opacity() == pytest.approx(0.7)
    written = _all_files_text(tmp_path / "settings")
    assert b"127.0.0.1:9999" in written
    assert KEY.encode() not in written
    assert KEY.encode() not in _all_files_text(tmp_path)


def test_keyring_stores_key(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert "system keyring" in dialog.keyring_label.text()
    dialog.key_edits["openai"].setText(KEY)
    dialog.accept()
    assert dialog.notes == []
    assert KEY in ring.store.values()
    assert KEY.encode() not in _all_files_text(tmp_path)


def test_environment_key_overrides(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FASHN_API_KEY", KEY)
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    edit = dialog.key_edits["fashn"]
    assert not edit.isEnabled() and "FASHN_API_KEY" in edit.placeholderText()
    assert KEY not in edit.text()


def test_settings_refuse_secret_names() -> None:
    with pytest.raises(ValueError):
        prefs.set_value("backends/fashn/api_key", KEY)


def test_settings_file_lives_in_the_redirected_folder(tmp_path: Path) -> None:
    prefs.set_value("backends/default", "openai")
    assert (tmp_path / "settings" / "mask-editor.ini").exists()
    assert prefs.default_backend() == "openai"
