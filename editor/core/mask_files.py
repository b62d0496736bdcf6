"""Mask files: reading a mask of any mode as 0/255, and writing the mask as PNG (for
saving and for the services). Re-exported by ``editor.core.mask``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from editor.core.atomic import atomic_write, export_error
from editor.core.codec import encode_png
from editor.core.errors import MaskError

EDIT = 255
KEEP = 0
THRESHOLD = 128  # values >= THRESHOLD count as "edit" when binarising
# how a mask file was read (said in one line when a mask is loaded)
GRAYSCALE = "grayscale: white = edit"
ALPHA_TRANSPARENT = "alpha channel: transparent = edit (OpenAI convention)"
ALPHA_PAINTED = "alpha channel: the white paint on the transparent layer = edit"
ALPHA_CUTOUT = "alpha channel of a cut-out: transparent = edit (Ctrl+I inverts)"


def binarise(mask: np.ndarray, threshold: int = THRESHOLD) -> np.ndarray:
    """0/255 mask: values >= ``threshold`` become 255."""
    return np.where(mask >= threshold, np.uint8(EDIT), np.uint8(KEEP))


def load_mask(path: str | Path, size: tuple[int, int]) -> np.ndarray:
    """Read a mask file of any mode as a 0/255 mask that must be ``size`` = (h, w).

    White (>= 128) = edit. Files with transparency: white strokes on a transparent
    layer mark the edit area; otherwise (OpenAI style) transparent pixels do.
    A file of another size is refused (never resized).
    """
    path = Path(path)
    label = path.name or str(path)
    h, w = int(size[0]), int(size[1])

    def wrong_size(mw: int, mh: int) -> MaskError:
        return MaskError(
            f"The mask {label} is {mw}x{mh} but the image is {w}x{h}; "
            "use a mask of exactly the image's size."
        )

    try:
        with Image.open(path) as im:
            if im.size not in ((w, h), (h, w)):  # refuse before decoding (bombs too)
                raise wrong_size(*im.size)
            im.load()
            arr = _mask_values(_oriented(im))
    except MaskError:
        raise
    except FileNotFoundError:
        raise MaskError(f"Cannot open mask {label}: the file does not exist.") from None
    except Image.DecompressionBombError:
        raise MaskError(
            f"The mask {label} is far larger than the image ({w}x{h}); "
            "use a mask of exactly the image's size."
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise MaskError(
            f"Cannot open mask {label}: it is not a readable image; use a PNG mask."
        ) from None
    if arr.shape != (h, w):
        raise wrong_size(arr.shape[1], arr.shape[0])
    return arr


def _oriented(im: Image.Image) -> Image.Image:
    from editor.core.image import _orient  # shared EXIF logic

    return _orient(im)


def mask_reading(im: Image.Image) -> tuple[np.ndarray, str]:
    """A mask file's pixels as 0/255 and which reading was used (one rule for the window
    and the CLI). Without transparency: white = edit. With it: a constant colour is an
    alpha mask (OpenAI: transparent = edit); white strokes on a transparent layer mark the
    edit area; any other cut-out is read the OpenAI way."""
    has_alpha = im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im).astype(np.float64)
        top = 65535.0 if np.max(arr, initial=0) > 255 else 255.0
        return np.where(arr / top >= THRESHOLD / 255.0, np.uint8(EDIT), np.uint8(KEEP)), GRAYSCALE
    if not has_alpha:
        return binarise(np.asarray(im.convert("L"))), GRAYSCALE
    rgba = np.asarray(im.convert("RGBA"))
    alpha = rgba[..., 3]
    opaque = alpha >= THRESHOLD
    if opaque.all():
        return binarise(np.asarray(Image.fromarray(rgba[..., :3]).convert("L"))), GRAYSCALE
    transparent_edit = np.where(opaque, np.uint8(KEEP), np.uint8(EDIT))
    rgb = rgba[..., :3]
    if bool((rgb == rgb[0, 0]).all()):
        return transparent_edit, ALPHA_TRANSPARENT
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    if bool((gray[opaque] >= THRESHOLD).all()):
        return np.where(opaque, np.uint8(EDIT), np.uint8(KEEP)), ALPHA_PAINTED
    return transparent_edit, ALPHA_CUTOUT


def _mask_values(im: Image.Image) -> np.ndarray:
    return mask_reading(im)[0]


def save_mask(mask: np.ndarray, path: str | Path) -> None:
    """Write the mask as a grayscale PNG (compress level 1), atomically."""
    data = encode_png(np.ascontiguousarray(mask, dtype=np.uint8), compress_level=1)
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise export_error(exc, path, "save the mask to") from None


def to_fashn_png(mask: np.ndarray) -> bytes:
    """FASHN mask: grayscale PNG, white (255) = edit, black = keep."""
    return encode_png(binarise(mask), compress_level=1)


def to_openai_png(mask: np.ndarray) -> bytes:
    """OpenAI mask: RGBA PNG, fully transparent (alpha 0) = edit, opaque black = keep."""
    h, w = mask.shape
    rgba = np.zeros((h, w, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(mask >= THRESHOLD, np.uint8(0), np.uint8(255))
    return encode_png(rgba, compress_level=1)
