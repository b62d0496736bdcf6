"""Writing a large PNG a band of rows at a time (the autosave's sources and masks).

Pillow encodes from its own copy of the whole image (4 bytes a pixel for RGB: 400 MB at
100 MP, on top of the array), and the autosave writes images of that size while the
user goes on working. A PNG is a short container around one zlib stream of filtered
rows (ISO/IEC 15948), so no library is needed to stream one: this writes it with the
standard library's zlib (which releases the interpreter lock while it compresses),
filters each band with numpy (the Sub filter: each byte minus the one a pixel to its
left) and holds one band's bytes at a time. Pillow, and any other reader, reads it.
Exports use it too: their text (prompt, seed, settings) goes in tEXt chunks, or iTXt
(UTF-8) where it is not Latin-1, as Pillow writes them.
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

import numpy as np

BAND_BYTES = 2_000_000  # each step holds the interpreter lock for about a millisecond
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPE = {1: 0, 3: 2, 4: 6}  # channels -> greyscale, RGB, RGBA


def _write_chunk(fh: BinaryIO, kind: bytes, data: bytes) -> None:
    """One chunk, its parts written one after another (joining them would copy the
    data twice while holding the interpreter lock)."""
    crc = zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF
    fh.write(struct.pack(">I", len(data)) + kind)
    fh.write(data)
    fh.write(struct.pack(">I", crc))


def _text_chunk(key: str, value: str) -> tuple[bytes, bytes]:
    """tEXt for Latin-1 text, else iTXt (uncompressed UTF-8); keywords are 1-79 bytes."""
    keyword = key.encode("latin-1", "replace")[:79] or b"?"
    try:
        return b"tEXt", keyword + b"\0" + value.encode("latin-1")
    except UnicodeEncodeError:
        return b"iTXt", keyword + b"\0\0\0\0\0" + value.encode("utf-8")


def can_stream(arr: np.ndarray) -> bool:
    """Whether ``write_png_streamed`` takes ``arr`` (8-bit grey, RGB or RGBA)."""
    channels = 1 if arr.ndim == 2 else (arr.shape[2] if arr.ndim == 3 else 0)
    return arr.dtype == np.uint8 and channels in _COLOUR_TYPE and arr.size > 0


def write_png_streamed(
    arr: np.ndarray,
    fh: BinaryIO,
    *,
    level: int = 1,
    band_bytes: int = BAND_BYTES,
    text: dict[str, str] | None = None,
) -> None:
    """Write ``arr`` (H x W, H x W x 3 or x 4 uint8) to ``fh`` as a PNG, band by band,
    with ``text`` (written as given: the caller keeps keys out of it) as text chunks."""
    if not can_stream(arr):
        raise ValueError(f"cannot stream a {arr.dtype} array of shape {arr.shape} as PNG")
    h, w = arr.shape[:2]
    c = 1 if arr.ndim == 2 else int(arr.shape[2])
    fh.write(_SIGNATURE)
    _write_chunk(fh, b"IHDR", struct.pack(">IIBBBBB", w, h, 8, _COLOUR_TYPE[c], 0, 0, 0))
    for key, value in (text or {}).items():
        _write_chunk(fh, *_text_chunk(str(key), str(value)))
    z = zlib.compressobj(level)
    stride = w * c
    step = max(1, band_bytes // stride)
    filtered = np.empty((min(step, h), stride + 1), np.uint8)  # reused: no fresh pages
    filtered[:, 0] = 1  # filter type Sub
    for y in range(0, h, step):
        band = arr[y : y + step].reshape(-1, stride)
        rows = filtered[: band.shape[0]]
        rows[:, 1 : c + 1] = band[:, :c]
        np.subtract(band[:, c:], band[:, :-c], out=rows[:, c + 1 :])  # wraps mod 256
        data = z.compress(rows.data)
        if data:
            _write_chunk(fh, b"IDAT", data)
    _write_chunk(fh, b"IDAT", z.flush())
    _write_chunk(fh, b"IEND", b"")
