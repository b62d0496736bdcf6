"""Mask secrets (API keys, auth headers) and bulky base64 payloads in text.

``redact`` is applied to every log record, to diagnostics and to anything else that may
end up in a file or on screen. Known keys are registered once (``register_secret``) by
whoever reads them (key store, settings dialog); patterns catch the rest.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

REDACTED = "<redacted>"
MIN_SECRET_LEN = 4  # shorter strings would mask ordinary words
BASE64_MIN_CHARS = 200

_lock = threading.Lock()
_secrets: set[str] = set()

_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+(?:;[\w=.+-]+)*;base64,([A-Za-z0-9+/=_-]*)")
_BASE64_RUN = re.compile(
    r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{" + str(BASE64_MIN_CHARS) + r",}={0,2}"
)
_BEARER = re.compile(r"\b(Bearer)(\s+)[A-Za-z0-9._~+/=:-]+", re.IGNORECASE)
# Authorization / x-api-key / api_key values in headers, JSON, dict reprs, query strings.
_HEADER_VALUE = re.compile(
    r"""(?ix)
    \b(authorization|proxy-authorization|x-api-key|api[_-]?key|access[_-]?token|
       secret|password|token)
    (["']?\s*[:=]\s*["']?)
    (?!<redacted>|<base64)
    ([^"'\s,;}&)\]]+(?:[ ](?!\s)[^"'\s,;}&)\]]+)?)
    """
)
_SECRET_NAME = re.compile(
    r"(^key$|[ _-]key$|^key[ _-]|api[ _-]?key|secret|token|password|passwd|authorization"
    r"|credential)",
    re.IGNORECASE,
)
_KEY_SHAPES = re.compile(r"(?<![A-Za-z0-9])(?:sk|fa|pk|rk)-[A-Za-z0-9_-]{16,}")


def register_secret(value: str | None) -> None:
    """Remember a secret so that every later ``redact`` call masks it."""
    if value and len(value.strip()) >= MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value.strip())


def forget_secrets() -> None:
    """Drop every registered secret (tests)."""
    with _lock:
        _secrets.clear()


def known_secrets() -> tuple[str, ...]:
    """The registered secrets, longest first (so a key containing another is masked whole)."""
    with _lock:
        return tuple(sorted(_secrets, key=len, reverse=True))


def _base64_size(text: str) -> int:
    stripped = text.rstrip("=")
    return len(stripped) * 3 // 4


def _data_uri(match: re.Match[str]) -> str:
    payload = match.group(1)
    if len(payload) < BASE64_MIN_CHARS:
        return match.group(0)
    prefix = match.group(0)[: match.start(1) - match.start(0)]
    return f"{prefix}<base64 {_base64_size(payload)} bytes>"


def _header_value(match: re.Match[str]) -> str:
    value = match.group(3)
    # "Authorization: Bearer <redacted>" was already handled by the bearer rule.
    if value.lower().startswith("bearer ") and value.endswith(REDACTED):
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{REDACTED}"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with keys, auth values and base64 blobs over ~200 chars masked.

    ``secrets`` are masked in addition to the registered ones.
    """
    if not isinstance(text, str):
        text = str(text)
    if not text:
        return text
    extra = [s.strip() for s in secrets if s and len(s.strip()) >= MIN_SECRET_LEN]
    for secret in sorted({*extra, *known_secrets()}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "base64," in text:
        text = _DATA_URI.sub(_data_uri, text)
    if len(text) >= BASE64_MIN_CHARS:
        text = _BASE64_RUN.sub(lambda m: f"<base64 {_base64_size(m.group(0))} bytes>", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _HEADER_VALUE.sub(_header_value, text)
    return _KEY_SHAPES.sub(REDACTED, text)


def server_text(text: object, secrets: Iterable[str | None] = (), *, limit: int = 500) -> str:
    """Text that came from a server (status values, URLs, error messages), safe to print,
    log or show: secrets and secret-looking values redacted, control characters dropped,
    one line of at most ``limit`` characters."""
    clean = redact(str(text), [s for s in secrets if s])
    clean = "".join(ch if ch.isprintable() else " " for ch in clean)
    clean = " ".join(clean.split())
    return clean if len(clean) <= limit else clean[: max(0, limit - 3)] + "..."


def redact_error(exc: BaseException, secrets: Iterable[str | None] = ()) -> BaseException:
    """Redact an error's message (and a ``detail`` attribute) in place and return it:
    errors built from server text (URLs, messages, statuses) are safe to show after it."""
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (server_text(exc.args[0], secrets, limit=2000), *exc.args[1:])
    detail = getattr(exc, "detail", None)
    if isinstance(detail, str):
        try:
            exc.detail = server_text(detail, secrets)  # type: ignore[attr-defined]
        except AttributeError:
            pass
    return exc


def clean_settings(settings: Any, *, _depth: int = 0) -> Any:
    """A JSON-safe copy of ``settings`` without anything that looks like a key or token."""
    if _depth > 8:
        return None
    if isinstance(settings, dict):
        return {
            str(k): clean_settings(v, _depth=_depth + 1)
            for k, v in settings.items()
            if not _SECRET_NAME.search(str(k))
        }
    if isinstance(settings, list | tuple):
        return [clean_settings(v, _depth=_depth + 1) for v in settings]
    if settings is None or isinstance(settings, bool | int | float):
        return settings
    return redact(str(settings))
