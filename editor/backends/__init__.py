"""Engines behind one interface (``Backend.run(request) -> events``): FASHN, any
OpenAI-compatible ``/v1/images/edits`` server, and the offline PatchMatch fill."""

from __future__ import annotations

from typing import Any

from editor.backends.base import Backend
from editor.backends.journal import Journal
from editor.core.errors import ValidationError


def default_backend_kind() -> str:
    """'fashn' when a FASHN key is configured, else 'local'."""
    from editor.backends.keys import get_api_key

    return "fashn" if get_api_key("fashn") else "local"


def make_backend(
    kind: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    schema: str = "current",
    journal: Journal | None = None,
    **options: Any,
) -> Backend:
    """A backend of ``kind`` ('local' | 'fashn' | 'openai'). ``api_key`` None means: look
    it up (environment, then keyring). Raises ValidationError for a bad kind/URL."""
    if kind == "local":
        from editor.backends.local import LocalBackend

        return LocalBackend(**options)
    if kind not in ("fashn", "openai"):
        raise ValidationError(f"Unknown backend {kind!r}; choose local, fashn or openai.")
    if api_key is None:
        from editor.backends.keys import get_api_key

        api_key = get_api_key(kind)
    if kind == "fashn":
        from editor.backends.fashn import FashnBackend

        return FashnBackend(
            base_url=base_url, api_key=api_key, schema=schema, journal=journal, **options
        )
    from editor.backends.openai import OpenAIBackend

    return OpenAIBackend(base_url=base_url, api_key=api_key, **options)


__all__ = ["Backend", "Journal", "default_backend_kind", "make_backend"]
