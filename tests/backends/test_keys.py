"""API keys: environment first, then the keyring, else the session; never logged."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend

from editor.backends import keys


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring(monkeypatch):
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(keys, "_session_keys", {})
    monkeypatch.delenv("FASHN_API_KEY", raising=False)
    yield backend
    keyring.set_keyring(previous)


def test_keyring_round_trip_and_env_override(memory_keyring, monkeypatch):
    assert keys.keyring_available()
    assert keys.get_api_key("fashn") is None
    assert keys.store_api_key("fashn", "  secret-1 ") is True
    assert memory_keyring.store[("mask-editor", "fashn")] == "secret-1"
    assert keys.get_api_key("fashn") == "secret-1"
    monkeypatch.setenv("FASHN_API_KEY", "from-env")
    assert keys.get_api_key("fashn") == "from-env"
    monkeypatch.delenv("FASHN_API_KEY")
    keys.store_api_key("fashn", "")
    assert keys.get_api_key("fashn") is None


def test_without_a_keyring_the_key_lives_for_the_session(monkeypatch):
    monkeypatch.setattr(keys, "_keyring", lambda: None)
    monkeypatch.setattr(keys, "_session_keys", {})
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert not keys.keyring_available()
    assert keys.store_api_key("openai", "sess") is False
    assert keys.get_api_key("openai") == "sess"
