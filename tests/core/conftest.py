"""Fixtures for the core tests (no Qt, no network)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _app_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Core code never writes to the real app-data folder during tests."""
    monkeypatch.setenv("MASK_EDITOR_DATA_DIR", str(tmp_path_factory.mktemp("appdata")))
