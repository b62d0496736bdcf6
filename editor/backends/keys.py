"""API keys: environment variable first, then the OS keyring, else kept for the session.

Keys are never logged, never written to settings and never put into error messages.
"""

from __future__ import annotations

import os

from editor.backends.specs import key_variables
from editor.core.redact import register_secret

KEYRING_SERVICE = "mask-editor"
ENV_VARS = key_variables()  # kind -> environment variable, from the engines' specs
_session_keys: dict[str, str] = {}


def _keyring():
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        # the chainer and null backends report priority <= 0 when nothing real is behind them
        chained = getattr(backend, "backends", None)
        if not chained:
            return None
    return keyring


def keyring_available() -> bool:
    """True when an OS keyring backend can store secrets."""
    return _keyring() is not None


def get_api_key(service: str) -> str | None:
    """The key for ``service`` (an engine kind such as 'fashn'): env var, then keyring, then the
    session; None when there is none."""
    env = os.environ.get(ENV_VARS.get(service, ""), "").strip()
    if env:
        register_secret(env)
        return env
    kr = _keyring()
    if kr is not None:
        try:
            stored = kr.get_password(KEYRING_SERVICE, service)
        except Exception:
            stored = None
        if stored:
            register_secret(stored.strip())
            return stored.strip()
    return _session_keys.get(service)


def store_api_key(service: str, key: str) -> bool:
    """Keep ``key`` in the OS keyring; returns False when there is no keyring (the key is
    then kept for this session only). An empty key deletes the stored one."""
    key = (key or "").strip()
    if key:
        register_secret(key)
        _session_keys[service] = key
    else:
        _session_keys.pop(service, None)
    kr = _keyring()
    if kr is None:
        return False
    try:
        if key:
            kr.set_password(KEYRING_SERVICE, service, key)
        else:
            try:
                kr.delete_password(KEYRING_SERVICE, service)
            except Exception:
                pass
    except Exception:
        return False
    return True
