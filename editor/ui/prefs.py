"""Application preferences in QSettings (never secrets).

``MASK_EDITOR_SETTINGS_DIR`` redirects the settings to an INI file in that folder
(tests and the benchmark use it so the user's own settings are never touched).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from editor.backends.specs import SPECS, display_names

ORGANIZATION = "mask-editor"
APPLICATION = "mask-editor"
MAX_RECENT = 10
# Read from the engines' specs (editor.backends.specs), never written here.
BACKEND_NAMES = display_names()
DEFAULT_BASE_URLS = {kind: spec.default_url for kind, spec in SPECS.items() if spec.remote}
# Words that never belong in a settings file; set_value refuses such keys.
_SECRET_WORDS = ("api_key", "apikey", "token", "secret", "password")


def app_settings() -> QSettings:
    """The app's QSettings (an INI file under MASK_EDITOR_SETTINGS_DIR when set)."""
    folder = os.environ.get("MASK_EDITOR_SETTINGS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "mask-editor.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def set_value(name: str, value: object) -> None:
    """Store one preference; refuses names that look like secrets."""
    lowered = name.lower()
    if any(word in lowered for word in _SECRET_WORDS):
        raise ValueError(f"refusing to store {name!r} in settings: secrets go to the keyring")
    settings = app_settings()
    settings.setValue(name, value)
    settings.sync()


def get_value(name: str) -> object:
    """A stored preference as QSettings returns it (None when never stored)."""
    return app_settings().value(name)


def controls_key(kind: str, name: str) -> str:
    """Where the controls panel keeps the last value of setting ``name`` for engine
    ``kind`` (resolution, mode, variants, ...: remembered across restarts)."""
    return f"controls/{kind}/{name}"


def get_str(name: str, default: str = "") -> str:
    value = app_settings().value(name, default)
    return default if value is None else str(value)


def get_float(name: str, default: float) -> float:
    try:
        return float(app_settings().value(name, default))
    except (TypeError, ValueError):
        return default


def base_url(kind: str) -> str:
    """The configured base URL of a remote backend ('' for local)."""
    if kind not in DEFAULT_BASE_URLS:
        return ""
    return get_str(f"backends/{kind}/base_url", DEFAULT_BASE_URLS[kind]) or DEFAULT_BASE_URLS[kind]


def default_backend() -> str:
    """The backend the window starts with: the saved choice; else FASHN when its key is
    in the environment; else Local (the offline engine needs no account). Only the
    environment is read here: a keyring lookup can block, and this runs at start-up."""
    fallback = "fashn" if os.environ.get(SPECS["fashn"].key_env, "").strip() else "local"
    kind = get_str("backends/default", fallback)
    return kind if kind in BACKEND_NAMES else fallback


def recent_files() -> list[str]:
    value = app_settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value] if value else []
    return [str(v) for v in (value or [])]


def add_recent_file(path: str) -> list[str]:
    """Put ``path`` first in the recent list (deduplicated, capped) and return the list."""
    path = str(Path(path).resolve())
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # QSettings would silently drop the undecodable bytes
        return recent_files()
    files = [path] + [p for p in recent_files() if p != path]
    files = files[:MAX_RECENT]
    set_value("recent_files", files)
    return files
