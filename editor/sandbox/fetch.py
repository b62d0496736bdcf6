"""Image inputs given as data URIs or URLs (FASHN accepts both), fetched on a short leash.

What a safe sandbox allows (it must never become a way to reach other services):
- ``data:image/...;base64,`` URIs, decoded in memory;
- its own ``/outputs/...`` URLs, answered in-process (no request is made);
- other URLs only over http(s), only from loopback origins the sandbox was given
  (``Sandbox(fetch_from=["http://127.0.0.1:9000"])``), with no proxy from the environment;
- redirects only within the same origin (scheme, host and port), at most 3;
- at most ``MAX_FETCH_BYTES`` (Content-Length checked first, then counted while reading),
  a 5 s timeout per network step and 15 s in all.
httpx does the HTTP.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import httpx

from editor.sandbox.images import InputError, is_loopback

MAX_FETCH_BYTES = 50 * 2**20  # OpenAI's per-image limit; FASHN advises far smaller inputs
_DATA_URI = re.compile(r"^data:(image/[A-Za-z0-9.+-]+)?(;[^,]*)?,", re.S)
Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower(), port or default


class Fetcher:
    """Bytes of FASHN image inputs; every refusal is an InputError(ImageLoadError)."""

    def __init__(
        self,
        origins: Iterable[str] = (),
        *,
        max_bytes: int = MAX_FETCH_BYTES,
        timeout: float = 5.0,
        total: float = 15.0,
        max_redirects: int = 3,
    ) -> None:
        self.origins: set[Origin] = set()
        for url in origins:
            origin = origin_of(url)
            if origin is None or not is_loopback(origin[1]):
                raise ValueError(f"fetch_from takes http(s) loopback origins, not {url!r}")
            self.origins.add(origin)
        self.max_bytes, self.timeout, self.total = max_bytes, timeout, total
        self.max_redirects = max_redirects

    def fetch(
        self, value: str, what: str, local: Callable[[str], bytes | None] | None = None
    ) -> bytes:
        """Bytes of an input given as a data URI or a URL (``local(path)``: own outputs)."""
        if value.startswith("data:"):
            return _decode_data_uri(value, what)
        origin = origin_of(value)
        if origin is None:
            raise InputError(
                "ImageLoadError",
                f"The {what} must be an http(s) URL or a data URI with a "
                "data:image/...;base64, prefix.",
            )
        if local is not None:
            data = local(urlsplit(value).path)
            if data is not None:
                return data
        if origin not in self.origins:
            raise InputError(
                "ImageLoadError",
                f"The {what} URL could not be downloaded (the sandbox fetches only its own "
                "outputs and the loopback origins it was started with).",
            )
        try:
            return self._download(value, origin, what)
        except httpx.HTTPError:
            raise InputError("ImageLoadError", f"The {what} URL could not be downloaded.") from None

    def _download(self, url: str, origin: Origin, what: str) -> bytes:
        deadline = time.monotonic() + self.total
        with httpx.Client(follow_redirects=False, trust_env=False, timeout=self.timeout) as client:
            for _ in range(self.max_redirects + 1):
                with client.stream("GET", url) as resp:
                    if resp.is_redirect:
                        url = str(resp.url.join(resp.headers.get("location", "")))
                        if origin_of(url) != origin:
                            raise InputError(
                                "ImageLoadError",
                                f"The {what} URL redirects to another host or port; "
                                "the sandbox does not follow it.",
                            )
                        continue
                    if resp.status_code != 200:
                        raise InputError(
                            "ImageLoadError",
                            f"The {what} URL answered HTTP {resp.status_code}.",
                        )
                    return self._read(resp, what, deadline)
        raise InputError("ImageLoadError", f"The {what} URL redirects too many times.")

    def _read(self, resp: httpx.Response, what: str, deadline: float) -> bytes:
        too_big = InputError(
            "ImageLoadError",
            f"The {what} URL is larger than the sandbox accepts ({self.max_bytes // 2**20} MB).",
        )
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise too_big
        data = bytearray()
        for chunk in resp.iter_bytes():
            data += chunk
            if len(data) > self.max_bytes:
                raise too_big
            if time.monotonic() > deadline:
                raise InputError("ImageLoadError", f"The {what} URL is too slow to download.")
        return bytes(data)


def _decode_data_uri(value: str, what: str) -> bytes:
    match = _DATA_URI.match(value[:200])
    if not match or ";base64" not in (match.group(2) or ""):
        raise InputError("ImageLoadError", f"The {what} data URI is not base64 image data.")
    try:
        return base64.b64decode(value[match.end() :], validate=False)
    except (binascii.Error, ValueError):
        raise InputError("ImageLoadError", f"The {what} base64 data is invalid.") from None
