"""Loading photos into normalised, EXIF-oriented, sRGB uint8 arrays.

Every file goes through the same steps: size check (decompression bombs are refused
before any pixel is decoded), full decode (truncated or corrupt data fails here),
EXIF orientation, ICC profile -> sRGB, and mode normalisation to RGB, or RGBA when
the alpha channel is not fully opaque.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms

from editor.core.codec import array_of
from editor.core.errors import ImageLoadError
from editor.core.jpeg_decode import decode_plain_jpeg, decode_reduced_jpeg, may_apply

MAX_PIXELS = 178_000_000
"""Largest image (width x height) the editor opens; larger files are refused. Just under
Pillow's own hard decompression-bomb limit (2 x 89.5 MP), so one limit applies."""

_FORMATS_HINT = "use a PNG, JPEG, WebP, TIFF, BMP or GIF image"

# EXIF orientation tag value -> the transposition that shows the image upright.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112
_SRGB = ImageCms.createProfile("sRGB")
_TRANSPOSING = (5, 6, 7, 8)  # orientations that swap width and height

PREVIEW_EDGE = 1400
"""A JPEG's preview is decoded at the smallest DCT scale (1/2..1/8) whose long edge is still
at least this: enough for a zoomed-out window, a fraction of the full decode's time."""

PreviewCallback = Callable[[np.ndarray, tuple[int, int]], None]
"""Called (in the decoding thread) with a small upright sRGB preview and the full photo's
upright (width, height), before the full decode starts."""


@dataclass(slots=True)
class LoadedImage:
    """A decoded photo: ``pixels`` is H x W x 3 (or x 4 with real transparency) uint8,
    upright (EXIF orientation applied) and in sRGB."""

    pixels: np.ndarray
    path: Path | None
    format: str
    icc_profile: bytes | None = None

    @property
    def has_alpha(self) -> bool:
        return self.pixels.ndim == 3 and self.pixels.shape[2] == 4

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the oriented image."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


def load_image(
    source: str | Path | bytes,
    *,
    max_pixels: int = MAX_PIXELS,
    on_preview: PreviewCallback | None = None,
) -> LoadedImage:
    """Open ``source`` (a path or the file's bytes) as a normalised image.

    With ``on_preview``, a large JPEG is first decoded at reduced scale (oriented and
    converted like the full image) and handed to it before the full decode.
    Raises ImageLoadError with one line naming the file for anything unreadable.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        pixels, fmt, icc = _decode(io.BytesIO(bytes(source)), "the image data", max_pixels)
        return LoadedImage(pixels=pixels, path=None, format=fmt, icc_profile=icc)
    path = Path(source)
    label = path.name or str(path)
    try:
        with open(path, "rb") as fh:
            if on_preview is not None:
                _preview(fh, max_pixels, on_preview)
            pixels, fmt, icc = _decode(fh, label, max_pixels)
    except FileNotFoundError:
        raise ImageLoadError(f"Cannot open {label}: the file does not exist.") from None
    except IsADirectoryError:
        raise ImageLoadError(f"Cannot open {label}: it is a folder, not an image.") from None
    except PermissionError:
        raise ImageLoadError(
            f"Cannot open {label}: permission denied; check the file's permissions."
        ) from None
    except OSError as exc:
        raise ImageLoadError(f"Cannot open {label}: {exc.strerror or exc}.") from None
    return LoadedImage(pixels=pixels, path=path, format=fmt, icc_profile=icc)


def decode_image_bytes(
    data: bytes, *, max_pixels: int = MAX_PIXELS, label: str = "the returned image"
) -> np.ndarray:
    """Decode image bytes (e.g. a service's output) with the same normalisation."""
    return _decode(io.BytesIO(bytes(data)), label, max_pixels)[0]


def _decode(stream: BinaryIO, label: str, max_pixels: int) -> tuple[np.ndarray, str, bytes | None]:
    """Decode an open binary stream; every failure becomes one ImageLoadError line."""
    if stream.seek(0, io.SEEK_END) == 0:
        raise ImageLoadError(f"Cannot open {label}: the file is empty; {_FORMATS_HINT}.")
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns about odd files (bomb-sized, bad TIFF tags); failures raise below
            warnings.simplefilter("ignore")
            im: Image.Image = Image.open(stream)
            fmt = im.format or "unknown"
            _check_size(im.size, label, max_pixels)
            im.seek(0)  # first frame of animations
            fast = _jpeg_by_opencv(stream, im)
            if fast is not None:  # a large plain JPEG: no Pillow copy (see jpeg_decode)
                return fast, fmt, im.info.get("icc_profile") or None
            im.load()
    except ImageLoadError:
        raise
    except Image.DecompressionBombError:
        raise ImageLoadError(
            f"Cannot open {label}: it is too large to open safely (over "
            f"{max_pixels // 1_000_000} megapixels); use a smaller image."
        ) from None
    except Image.UnidentifiedImageError:
        raise ImageLoadError(
            f"Cannot open {label}: it is not an image this editor can read; {_FORMATS_HINT}."
        ) from None
    except MemoryError:
        raise ImageLoadError(
            f"Cannot open {label}: not enough memory to decode it; use a smaller image."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        reason = "the file is truncated" if "truncat" in str(exc).lower() else "the file is corrupt"
        raise ImageLoadError(
            f"Cannot open {label}: {reason}; re-export it or choose another file."
        ) from None
    try:
        im = _orient(im)
        icc = im.info.get("icc_profile") or None
        im = _normalise(im, icc)
        pixels = array_of(im)  # a band at a time: no whole-image copy under the lock
    except MemoryError:
        raise ImageLoadError(
            f"Cannot open {label}: not enough memory to decode it; use a smaller image."
        ) from None
    except (OSError, ValueError, TypeError) as exc:
        raise ImageLoadError(
            f"Cannot open {label}: unsupported pixel format ({exc}); {_FORMATS_HINT}."
        ) from None
    if not pixels.flags.writeable:
        pixels = pixels.copy()
    return pixels, fmt, icc


def _preview(stream: BinaryIO, max_pixels: int, on_preview: PreviewCallback) -> None:
    """Decode a large JPEG at 1/2..1/8 scale through the DCT (Pillow's draft mode), apply
    its orientation and colour profile, and pass it to ``on_preview``. Anything odd (not
    a JPEG, small, unreadable) just means no preview: the full decode reports errors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im: Image.Image = Image.open(stream)
            w, h = im.size
            if im.format != "JPEG" or max(w, h) < 2 * PREVIEW_EDGE or w * h > max_pixels:
                return
            orientation = _orientation(im)
            turned = orientation in _TRANSPOSING
            path = _file_path(stream)
            small = None
            if im.mode == "RGB" and path is not None and _srgb_or_none(im):
                small = decode_reduced_jpeg(stream, (w, h), orientation, path, PREVIEW_EDGE)
            if small is None:  # Pillow's draft: the same pixels, holding the lock longer
                scale = PREVIEW_EDGE / max(w, h)  # draft picks the smallest scale >= this
                im.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
                im.load()
                im = _normalise(_orient(im), im.info.get("icc_profile") or None)
                small = array_of(im)
    except Exception:  # no preview; the full decode that follows says what is wrong
        return
    finally:
        stream.seek(0)
    on_preview(small, (h, w) if turned else (w, h))


def _check_size(size: tuple[int, int], label: str, max_pixels: int) -> None:
    w, h = size
    if w <= 0 or h <= 0:
        raise ImageLoadError(f"Cannot open {label}: it has no pixels ({w}x{h}).")
    if w * h > max_pixels:
        raise ImageLoadError(
            f"Cannot open {label}: {w}x{h} is {w * h / 1e6:.0f} megapixels, over the "
            f"{max_pixels / 1e6:.0f} MP limit; use a smaller image."
        )


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation tag (1 = as stored, also for a broken EXIF block, which must
    not stop the photo from opening)."""
    try:
        return int(im.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:
        return 1


def _orient(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag (all 8 values), keeping ``im.info``."""
    method = _ORIENTATION.get(_orientation(im))
    if method is None:
        return im
    info = dict(im.info)
    out = im.transpose(method)
    out.info = info
    return out


def _normalise(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert any mode to RGB, or RGBA when alpha is present and not fully opaque."""
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        im = _high_bit_depth_to_l(im)
        mode = "L"
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode in ("PA", "LA", "La", "RGBa") or (mode in ("1", "L") and "transparency" in im.info):
        im = im.convert("RGBA")
    mode = im.mode
    if icc and mode in ("RGB", "RGBA", "CMYK", "L"):
        im = _to_srgb(im, icc)
    if im.mode == "RGBA":
        alpha = im.getchannel("A")
        if alpha.getextrema()[0] == 255:
            return im.convert("RGB")
        return im
    if im.mode != "RGB":
        im = im.convert("RGB")
    return im


def _high_bit_depth_to_l(im: Image.Image) -> Image.Image:
    arr = np.asarray(im)
    if arr.dtype.kind == "f":
        scale = 255.0 if float(np.nanmax(arr, initial=0.0)) <= 1.0 else 1.0
        out = np.clip(np.nan_to_num(arr) * scale + 0.5, 0, 255)
    else:
        # 16-bit data (possibly held in a 32-bit mode): keep the top 8 bits
        wide = arr.astype(np.int64)
        top = int(np.max(wide, initial=0))
        shift = 8 if top > 255 else 0
        out = np.clip(wide >> shift, 0, 255)
    return Image.fromarray(out.astype(np.uint8))


def _jpeg_by_opencv(stream: BinaryIO, im: Image.Image) -> np.ndarray | None:
    """The upright pixels of a large plain JPEG by ``decode_plain_jpeg``, or None where
    that path does not apply (then Pillow decodes): judged from the header first (a
    PNG's EXIF would load the whole file), then its colour profile must be sRGB or none."""
    if not may_apply(im) or not _srgb_or_none(im):
        return None
    return decode_plain_jpeg(stream, im.size, _orientation(im), _file_path(stream))


def _srgb_or_none(im: Image.Image) -> bool:
    """Whether ``im`` has no colour profile or an sRGB one (a broken one: False, as
    Pillow's path treats it by leaving the pixels as they are)."""
    icc = im.info.get("icc_profile") or None
    if icc is None:
        return True
    try:
        return _is_srgb(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False


def _file_path(stream: BinaryIO) -> str | None:
    """The path of a file opened by its path (OpenCV reads it itself), else None."""
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) else None


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    return "srgb" in ImageCms.getProfileDescription(profile).lower()


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Convert from the embedded profile to sRGB; a broken profile is ignored."""
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if im.mode != "CMYK" and _is_srgb(src):
            return im  # already sRGB: skip the expensive no-op transform
        alpha = im.getchannel("A") if im.mode == "RGBA" else None
        base = im.convert("RGB") if alpha is not None else im
        out = ImageCms.profileToProfile(base, src, _SRGB, outputMode="RGB")
        if out is None:  # pragma: no cover - only with inPlace=True
            return im
        if alpha is not None:
            out.putalpha(alpha)
        return out
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
