"""The log file and diagnostics never contain a key; base64 bodies are summarised."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import editor.logs as logs
from editor.logs import diagnostics_text, recent_errors, register_secret, setup_logging

KEY = "fa-LOGTESTKEY-0123456789abcdef"


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    logs.teardown_logging()
    yield
    logs.teardown_logging()


def _all_log_text(folder: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "".join(p.read_text("utf-8") for p in sorted(folder.glob("mask-editor.log*")))


def _fail_with_key(key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    raise RuntimeError(f"server refused {headers}")


def test_log_file_is_in_app_data_and_has_no_key(data_dir: Path) -> None:
    path = setup_logging()
    assert path == data_dir / "logs" / "mask-editor.log"
    register_secret(KEY)
    log = logging.getLogger("editor.backends.fashn")
    log.info("submitting with key %s", KEY)
    log.info(f"inline {KEY} in the message")
    log.warning("headers=%r", {"Authorization": f"Bearer {KEY}"})
    try:
        _fail_with_key(KEY)
    except RuntimeError:
        log.exception("job failed for %s", KEY)
    try:
        try:
            _fail_with_key(KEY)
        except RuntimeError as inner:
            raise ValueError(f"wrapped {KEY}") from inner
    except ValueError:
        logging.getLogger("httpx").error("chained", exc_info=True, stack_info=True)
    text = _all_log_text(path.parent)
    assert KEY not in text
    assert "LOGTESTKEY" not in text
    assert text.count("<redacted>") >= 7
    assert "Traceback (most recent call last)" in text  # the traceback is kept, redacted
    assert "RuntimeError: server refused" in text and "ValueError: wrapped" in text


def test_keys_from_the_environment_are_registered(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = "plainkeywithnoprefix0123"  # no pattern would catch it: only the registry can
    monkeypatch.setenv("OPENAI_API_KEY", bare)
    path = setup_logging()
    assert path is not None
    logging.getLogger("editor.x").warning("using %s", bare)
    assert bare not in _all_log_text(path.parent)
    assert "using <redacted>" in _all_log_text(path.parent)


def test_unregistered_bearer_and_base64_are_masked(data_dir: Path) -> None:
    path = setup_logging()
    assert path is not None
    payload = base64.b64encode(b"\x00\x10" * 5000).decode()
    log = logging.getLogger("editor.backends.openai")
    log.info("POST body=%s", f'{{"image": "data:image/png;base64,{payload}"}}')
    log.info("Authorization: Bearer unknown-token-123")
    text = _all_log_text(path.parent)
    assert payload[:40] not in text
    assert "<base64 10000 bytes>" in text
    assert "unknown-token-123" not in text


def test_other_handlers_see_redacted_records(data_dir: Path) -> None:
    setup_logging()
    register_secret(KEY)
    stream = io.StringIO()
    console = logging.StreamHandler(stream)
    logging.getLogger().addHandler(console)
    try:
        logging.getLogger("editor.cli").error("refused: %s", KEY)
    finally:
        logging.getLogger().removeHandler(console)
    assert "refused: <redacted>" in stream.getvalue()


def test_rotation_caps_size(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 20_000)
    path = setup_logging()
    assert path is not None
    log = logging.getLogger("editor.test")
    for i in range(2000):
        log.info("line %d %s", i, "x" * 80)
    files = sorted(path.parent.glob("mask-editor.log*"))
    assert [p.name for p in files] == [
        "mask-editor.log",
        "mask-editor.log.1",
        "mask-editor.log.2",
        "mask-editor.log.3",
    ]
    assert all(p.stat().st_size <= 20_000 for p in files)


def test_setup_twice_does_not_duplicate_lines(data_dir: Path) -> None:
    path = setup_logging()
    assert setup_logging() == path
    logging.getLogger("editor.x").info("only once")
    assert path is not None
    assert _all_log_text(path.parent).count("only once") == 1


def test_unwritable_data_dir_does_not_crash(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("MASK_EDITOR_DATA_DIR", str(blocker / "data"))
    assert setup_logging() is None
    logging.getLogger("editor.x").error("still fine")
    assert "still fine" in recent_errors(1)[0]
    assert "Data folder unavailable" in diagnostics_text({})


def test_recent_errors_and_diagnostics(data_dir: Path) -> None:
    setup_logging()
    register_secret(KEY)
    log = logging.getLogger("editor.jobs")
    log.info("not an error")
    for i in range(30):
        log.error("job %d failed with key %s", i, KEY)
    errors = recent_errors(5)
    assert len(errors) == 5 and "job 29 failed" in errors[-1]
    assert all(KEY not in line for line in errors)
    assert not any("not an error" in line for line in recent_errors(50))
    text = diagnostics_text(
        {
            "backend": "fashn",
            "fashn_api_key": KEY,
            "base_url": "http://127.0.0.1:8787",
            "nested": {"openai_key": "sk-zzzzzzzzzzzzzzzzzzzzzzzz", "overlay": "red"},
        }
    )
    assert KEY not in text and "zzzzzzzz" not in text
    assert "fashn_api_key" not in text
    for needle in ("mask-editor", "Python", "Platform", "Qt", "Pillow", "numpy", "httpx"):
        assert needle in text
    assert "backend = 'fashn'" in text and "'overlay': 'red'" in text
    assert "job 29 failed with key <redacted>" in text
