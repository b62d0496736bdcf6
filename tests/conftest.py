"""Shared fixtures for every test tier.

- every test gets its own app-data folder (MASK_EDITOR_DATA_DIR), never the user's;
- ``sandbox``: a started FASHN + OpenAI-compatible server on 127.0.0.1 with zero
  delays, key ``SANDBOX_KEY`` (``sandbox.key``) and 100 credits, stopped after the test;
- ``make_sandbox(**kwargs)``: more sandboxes with other settings (key=None accepts any
  key, ``limits=``, ``concurrency=``, ``delays=``, ``credits=``), all stopped afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from editor.sandbox import Sandbox

SANDBOX_KEY = "sk-sandbox-test-0123456789"


@pytest.fixture(autouse=True)
def _isolated_app_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MASK_EDITOR_DATA_DIR", str(tmp_path_factory.mktemp("app-data")))


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def make(**kwargs: Any) -> Sandbox:
        kwargs.setdefault("key", SANDBOX_KEY)
        sandbox = Sandbox(**kwargs).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(delays=0, credits=100.0)
