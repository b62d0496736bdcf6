"""What every selection tool returns, and how it lands in the mask as one undo step.

A tool returns a ``Selection``: its values (0..255, 255 = selected) inside a box, 0
everywhere else, so a small selection on a 100 MP photo never allocates a full-size
array. ``apply_selection`` combines it with the current mask (replace / add / subtract /
intersect: the modifiers of the toolbar) and returns a ``MaskChange``: the rectangle that
changed with its before and after pixels, exactly what a rectangle undo record holds
(``MaskPatch(change.rect, change.before, change.after)`` in the canvas). Nothing here
writes into the caller's mask until ``MaskChange.apply`` is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from editor.core.boxes import Box, paste_overlap
from editor.core.errors import EditorError

CombineMode = Literal["replace", "add", "subtract", "intersect"]
COMBINE_MODES: tuple[str, ...] = ("replace", "add", "subtract", "intersect")


class SelectionError(EditorError):
    """A selection tool got input it cannot work with (the message says what to do)."""


class SelectionCancelled(SelectionError):
    """The caller's ``stop`` callback asked a long selection to end early."""


@dataclass(frozen=True, slots=True)
class Selection:
    """A selection over an image of ``shape`` (h, w): ``values`` inside ``box``, 0 outside.
    ``box`` None means nothing is selected."""

    shape: tuple[int, int]
    box: Box | None
    values: np.ndarray | None

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> Selection:
        return cls((int(shape[0]), int(shape[1])), None, None)

    @classmethod
    def of(cls, values: np.ndarray, origin: tuple[int, int], shape: tuple[int, int]) -> Selection:
        """The selection whose pixels ``values`` start at ``origin`` = (x, y), trimmed to
        the bounding box of its non-zero pixels."""
        nz = cv2.boundingRect(np.ascontiguousarray(values, dtype=np.uint8))
        if nz[2] == 0 or nz[3] == 0:
            return cls.empty(shape)
        bx, by, bw, bh = nz
        ox, oy = origin
        box = (ox + bx, oy + by, ox + bx + bw, oy + by + bh)
        window = np.ascontiguousarray(values[by : by + bh, bx : bx + bw])  # drop the base
        return cls((int(shape[0]), int(shape[1])), box, window)

    @property
    def is_empty(self) -> bool:
        return self.box is None

    def full(self) -> np.ndarray:
        """The selection as a full-size H x W uint8 mask."""
        out = np.zeros(self.shape, dtype=np.uint8)
        if self.box is not None and self.values is not None:
            x0, y0, x1, y1 = self.box
            out[y0:y1, x0:x1] = self.values
        return out

    def window(self, box: Box) -> np.ndarray:
        """The selection's values inside ``box`` (0 where it selects nothing)."""
        x0, y0, x1, y1 = box
        out = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
        if self.box is None or self.values is None:
            return out
        paste_overlap(out, box, self.values, self.box)
        return out

    @property
    def pixel_count(self) -> int:
        """How many pixels are selected (value >= 128)."""
        if self.values is None:
            return 0
        return int(np.count_nonzero(self.values >= 128))


@dataclass(frozen=True, slots=True)
class MaskChange:
    """One undo step: ``rect`` (x0, y0, x1, y1) and the mask's pixels there before and
    after. ``apply(mask)`` writes ``after``; undo writes ``before`` back."""

    rect: Box
    before: np.ndarray
    after: np.ndarray

    def apply(self, mask: np.ndarray) -> None:
        """Write the change into ``mask`` in place."""
        x0, y0, x1, y1 = self.rect
        mask[y0:y1, x0:x1] = self.after

    def revert(self, mask: np.ndarray) -> None:
        """Write the pixels from before the change back into ``mask`` in place."""
        x0, y0, x1, y1 = self.rect
        mask[y0:y1, x0:x1] = self.before


def union(a: Box | None, b: Box | None) -> Box | None:
    """Smallest box holding both (None counts as nothing)."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def mask_box(mask: np.ndarray) -> Box | None:
    """Bounding box of the non-zero pixels of a uint8 mask (OpenCV, ~20x numpy's speed)."""
    x, y, w, h = cv2.boundingRect(np.ascontiguousarray(mask, dtype=np.uint8))
    return None if w == 0 or h == 0 else (x, y, x + w, y + h)


def mode_for(add: bool = False, subtract: bool = False) -> CombineMode:
    """The combine mode of the usual modifiers: Shift (``add``) adds, Alt (``subtract``)
    subtracts, both intersect, none replaces."""
    if add and subtract:
        return "intersect"
    return "add" if add else "subtract" if subtract else "replace"


def combine_values(before: np.ndarray, sel: np.ndarray, mode: str) -> np.ndarray:
    """The mask values after combining ``sel`` into ``before`` (same-size windows)."""
    if mode == "replace":
        return sel.copy()
    if mode == "add":
        return np.maximum(before, sel)
    if mode == "subtract":
        return np.minimum(before, 255 - sel)
    if mode == "intersect":
        return np.minimum(before, sel)
    raise SelectionError(
        f"Unknown selection mode {mode!r}; use replace, add, subtract or intersect."
    )


def apply_selection(
    mask: np.ndarray, selection: Selection, mode: str = "replace"
) -> MaskChange | None:
    """Combine ``selection`` with ``mask`` (not modified) by ``mode``; the change as one
    undo step, or None when the mask would not change. Its cost follows the selection's
    box (plus the mask's own box for replace and intersect), not the photo."""
    if mode not in COMBINE_MODES:
        raise SelectionError(
            f"Unknown selection mode {mode!r}; use replace, add, subtract or intersect."
        )
    if mask.shape != selection.shape:
        raise SelectionError(
            f"The selection is {selection.shape[1]}x{selection.shape[0]} but the mask is "
            f"{mask.shape[1]}x{mask.shape[0]}; select on the photo the mask belongs to."
        )
    region = selection.box
    if mode in ("replace", "intersect"):
        region = union(region, mask_box(mask))
    if region is None:
        return None
    x0, y0, x1, y1 = region
    before = mask[y0:y1, x0:x1]
    after = combine_values(before, selection.window(region), mode)
    changed = mask_box(cv2.compare(before, after, cv2.CMP_NE))
    if changed is None:
        return None
    cx0, cy0, cx1, cy1 = changed
    rect = (x0 + cx0, y0 + cy0, x0 + cx1, y0 + cy1)
    return MaskChange(rect, before[cy0:cy1, cx0:cx1].copy(), after[cy0:cy1, cx0:cx1].copy())


@dataclass(frozen=True, slots=True)
class Preview:
    """A downscaled copy of a photo for live previews: ``image`` is ``scale`` times the
    source's size (scale <= 1). Build it once per photo, off the UI thread."""

    image: np.ndarray
    scale: float
    source_shape: tuple[int, int]

    @classmethod
    def of(cls, image: np.ndarray, max_pixels: int = 1_000_000) -> Preview:
        h, w = image.shape[:2]
        scale = min(1.0, (max_pixels / float(h * w)) ** 0.5)
        return cls(shrink(rgb(image), scale), scale, (h, w))

    def to_source(self, values: np.ndarray) -> np.ndarray:
        """Scale a preview-sized mask back to the source's size (bilinear)."""
        h, w = self.source_shape
        if values.shape == (h, w):
            return values
        return cv2.resize(values, (w, h), interpolation=cv2.INTER_LINEAR)


def shrink(pixels: np.ndarray, scale: float) -> np.ndarray:
    """``pixels`` scaled by ``scale`` (<= 1) with area averaging: first by the whole
    factor in bands of rows (OpenCV's integer path; the bands stay in cache: ~1.5x
    faster than one call at 100 MP), then the rest. The few rows and columns beyond a
    multiple of the factor are left out of the first step (under a preview pixel)."""
    h, w = pixels.shape[:2]
    if scale >= 1.0:
        return pixels
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    f = int(1.0 / scale)
    if f >= 2 and h >= f and w >= f:
        reduced = np.empty((h // f, w // f, *pixels.shape[2:]), dtype=pixels.dtype)
        rows = f * 64
        for y in range(0, (h // f) * f, rows):
            band = pixels[y : min(y + rows, (h // f) * f), : (w // f) * f]
            reduced[y // f : y // f + band.shape[0] // f] = cv2.resize(
                band, (w // f, band.shape[0] // f), interpolation=cv2.INTER_AREA
            ).reshape(band.shape[0] // f, w // f, *pixels.shape[2:])
        pixels = reduced
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def rgb(image: np.ndarray) -> np.ndarray:
    """The colour channels of an H x W x 3/4 (or gray H x W) uint8 photo, contiguous."""
    if image.dtype != np.uint8:
        raise SelectionError("The photo must be 8-bit per channel; convert it before selecting.")
    if image.ndim == 2:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_GRAY2RGB)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise SelectionError("The photo must have 3 or 4 channels (RGB or RGBA).")
    if image.shape[2] == 4:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGBA2RGB)
    return np.ascontiguousarray(image)


def clamp_point(shape: tuple[int, ...], x: float, y: float) -> tuple[int, int]:
    """(x, y) as integer pixel coordinates, or SelectionError when outside the photo."""
    h, w = shape[:2]
    ix, iy = int(np.floor(x)), int(np.floor(y))
    if not (0 <= ix < w and 0 <= iy < h):
        raise SelectionError(
            f"The point ({ix}, {iy}) is outside the {w}x{h} photo; click on the photo."
        )
    return ix, iy


def clamp_box(shape: tuple[int, ...], box: Box) -> Box:
    """``box`` ordered and clipped to the photo; SelectionError when nothing is left."""
    h, w = shape[:2]
    x0, x1 = sorted((int(box[0]), int(box[2])))
    y0, y1 = sorted((int(box[1]), int(box[3])))
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise SelectionError("The box is empty or outside the photo; drag a box around the object.")
    return x0, y0, x1, y1
