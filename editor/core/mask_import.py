"""Masks from elsewhere: a mask file read at its own size with the reading that was used
(grayscale, or an alpha channel), scaled to the photo when only the size differs, and
the last photo's mask kept for the next photo of the same size.

Every reading gives a 0/255 mask (255 = edit), like ``core.mask``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from editor.core.errors import MaskError
from editor.core.mask import (  # the readings are the CLI's too (core.mask.load_mask)
    binarise,
    bounding_box,
    mask_reading,
    snapshot,
)

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
            values, reading = mask_reading(_orient(im))
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
        self._kept: tuple[np.ndarray, str] | None = None  # known painted
        self._handed: tuple[np.ndarray, str] | None = None  # taken as is, not yet checked
        self._lock = threading.Lock()

    @property
    def values(self) -> np.ndarray | None:
        shown = self._handed or self._kept
        return shown[0] if shown is not None else None

    @property
    def label(self) -> str:
        shown = self._handed or self._kept
        return shown[1] if shown is not None else ""

    def remember(self, mask: np.ndarray | None, label: str) -> bool:
        """Keep a copy of ``mask`` (from the photo ``label``) unless it is empty."""
        if mask is None or bounding_box(mask) is None:
            return False
        with self._lock:
            self._kept, self._handed = (snapshot(np.asarray(mask, dtype=np.uint8)), label), None
        return True

    def hand_over(self, mask: np.ndarray, label: str) -> None:
        """Take ``mask`` itself, uncopied and unread (the UI thread's part: a 100 MP copy
        and scan cost ~60 ms): only for an array nobody writes any more, such as the mask
        of a photo another photo replaced. It counts as painted until ``check``."""
        with self._lock:
            self._handed = (mask, label)

    def check(self) -> bool:
        """Read the mask handed over (a worker's part): kept if painted, else dropped so
        the one kept before shows again. Returns whether what is shown changed."""
        with self._lock:
            handed = self._handed
        if handed is None:
            return False
        painted = bounding_box(handed[0]) is not None
        with self._lock:
            if self._handed is handed:
                self._kept = handed if painted else self._kept
                self._handed = None
        return not painted

    def fits(self, shape: tuple[int, ...] | None) -> bool:
        """Whether a kept mask has the (h, w) of ``shape``."""
        return self.values is not None and shape is not None and self.values.shape == shape[:2]

    def size_text(self) -> str:
        if self.values is None:
            return ""
        h, w = self.values.shape
        return f"{w}x{h}"
