"""Masks from elsewhere: a mask file read at its own size with the reading that was used
(grayscale, or an alpha channel), scaled to the photo when only the size differs, and
the last photo's mask kept for the next photo of the same size.

Every reading gives a 0/255 mask (255 = edit), like ``core.mask``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from editor.core.errors import MaskError
from editor.core.mask import EDIT, KEEP, THRESHOLD, binarise, bounding_box, snapshot

GRAYSCALE = "grayscale: white = edit"
ALPHA_TRANSPARENT = "alpha channel: transparent = edit (OpenAI convention)"
ALPHA_PAINTED = "alpha channel: the white paint on the transparent layer = edit"
ALPHA_CUTOUT = "alpha channel of a cut-out: transparent = edit (Ctrl+I inverts)"
# two sizes keep the aspect when one scales onto the other within this many pixels
ASPECT_SLACK_PX = 1.0


@dataclass(frozen=True)
class ImportedMask:
    """A mask file read at its own size: ``values`` (0/255), how it was read, its name."""

    values: np.ndarray
    reading: str
    label: str

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        h, w = self.values.shape[:2]
        return w, h


def read_mask_file(path: str | Path) -> ImportedMask:
    """Read ``path`` (any size, EXIF orientation applied) as a mask, saying which reading
    was used. Without transparency: brightness, white = edit. With transparency: a
    constant colour means an alpha mask (OpenAI convention, transparent = edit); white
    strokes on a transparent layer mark the edit area; any other picture (a cut-out) is
    read with the OpenAI convention too. Raises ``MaskError`` with one line."""
    from editor.core.image import _orient  # the shared EXIF logic

    path = Path(path)
    label = path.name or str(path)
    try:
        with Image.open(path) as im:
            im.load()
            values, reading = _read(_orient(im))
    except FileNotFoundError:
        raise MaskError(f"Cannot open mask {label}: the file does not exist.") from None
    except Image.DecompressionBombError:
        raise MaskError(
            f"The mask {label} is far too large to read; use a mask of the photo's size."
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise MaskError(
            f"Cannot open mask {label}: it is not a readable image; use a PNG mask."
        ) from None
    return ImportedMask(values, reading, label)


def _read(im: Image.Image) -> tuple[np.ndarray, str]:
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


def needs_scaling(mask_size: tuple[int, int], image_size: tuple[int, int]) -> bool:
    """Whether a mask of ``mask_size`` (w, h) must be scaled to fit ``image_size``; raises
    ``MaskError`` (one line) when the aspect differs, since scaling would distort it."""
    if mask_size == image_size:
        return False
    mw, mh = mask_size
    w, h = image_size
    if not same_aspect(mask_size, image_size):
        raise MaskError(
            f"The mask is {mw}x{mh} but the photo is {w}x{h}, a different shape; "
            "use a mask of the photo's size or aspect."
        )
    return True


def same_aspect(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether the smaller of two (w, h) sizes is the larger scaled, up to rounding."""
    big, small = (a, b) if a[0] * a[1] >= b[0] * b[1] else (b, a)
    if min(*big, *small) <= 0:
        return False
    by_width = big[1] * small[0] / big[0]
    by_height = big[0] * small[1] / big[1]
    return min(abs(by_width - small[1]), abs(by_height - small[0])) < ASPECT_SLACK_PX


def scale_mask(values: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """``values`` scaled to ``image_size`` (w, h) and made 0/255 again: area averaging
    when shrinking, bilinear when enlarging (OpenCV)."""
    w, h = image_size
    mh, mw = values.shape[:2]
    shrinking = w * h < mw * mh
    method = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    scaled = cv2.resize(np.ascontiguousarray(values, dtype=np.uint8), (w, h), interpolation=method)
    return binarise(scaled)


class LastMask:
    """The mask of the photo shown before the current one, kept in memory so the next
    photo of the same size can reuse it. An empty mask does not replace a kept one."""

    def __init__(self) -> None:
        self.values: np.ndarray | None = None
        self.label = ""

    def remember(self, mask: np.ndarray | None, label: str) -> bool:
        """Keep a copy of ``mask`` (from the photo ``label``) unless it is empty."""
        if mask is None or bounding_box(mask) is None:
            return False
        self.values = snapshot(np.asarray(mask, dtype=np.uint8))
        self.label = label
        return True

    def fits(self, shape: tuple[int, ...] | None) -> bool:
        """Whether a kept mask has the (h, w) of ``shape``."""
        return self.values is not None and shape is not None and self.values.shape == shape[:2]

    def size_text(self) -> str:
        if self.values is None:
            return ""
        h, w = self.values.shape
        return f"{w}x{h}"
