"""Where the app keeps its own files (journal, autosave, logs)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "mask-editor"


def app_data_dir() -> Path:
    """The user's app-data folder; ``MASK_EDITOR_DATA_DIR`` overrides it (tests use this)."""
    override = os.environ.get("MASK_EDITOR_DATA_DIR")
    if override:
        path = Path(override)
    elif sys.platform == "win32":
        path = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / APP_NAME
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / APP_NAME
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / APP_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path
