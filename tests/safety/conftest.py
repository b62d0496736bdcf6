"""Shared fixtures for the safety tests (no Qt, no network)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from editor.core.redact import forget_secrets


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own app-data folder and starts with no registered secrets."""
    folder = tmp_path / "appdata"
    monkeypatch.setenv("MASK_EDITOR_DATA_DIR", str(folder))
    forget_secrets()
    yield folder
    forget_secrets()
