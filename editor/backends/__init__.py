"""Engines behind one interface (``Backend.run(request) -> events``): FASHN, any
OpenAI-compatible ``/v1/images/edits`` server, and the offline PatchMatch fill. Each is
described once in ``editor.backends.specs``."""

from __future__ import annotations

import importlib
from typing import Any

from editor.backends.base import Backend
from editor.backends.journal import Journal
from editor.backends.specs import SPECS, BackendSpec, spec_for


def default_backend_kind() -> str:
    """'fashn' when a FASHN key is configured, else 'local'."""
    from editor.backends.keys import get_api_key

    return "fashn" if get_api_key("fashn") else "local"


def make_backend(
    kind: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    journal: Journal | None = None,
    schema: str | None = None,
    **options: Any,
) -> Backend:
    """A backend of ``kind`` (a key of ``SPECS``). ``api_key`` None means: look it up
    (environment, then keyring). ``journal`` records a remote engine's jobs that can be
    resumed (FASHN). Raises ValidationError for an unknown kind or a bad URL.

    ``schema`` is accepted only from callers written before the schema moved into the
    request (``EditRequest.schema``); it is checked and otherwise unused."""
    spec = spec_for(kind)
    if schema is not None and len(spec.schemas) > 1 and schema not in spec.schemas:
        from editor.core.errors import ValidationError
        from editor.core.validation import one_of

        raise ValidationError(
            f"Unknown {spec.display_name} schema {schema!r}; choose {one_of(spec.schemas)}."
        )
    module, _, name = spec.implementation.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not spec.remote:
        return cls(**options)
    if api_key is None and spec.needs_key:
        from editor.backends.keys import get_api_key

        api_key = get_api_key(kind)
    if journal is not None:  # FASHN keeps accepted ids, OpenAI paid answers (CLI, resume)
        options["journal"] = journal
    return cls(base_url=base_url, api_key=api_key, **options)


__all__ = ["SPECS", "Backend", "BackendSpec", "Journal", "default_backend_kind", "make_backend"]
