"""Generators for the core tests: photo-like arrays, encoded files, crafted headers, ICC."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def photo(width: int, height: int, seed: int = 0, channels: int = 3) -> np.ndarray:
    """Smooth colour fields plus noise, like a photo (compresses like one)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (max(2, height // 16), max(2, width // 16), 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(base).resize((width, height), Image.Resampling.BILINEAR))
    noise = rng.integers(-6, 7, (height, width, 1), dtype=np.int16)
    rgb = np.clip(smooth.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    if channels == 4:
        alpha = np.full((height, width, 1), 255, dtype=np.uint8)
        return np.concatenate([rgb, alpha], axis=2)
    return rgb


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **params)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bytes_raw(width: int, height: int, bit_depth: int, color_type: int, rows: bytes) -> bytes:
    """A hand-built PNG (filter 0 on every row) so the header can say anything."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def png_16bit_rgb(arr16: np.ndarray) -> bytes:
    """16-bit RGB PNG from an H x W x 3 uint16 array (Pillow cannot write one)."""
    h, w, _ = arr16.shape
    big = arr16.astype(">u2").tobytes()
    stride = w * 6
    rows = b"".join(b"\x00" + big[y * stride : (y + 1) * stride] for y in range(h))
    return png_bytes_raw(w, h, 16, 2, rows)


def bomb_png(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny file whose header claims a huge 1-bit image (a decompression bomb)."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    # only a few rows of data: the loader must refuse on the header alone
    return png_bytes_raw(width, height, 1, 0, row * 4)


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _pad4(b: bytes) -> bytes:
    return b + b"\x00" * (-len(b) % 4)


def swapped_rb_icc() -> bytes:
    """An ICC v2 RGB display profile whose red and blue primaries are swapped (sRGB's
    D50 colorants, gamma 2.2): a pure file red must come out blue after conversion."""
    desc_text = b"Swapped red-blue test profile\x00"
    desc = (
        b"desc"
        + b"\x00" * 4
        + struct.pack(">I", len(desc_text))
        + desc_text
        + struct.pack(">II", 0, 0)
        + struct.pack(">HB", 0, 0)
        + b"\x00" * 67
    )

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + b"\x00" * 4 + _s15(x) + _s15(y) + _s15(z)

    curve = b"curv" + b"\x00" * 4 + struct.pack(">I", 1) + struct.pack(">H", 0x0233) + b"\x00\x00"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.1431, 0.0606, 0.7141)),  # sRGB's blue colorant
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.4361, 0.2225, 0.0139)),  # sRGB's red colorant
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text" + b"\x00" * 4 + b"none\x00"),
    ]
    table_len = 4 + 12 * len(tags)
    offset = 128 + table_len
    table = struct.pack(">I", len(tags))
    body = b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += _pad4(data)
    size = 128 + table_len + len(body)
    header = (
        struct.pack(">I", size)
        + b"\x00" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 4  # platform
        + b"\x00" * 4  # flags
        + b"\x00" * 8  # manufacturer, model
        + b"\x00" * 8  # attributes
        + struct.pack(">I", 0)  # intent
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\x00" * 4  # creator
        + b"\x00" * 16  # profile id
        + b"\x00" * 28
    )
    assert len(header) == 128
    return header + table + body


def oriented(arr: np.ndarray, orientation: int) -> np.ndarray:
    """What a viewer shows for stored pixels ``arr`` with EXIF ``orientation`` (numpy
    oracle, written from the EXIF spec independently of the loader)."""
    ops = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
        8: lambda a: np.rot90(a, 1),
    }
    return np.ascontiguousarray(ops[orientation](arr))


def with_orientation(
    arr: np.ndarray, orientation: int, fmt: str = "PNG", **params: object
) -> bytes:
    im = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(im, fmt, exif=exif, **params)
