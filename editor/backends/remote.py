"""What every engine reached over the network shares: its spec's base URL (checked:
https, or http on loopback), its API key (never shown), one httpx client made on first
use and closed with the backend, and readiness ("no key")."""

from __future__ import annotations

import httpx

from editor.backends.base import Backend
from editor.backends.transport import check_base_url, make_client
from editor.core.errors import ValidationError


class RemoteBackend(Backend):
    """A Backend with a base URL, an API key and one HTTP client."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        spec = self.spec
        self.base_url = check_base_url(base_url or spec.default_url, spec.display_name)
        self._key = (api_key or "").strip() or None
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    @property
    def client(self) -> httpx.AsyncClient:
        """The backend's one client (made on first use; no auth header of its own)."""
        if self._client is None:
            self._client = make_client(self._timeout)
        return self._client

    def _require_key(self) -> None:
        if not self._key:
            raise ValidationError(self.spec.no_key_message)

    async def check_ready(self) -> str | None:
        return None if self._key else self.spec.no_key_message

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
