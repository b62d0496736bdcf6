"""Encoding helpers: PNG, JPEG and data URIs. numpy + Pillow only."""

from __future__ import annotations

import base64
import io
from typing import BinaryIO

import numpy as np
from PIL import Image, PngImagePlugin

from editor.core.errors import ExportError
from editor.core.redact import clean_settings


def to_pil(arr: np.ndarray) -> Image.Image:
    """Wrap an H x W (x 3/4) uint8 array as a Pillow L/RGB/RGBA image."""
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.dtype != np.uint8 or not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))):
        raise ExportError(
            f"Cannot encode pixels of shape {arr.shape} ({arr.dtype}); "
            "expected 8-bit gray, RGB or RGBA."
        )
    return Image.fromarray(np.ascontiguousarray(arr))


def encode_png(
    arr: np.ndarray, *, compress_level: int = 1, text: dict[str, str] | None = None
) -> bytes:
    """PNG bytes of an 8-bit L/RGB/RGBA array; ``text`` becomes tEXt chunks."""
    buf = io.BytesIO()
    write_png(arr, buf, compress_level=compress_level, text=text)
    return buf.getvalue()


def write_png(
    arr: np.ndarray,
    fh: BinaryIO,
    *,
    compress_level: int = 1,
    text: dict[str, str] | None = None,
) -> None:
    """Stream ``encode_png``'s bytes into ``fh`` (no whole encoded copy held in memory).
    ``text`` passes through ``clean_settings``: no key ever reaches a file's metadata."""
    info = None
    if text:
        info = PngImagePlugin.PngInfo()
        for key, value in clean_settings(text).items():
            info.add_text(str(key), str(value))
    to_pil(arr).save(fh, format="PNG", compress_level=compress_level, pnginfo=info)


def encode_jpeg(arr: np.ndarray, quality: int = 95) -> bytes:
    """JPEG bytes of an 8-bit L/RGB array (alpha, if any, is dropped)."""
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[..., :3]
    buf = io.BytesIO()
    to_pil(arr).save(buf, format="JPEG", quality=int(quality))
    return buf.getvalue()


def data_uri(data: bytes, mime: str) -> str:
    """``data:<mime>;base64,<payload>`` for ``data``."""
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
