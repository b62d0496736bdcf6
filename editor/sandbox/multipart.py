"""multipart/form-data bodies, parsed by python-multipart (the streaming parser Starlette
uses): this module only collects its callbacks into ``Part`` objects."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

# the parser also logs each error it raises; the sandbox answers with it instead
logging.getLogger("python_multipart").addHandler(logging.NullHandler())
MAX_PARTS = 64  # 16 images, a mask and the text fields fit many times over


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


def boundary_of(content_type: str) -> bytes:
    """The boundary parameter of a multipart/form-data Content-Type."""
    ctype, params = parse_options_header(content_type)
    if ctype != b"multipart/form-data":
        raise MultipartError("Content-Type must be multipart/form-data.")
    boundary = params.get(b"boundary")
    if not boundary:
        raise MultipartError("multipart/form-data without a boundary.")
    return boundary


@dataclass
class _Collector:
    parts: list[Part] = field(default_factory=list)
    headers: dict[bytes, bytes] = field(default_factory=dict)
    field_name: bytearray = field(default_factory=bytearray)
    field_value: bytearray = field(default_factory=bytearray)
    data: list[bytes] = field(default_factory=list)
    ended: bool = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda d, s, e: self.field_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self.field_value.extend(d[s:e]),
            "on_header_end": self.header_end,
            "on_part_data": lambda d, s, e: self.data.append(bytes(d[s:e])),
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def part_begin(self) -> None:
        if len(self.parts) >= MAX_PARTS:
            raise MultipartError(f"more than {MAX_PARTS} parts.")
        self.headers, self.data = {}, []

    def header_end(self) -> None:
        self.headers[bytes(self.field_name).lower()] = bytes(self.field_value)
        self.field_name, self.field_value = bytearray(), bytearray()

    def part_end(self) -> None:
        disposition = self.headers.get(b"content-disposition")
        if not disposition:
            raise MultipartError("multipart part without Content-Disposition.")
        _, params = parse_options_header(disposition)
        name = params.get(b"name", b"").decode("utf-8", "replace")
        if not name:
            raise MultipartError("multipart part without a name.")
        filename = params.get(b"filename")
        ctype = self.headers.get(b"content-type")
        self.parts.append(
            Part(
                name=name,
                data=b"".join(self.data),
                filename=filename.decode("utf-8", "replace") if filename is not None else None,
                content_type=ctype.decode("latin-1") if ctype is not None else None,
            )
        )
        self.data = []

    def end(self) -> None:
        self.ended = True


def parse_multipart(body: bytes | bytearray, content_type: str) -> list[Part]:
    """Parts of a multipart/form-data body, in order."""
    collector = _Collector()
    parser = MultipartParser(boundary_of(content_type), collector.callbacks())  # type: ignore[arg-type]
    try:
        parser.write(body)  # type: ignore[arg-type]  # bytearray works: no 2nd copy of uploads
        parser.finalize()
    except FormParserError as exc:
        raise MultipartError(f"malformed multipart body ({str(exc).rstrip('.')}).") from None
    if not collector.ended:
        raise MultipartError("multipart body is truncated (no closing boundary).")
    return collector.parts
