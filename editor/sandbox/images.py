"""Decoding what clients send (data URIs, loopback URLs, uploads) and encoding outputs.

Independent of ``editor.core.image`` on purpose: the sandbox judges client requests
with its own eyes.
"""

from __future__ import annotations

import base64
import binascii
import io
import ipaddress
import re
import urllib.parse
import urllib.request
from collections.abc import Callable

import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_INPUT_PIXELS = 100_000_000
MAX_FETCH_BYTES = 200 * 1024 * 1024
_DATA_URI = re.compile(r"^data:(image/[A-Za-z0-9.+-]+)?(;[^,]*)?,", re.S)


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


def fetch_input(value: str, what: str, local: Callable[[str], bytes | None] | None = None) -> bytes:
    """Bytes of an input given as a data URI or a URL.

    ``local(path)`` answers URLs served by this sandbox; other loopback URLs are fetched;
    anything else is refused (the sandbox never reaches the internet).
    """
    if value.startswith("data:"):
        match = _DATA_URI.match(value[:200])
        if not match or ";base64" not in (match.group(2) or ""):
            raise InputError("ImageLoadError", f"The {what} data URI is not base64 image data.")
        try:
            return base64.b64decode(value[match.end() :], validate=False)
        except (binascii.Error, ValueError):
            raise InputError("ImageLoadError", f"The {what} base64 data is invalid.") from None
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme not in ("http", "https"):
        raise InputError(
            "ImageLoadError",
            f"The {what} must be an http(s) URL or a data URI with a data:image/...;base64, "
            "prefix.",
        )
    if local is not None:
        data = local(parsed.path)
        if data is not None:
            return data
    if not is_loopback(parsed.hostname):
        raise InputError(
            "ImageLoadError",
            f"The {what} URL could not be downloaded (the sandbox only fetches loopback URLs).",
        )
    try:
        with urllib.request.urlopen(value, timeout=10) as resp:  # loopback only
            data = resp.read(MAX_FETCH_BYTES + 1)
    except Exception:
        raise InputError("ImageLoadError", f"The {what} URL could not be downloaded.") from None
    if len(data) > MAX_FETCH_BYTES:
        raise InputError("ImageLoadError", f"The {what} URL is larger than the sandbox accepts.")
    return data


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
