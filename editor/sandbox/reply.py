"""What an endpoint answers: status, headers and a body (whole or streamed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Reply:
    """One HTTP answer. ``stream`` (if set) is sent with chunked transfer encoding."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None


def json_reply(status: int, obj: object, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer with the given status."""
    return Reply(status, json.dumps(obj).encode(), "application/json", dict(headers or {}))


def fashn_error(
    status: int, name: str, message: str, headers: dict[str, str] | None = None
) -> Reply:
    """FASHN's refusal shape: ``{"error": NAME, "message": ...}`` (no job was created)."""
    return json_reply(status, {"error": name, "message": message}, headers)


def openai_error(
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """OpenAI's error shape: ``{"error": {"message", "type", "param", "code"}}``."""
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return json_reply(status, body, headers)
