"""Help > Copy diagnostics: versions, settings and the last errors, never a key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

KEY = "fa-DIAGNOSTICS-SECRET-7f3a9c21b8e4"


@pytest.fixture
def logging_on() -> Iterator[Path | None]:
    from editor.core.redact import forget_secrets
    from editor.logs import setup_logging, teardown_logging

    path = setup_logging()
    yield path
    teardown_logging()
    forget_secrets()


def test_diagnostics_have_versions_settings_errors_and_no_key(  # type: ignore[no-untyped-def]
    window, qtbot, ui, logging_on, tmp_path: Path
) -> None:
    from editor.backends import keys

    keys.store_api_key("fashn", KEY)  # no keyring in tests: kept for the session only
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("fashn"))  # the window reads the key
    qtbot.waitUntil(lambda: "checking" not in c.readiness_label.text(), timeout=15_000)
    logging.getLogger("editor.test").error("request failed: upload x%sx refused", KEY)
    ui.open(window, ui.photo_file())
    window.opener.open_path(str(tmp_path / "missing.png"))  # an error the user saw
    qtbot.waitUntil(lambda: "missing.png" in window.message_label.text(), timeout=10_000)

    window.actions_.diagnostics.trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("mask-editor ")
    assert "Python " in text and "Qt " in text and "Pillow " in text
    assert "controls_backend = 'fashn'" in text
    assert "base_url_fashn" in text
    assert "request failed" in text  # the last errors are there ...
    assert KEY not in text and KEY[:16] not in text  # ... without the key
    assert "Copied the diagnostics" in window.message_label.text()
    assert logging_on is not None
    assert KEY not in logging_on.read_text(encoding="utf-8")
