"""Logging to a rotating file in the app-data folder, with every record redacted.

``setup_logging()`` is called once at start (GUI and CLI). Whoever learns an API key
calls ``register_secret(key)`` so that the key is masked wherever it might appear:
messages, arguments, exception text and stack traces. Help > Copy diagnostics uses
``diagnostics_text``.
"""

from __future__ import annotations

import collections
import importlib.metadata
import logging
import logging.handlers
import os
import platform
import sys
import threading
import time
from pathlib import Path
from typing import Any

from editor import __version__
from editor.backends.specs import key_variables
from editor.core.paths import app_data_dir
from editor.core.redact import clean_settings, redact, register_secret

LOG_NAME = "mask-editor.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
MAX_RECORD_CHARS = 20_000
KEY_ENV_VARS = tuple(key_variables().values())  # from the engines' specs
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_errors: collections.deque[str] = collections.deque(maxlen=50)
_errors_lock = threading.Lock()
_handlers: list[logging.Handler] = []


class RedactingFilter(logging.Filter):
    """Rewrites each record in place: message, args, exception and stack text redacted.
    Records made by the installed factory are redacted there; the handlers' copy of this
    filter only catches records made some other way."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} % {record.args!r}"
        if len(message) > MAX_RECORD_CHARS:
            message = message[:MAX_RECORD_CHARS] + f"... ({len(message)} chars)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # the traceback objects may hold the key in locals: drop them once rendered
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._redacted = True
        return True


class _RecentErrors(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        line = f"{time.strftime('%H:%M:%S', time.localtime(record.created))} "
        line += f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_text:
            line += " | " + record.exc_text.strip().splitlines()[-1]
        with _errors_lock:
            _errors.append(line)


_previous_factory: Any = None


def _install_record_factory(redactor: RedactingFilter) -> None:
    """Redact each record where it is made, so every handler (console too) sees it clean."""
    global _previous_factory
    if _previous_factory is not None:
        return
    previous = _previous_factory = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redactor.filter(record)
        return record

    logging.setLogRecordFactory(factory)


def log_path() -> Path:
    """Where the log file is (or would be)."""
    return app_data_dir() / "logs" / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Install the redacting rotating file log (idempotent). None if it cannot be written."""
    for var in KEY_ENV_VARS:  # keys from the keyring are registered by whoever reads them
        register_secret(os.environ.get(var))
    root = logging.getLogger()
    root.setLevel(level)
    if _handlers:
        files = [h for h in _handlers if isinstance(h, logging.FileHandler)]
        if files and Path(files[0].baseFilename) == log_path().absolute():
            return log_path()
        if files:  # the app-data folder moved (MASK_EDITOR_DATA_DIR): log there instead
            _remove_handlers(keep_errors=True)
        else:
            return None
    redactor = RedactingFilter()
    _install_record_factory(redactor)
    recent = _RecentErrors(level=logging.WARNING)
    recent.addFilter(redactor)
    _handlers.append(recent)
    root.addHandler(recent)
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as error:
        logging.getLogger(__name__).warning("Logging to a file is off: %s", error)
        return None
    if os.name != "nt":
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(redactor)
    _handlers.append(handler)
    root.addHandler(handler)
    # httpx logs every request line at INFO; keep it but never the headers (DEBUG).
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return path


def teardown_logging() -> None:
    """Remove and close the handlers installed by ``setup_logging`` (tests)."""
    global _previous_factory
    if _previous_factory is not None:
        logging.setLogRecordFactory(_previous_factory)
        _previous_factory = None
    _remove_handlers(keep_errors=False)


def _remove_handlers(*, keep_errors: bool) -> None:
    root = logging.getLogger()
    for handler in _handlers:
        root.removeHandler(handler)
        handler.close()
    _handlers.clear()
    if not keep_errors:
        with _errors_lock:
            _errors.clear()


def recent_errors(n: int = 20) -> list[str]:
    """The last ``n`` warnings and errors (already redacted), oldest first."""
    with _errors_lock:
        return list(_errors)[-n:]


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _qt_version() -> str:
    qt = sys.modules.get("PySide6.QtCore")
    if qt is not None:
        return f"{qt.qVersion()} (PySide6 {_version('PySide6-Essentials')})"
    return f"PySide6 {_version('PySide6-Essentials')}"


def _safe(where: Any) -> str:
    try:
        return str(where())
    except OSError as error:
        return f"unavailable ({error.strerror or error})"


def diagnostics_text(settings: dict[str, Any] | None = None) -> str:
    """Versions, platform, settings without keys, and the last errors, for a bug report."""
    lines = [
        f"mask-editor {__version__}",
        f"Python {sys.version.split()[0]} ({platform.python_implementation()})",
        f"Platform {platform.platform()} ({platform.machine()})",
        f"Qt {_qt_version()}",
        f"Pillow {_version('Pillow')}, numpy {_version('numpy')}, httpx {_version('httpx')}",
        f"Data folder {_safe(app_data_dir)}",
        f"Log file {_safe(log_path)}",
        "Settings:",
    ]
    cleaned = clean_settings(settings or {})
    lines += [f"  {key} = {value!r}" for key, value in sorted(cleaned.items())] or ["  (none)"]
    errors = recent_errors(20)
    lines.append("Last errors:" if errors else "Last errors: none")
    lines += [f"  {line}" for line in errors]
    return redact("\n".join(lines))
