"""HTTP plumbing shared by the remote backends: base-URL checks, one client per backend,
readable error bodies, Retry-After, and capped, validated output downloads."""

from __future__ import annotations

import asyncio
import base64
import binascii
import email.utils
import ipaddress
import json
import time
from typing import Any

import httpx

from editor.backends import pacing
from editor.backends.errors import JobExpiredError, NetworkError, ServiceError
from editor.core.errors import ValidationError

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=120.0, pool=60.0)
MAX_OUTPUT_BYTES = 100 * 1024 * 1024  # one output image, downloaded or base64-decoded
DOWNLOAD_ATTEMPTS = 3
USER_AGENT = "mask-editor"


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, service: str) -> str:
    """Return ``url`` without a trailing slash; refuse anything but https (http only on
    loopback, e.g. the local sandbox). Raises ValidationError with a human message."""
    text = (url or "").strip()
    try:
        parsed = httpx.URL(text)
    except Exception:
        raise ValidationError(
            f"The {service} base URL '{text}' is not a valid URL; use e.g. https://api.example.com."
        ) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValidationError(
            f"The {service} base URL '{text}' must start with https:// and name a server."
        )
    if parsed.userinfo:
        raise ValidationError(
            f"The {service} base URL must not contain a user name or password; "
            "keys come from the keyring or the environment."
        )
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise ValidationError(
            f"The {service} base URL must use https:// (plain http:// is only allowed for a "
            f"server on this machine such as 127.0.0.1): {text}"
        )
    return text.rstrip("/")


def make_client(timeout: httpx.Timeout | None = None) -> httpx.AsyncClient:
    """The one AsyncClient of a backend. No default auth header: keys are added per API
    call, so output downloads (possibly another host) never carry them."""
    return httpx.AsyncClient(
        timeout=timeout or DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The response body as a JSON object, or None when it is not one."""
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


LARGE_JSON_BYTES = 256 * 1024


async def json_object_async(response: httpx.Response) -> dict[str, Any] | None:
    """``json_object`` that parses large bodies (base64 outputs) in a worker thread, so
    the event loop (the UI's, in the window) is not held for tens of milliseconds."""
    if len(response.content) > LARGE_JSON_BYTES:
        return await asyncio.to_thread(json_object, response)
    return json_object(response)


def describe_unreadable(response: httpx.Response) -> str:
    """One line saying what came back instead of the expected JSON."""
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    head = response.content[:200].lstrip().lower()
    if ctype == "text/html" or head.startswith((b"<!doctype html", b"<html")):
        what = "an HTML page instead of JSON (a proxy or a wrong base URL?)"
    elif not response.content:
        what = "an empty answer"
    else:
        what = "an answer that is not valid JSON"
    return f"HTTP {response.status_code} with {what}"


def retry_after(response: httpx.Response, *, cap: float = 120.0) -> float | None:
    """Seconds from a Retry-After header (delta or HTTP date), bounded by ``cap``."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(cap, seconds))


def network_message(service: str, base_url: str, exc: BaseException, action: str) -> str:
    """A one-line description of a transport failure (never includes headers or keys)."""
    if isinstance(exc, httpx.ConnectTimeout):
        why = "the connection timed out"
    elif isinstance(exc, httpx.ConnectError):
        why = "the server could not be reached"
    elif isinstance(exc, httpx.ReadTimeout):
        why = "the server did not answer in time"
    elif isinstance(exc, httpx.WriteTimeout):
        why = "sending took too long"
    elif isinstance(exc, httpx.PoolTimeout):
        why = "too many requests were waiting for a connection"
    elif isinstance(exc, httpx.RemoteProtocolError):
        why = "the connection was closed unexpectedly"
    else:
        why = "the connection broke"
    return f"{action} {service} at {base_url} failed: {why}."


def scrub(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` (an API key a service echoed back) masked."""
    return text.replace(secret, "***") if secret and secret in text else text


def decode_base64(payload: str, service: str, *, cap: int = MAX_OUTPUT_BYTES) -> bytes:
    """The bytes of one base64 output of at most ``cap`` bytes (worker thread)."""
    if len(payload) * 3 // 4 > cap:
        raise _too_large(service, cap)
    try:
        return base64.b64decode(payload, validate=False)
    except (ValueError, binascii.Error):
        raise ServiceError(service, "BadOutput", "an output is not valid base64") from None


async def fetch_output(
    client: httpx.AsyncClient,
    ref: str,
    *,
    service: str,
    job_id: str | None,
    cap: int = MAX_OUTPUT_BYTES,
) -> bytes:
    """The bytes of one output: a data URI (decoded off the loop) or an http(s) URL
    (streamed, following redirects, at most ``cap`` bytes). Safe GETs are retried."""
    if not isinstance(ref, str) or not ref:
        raise ServiceError(service, "BadOutput", "the job finished without an output image")
    if ref.startswith("data:"):
        head, _, payload = ref.partition(",")
        if ";base64" not in head:
            raise ServiceError(service, "BadOutput", "an output is not valid base64")
        return await asyncio.to_thread(decode_base64, payload, service, cap=cap)
    try:
        url = httpx.URL(ref)
    except Exception:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        shown = ref if len(ref) < 80 else ref[:77] + "..."
        raise ServiceError(
            service, "BadOutput", f"an output is not an http(s) URL ({shown}); it was not fetched"
        )
    last: Exception | None = None
    for attempt in range(DOWNLOAD_ATTEMPTS):
        try:
            return await _stream(client, url, cap, service, job_id)
        except (
            httpx.TimeoutException,
            httpx.NetworkError,
            httpx.RemoteProtocolError,
            _Retryable,
        ) as exc:
            last = exc
        await asyncio.sleep(pacing.backoff(attempt, base=0.5, cap=5.0))
    if isinstance(last, _Retryable):
        raise ServiceError(service, "DownloadFailed", str(last), job_id=job_id)
    origin = f"{url.scheme}://{url.host}"
    text = network_message(service, origin, last or Exception(), "Downloading an output from")
    if job_id:
        text += f" Job {job_id} stays in the journal; run `mask-editor-cli resume` later."
    raise NetworkError(text)


def _too_large(service: str, cap: int, job_id: str | None = None) -> ServiceError:
    return ServiceError(
        service, "OutputTooLarge", f"an output is larger than {cap // 2**20} MB", job_id=job_id
    )


class _Retryable(Exception):
    pass


async def _stream(
    client: httpx.AsyncClient, url: httpx.URL, cap: int, service: str, job_id: str | None
) -> bytes:
    async with client.stream("GET", url, follow_redirects=True) as response:
        if response.status_code == 404 or response.status_code == 410:
            raise JobExpiredError(
                service,
                "OutputExpired",
                "the output is no longer available for download",
                job_id=job_id,
                status_code=response.status_code,
            )
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retryable(f"downloading an output answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise ServiceError(
                service,
                "DownloadFailed",
                f"downloading an output answered HTTP {response.status_code}",
                job_id=job_id,
                status_code=response.status_code,
            )
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise _too_large(service, cap, job_id)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes(1 << 20):
            size += len(chunk)
            if size > cap:
                raise _too_large(service, cap, job_id)
            chunks.append(chunk)
        return b"".join(chunks)
