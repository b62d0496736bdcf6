"""A small multipart/form-data parser (the ``cgi`` module is gone in Python 3.13)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


class MultipartError(ValueError):
    """The body is not valid multipart/form-data."""


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def _header_params(value: str, header: str = "content-disposition") -> Message:
    msg = Message()
    msg[header] = value
    return msg


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart/form-data Content-Type."""
    msg = _header_params(content_type, "content-type")
    if msg.get_content_type() != "multipart/form-data":
        raise MultipartError("Content-Type must be multipart/form-data.")
    boundary = msg.get_param("boundary", header="content-type")
    if not boundary or not isinstance(boundary, str):
        raise MultipartError("multipart/form-data without a boundary.")
    return boundary


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Parts of a multipart/form-data body, in order."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    start = body.find(delimiter)
    if start < 0:
        raise MultipartError("multipart body has no boundary line.")
    parts: list[Part] = []
    pos = start + len(delimiter)
    while True:
        if body[pos : pos + 2] == b"--":
            return parts  # closing delimiter
        if body[pos : pos + 2] != b"\r\n":
            raise MultipartError("malformed multipart boundary line.")
        pos += 2
        end = body.find(b"\r\n" + delimiter, pos)
        if end < 0:
            raise MultipartError("multipart body is truncated.")
        parts.append(_parse_part(body[pos:end]))
        pos = end + 2 + len(delimiter)


def _parse_part(raw: bytes) -> Part:
    head_end = raw.find(b"\r\n\r\n")
    if head_end < 0:
        # a part with no headers is legal only when empty; we need a name
        raise MultipartError("multipart part without headers.")
    headers: dict[str, str] = {}
    for line in raw[:head_end].decode("utf-8", errors="replace").split("\r\n"):
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    disposition = headers.get("content-disposition")
    if not disposition:
        raise MultipartError("multipart part without Content-Disposition.")
    msg = _header_params(disposition)
    name = msg.get_param("name", header="content-disposition")
    if not isinstance(name, str) or not name:
        raise MultipartError("multipart part without a name.")
    filename = msg.get_param("filename", header="content-disposition")
    return Part(
        name=name,
        data=raw[head_end + 4 :],
        filename=filename if isinstance(filename, str) else None,
        content_type=headers.get("content-type"),
    )
