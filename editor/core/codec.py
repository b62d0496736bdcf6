"""Encoding helpers: PNG, JPEG, .npy and data URIs, and Pillow images as numpy arrays.
numpy + Pillow only.

Large conversions go a band of rows at a time: numpy's ``np.asarray(image)`` and
``np.save`` to a stream each make one whole-image ``bytes`` object while holding the
interpreter lock (10-35 ms at 100 MP), which a UI thread waiting for the lock feels as a
stall; a few MB a band keeps each locked step to about a millisecond.
"""

from __future__ import annotations

import base64
import io
import tempfile
import zipfile
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np
from PIL import Image, PngImagePlugin

from editor.core.errors import ExportError
from editor.core.png_stream import can_stream, write_png_streamed
from editor.core.redact import clean_settings

BAND_BYTES = 2_000_000  # bytes of rows converted or written at a time


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
    """PNG bytes of an 8-bit L/RGB/RGBA array (Pillow's encoding: what is sent to a
    service); ``text`` becomes tEXt chunks."""
    buf = io.BytesIO()
    to_pil(arr).save(buf, format="PNG", compress_level=compress_level, pnginfo=_png_info(text))
    return buf.getvalue()


def write_png(
    arr: np.ndarray,
    fh: BinaryIO,
    *,
    compress_level: int = 1,
    text: dict[str, str] | None = None,
) -> None:
    """Write a PNG of ``arr`` into ``fh`` as it is encoded (no encoded copy in memory).
    ``text`` passes through ``clean_settings``: no key ever reaches a file's metadata.
    An 8-bit grey, RGB or RGBA array goes band by band (``png_stream``: no 4-byte-a-pixel
    copy for Pillow, and the interpreter lock free while zlib works)."""
    if can_stream(arr):
        clean = clean_settings(dict(text)) if text else None
        write_png_streamed(arr, fh, level=compress_level, text=clean)
        return
    to_pil(arr).save(fh, format="PNG", compress_level=compress_level, pnginfo=_png_info(text))


def _png_info(text: Mapping[str, str] | None) -> PngImagePlugin.PngInfo | None:
    """``text`` as Pillow's text chunks, through ``clean_settings`` (no key, ever)."""
    if not text:
        return None
    info = PngImagePlugin.PngInfo()
    for key, value in clean_settings(dict(text)).items():
        info.add_text(str(key), str(value))
    return info


def encode_jpeg(arr: np.ndarray, quality: int = 95) -> bytes:
    """JPEG bytes of an 8-bit L/RGB array (alpha, if any, is dropped)."""
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[..., :3]
    # Pillow encodes into a real file in C with the interpreter lock free; into a BytesIO
    # it holds the lock for most of the work (~15 ms for a 2000 px photo): the same bytes
    with tempfile.TemporaryFile() as fh:
        to_pil(arr).save(fh, format="JPEG", quality=int(quality))
        fh.seek(0)
        return fh.read()


def data_uri(data: bytes, mime: str) -> str:
    """``data:<mime>;base64,<payload>`` for ``data``."""
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def array_of(im: Image.Image, *, band_bytes: int | None = None) -> np.ndarray:
    """``im`` (L, RGB or RGBA) as a new writable uint8 array, the same values as
    ``np.asarray(im)``, copied a band of rows at a time (see the module's note); other
    modes go through ``np.array`` whole."""
    channels = {"L": 1, "RGB": 3, "RGBA": 4}.get(im.mode)
    if channels is None:
        return np.array(im)
    w, h = im.size
    out = np.empty((h, w) if channels == 1 else (h, w, channels), np.uint8)
    step = max(1, (band_bytes or BAND_BYTES) // max(1, w * channels))
    for y in range(0, h, step):
        band = im.crop((0, y, w, min(h, y + step)))
        out[y : y + band.height] = np.asarray(band)
    return out


def write_npy(arr: np.ndarray, fh: BinaryIO, *, band_bytes: int | None = None) -> None:
    """Write ``arr`` to ``fh`` as ``np.save`` does (the same bytes), its rows a band at a
    time straight from the array's memory: no copy, the interpreter lock free meanwhile."""
    if arr.dtype.hasobject or arr.ndim == 0 or not arr.flags.c_contiguous:
        np.save(fh, arr, allow_pickle=False)
        return
    header = np.lib.format.header_data_from_array_1_0(arr)
    np.lib.format.write_array_header_1_0(fh, header)
    if arr.size == 0:
        return
    row_bytes = max(1, arr.nbytes // len(arr))
    step = max(1, (band_bytes or BAND_BYTES) // row_bytes)
    for y in range(0, len(arr), step):
        fh.write(arr[y : y + step].data.cast("B"))


def write_npz(fh: BinaryIO, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``fh`` as ``np.savez`` does (the same uncompressed members,
    ``<name>.npy``, which ``np.load`` reads), each through ``write_npy``: ``np.savez``
    copies an array into one ``bytes`` object while holding the interpreter lock
    (10-25 ms for a 100 MP mask's bits)."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, arr in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                write_npy(np.asarray(arr), member)  # type: ignore[arg-type]  # a binary file


def pack_mask_bits(mask: np.ndarray, *, band_bytes: int | None = None) -> np.ndarray:
    """``np.packbits(mask > 0)`` (1 bit a pixel, row-major), a band of rows at a time:
    no mask-sized temporary. Bands hold a multiple of 8 rows, so each one's bits fill
    whole bytes and the bands join into exactly the bytes of the whole."""
    flat_rows = mask.reshape(len(mask), -1) if mask.ndim > 1 else mask.reshape(1, -1)
    h, row = flat_rows.shape
    out = np.empty((h * row + 7) // 8, np.uint8)
    step = max(8, ((band_bytes or BAND_BYTES) // max(1, row)) // 8 * 8)
    at = 0
    for y in range(0, h, step):
        band = np.packbits(np.greater(flat_rows[y : y + step], 0))
        out[at : at + band.size] = band
        at += band.size
    return out
