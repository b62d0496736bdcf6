"""Decoding what clients send (uploads, fetched bytes) and encoding outputs.

Independent of ``editor.core.image`` on purpose: the sandbox judges client requests
with its own eyes.
"""

from __future__ import annotations

import base64
import io
import ipaddress

import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_INPUT_PIXELS = 100_000_000


class InputError(Exception):
    """An input cannot be used; ``name`` is the FASHN error name to report."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def open_image(data: bytes, what: str = "image") -> Image.Image:
    """Pillow image from bytes (fully loaded); InputError(ImageLoadError) if unusable."""
    if not data:
        raise InputError("ImageLoadError", f"The {what} is empty.")
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_INPUT_PIXELS:
            raise InputError(
                "ImageLoadError",
                f"The {what} is {img.width}x{img.height}, above {MAX_INPUT_PIXELS} pixels.",
            )
        img.load()
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        msg = f"The {what} could not be decoded as an image."
        raise InputError("ImageLoadError", msg) from None
    return img


def to_rgb_array(img: Image.Image) -> np.ndarray:
    """H x W x 3 uint8 (alpha dropped, EXIF orientation ignored like a raw pipeline)."""
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def mask_array(img: Image.Image) -> np.ndarray:
    """H x W bool, True = edit (white in a FASHN mask)."""
    if img.mode in ("RGBA", "LA") or "transparency" in img.info:
        img = img.convert("RGBA").convert("RGB")
    return np.asarray(img.convert("L"), dtype=np.uint8) > 127


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def encode(arr: np.ndarray, fmt: str, *, compression: int | None = None) -> bytes:
    """PNG (fast, level 1), JPEG or WebP bytes of an H x W x 3/4 uint8 array."""
    img = Image.fromarray(arr)
    buf = io.BytesIO()
    if fmt == "png":
        img.save(buf, "PNG", compress_level=1)
    elif fmt == "jpeg":
        quality = 90 if compression is None else max(1, min(100, compression))
        img.convert("RGB").save(buf, "JPEG", quality=quality)
    elif fmt == "webp":
        quality = 90 if compression is None else max(1, min(100, compression))
        img.save(buf, "WEBP", quality=quality)
    else:  # pragma: no cover - callers validate formats
        raise ValueError(fmt)
    return buf.getvalue()


MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


def data_uri(data: bytes, fmt: str) -> str:
    return f"data:{MIME[fmt]};base64,{base64.b64encode(data).decode('ascii')}"
