"""Mask from a difference: where a variant changed the photo.

Both images are at the source's size (results are finished there). A pixel counts as
changed when any channel differs by more than ``threshold`` (above JPEG noise and
resampling ringing); connected specks smaller than ``min_area`` pixels are dropped and
the rest grown by ``grow_px``. No blur: it would ring every edit with a halo that the
leak mode would report as a leak. With
``outside`` (the mask the variant was made with), only the changes outside it are
kept: the leak, to restore or to edit further. OpenCV does every step on whole
arrays (it releases the interpreter lock); call it from a worker thread.
"""

from __future__ import annotations

import cv2
import numpy as np

from editor.core.selection.region import Selection, SelectionError, mask_box, rgb


def difference_mask(
    original: np.ndarray,
    variant: np.ndarray,
    *,
    threshold: int = 24,
    min_area: int = 64,
    grow_px: int = 2,
    outside: np.ndarray | None = None,
) -> Selection:
    """Selection (0/255) of where ``variant`` differs from ``original``."""
    a, b = rgb(original), rgb(variant)
    if a.shape != b.shape:
        raise SelectionError(
            f"The variant is {b.shape[1]}x{b.shape[0]} but the photo is "
            f"{a.shape[1]}x{a.shape[0]}; compare a variant of this photo."
        )
    if outside is not None and outside.shape != a.shape[:2]:
        raise SelectionError("The mask must be the photo's size to find changes outside it.")
    if not 0 <= int(threshold) <= 255:
        raise SelectionError(f"Threshold {threshold} is out of range; use 0 to 255.")
    h, w = a.shape[:2]
    box = _changed_box(a, b)
    if box is None:
        return Selection.empty((h, w))
    # work on the changed box plus room for the growth
    pad = max(0, int(grow_px))
    x0, y0 = max(0, box[0] - pad), max(0, box[1] - pad)
    x1, y1 = min(w, box[2] + pad), min(h, box[3] + pad)
    diff = cv2.absdiff(a[y0:y1, x0:x1], b[y0:y1, x0:x1])
    channel_max = cv2.max(cv2.max(diff[..., 0], diff[..., 1]), diff[..., 2])
    changed = np.where(channel_max > int(threshold), np.uint8(255), np.uint8(0))
    if outside is not None:
        changed[outside[y0:y1, x0:x1] >= 128] = 0
    if min_area > 1:
        changed = _drop_specks(changed, int(min_area))
    if grow_px > 0:
        r = int(grow_px)
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        changed = cv2.dilate(changed, disc)
        if outside is not None:
            changed[outside[y0:y1, x0:x1] >= 128] = 0
    return Selection.of(changed, (x0, y0), (h, w))


def _changed_box(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box of the pixels that differ at all (one cheap pass)."""
    ne = cv2.compare(a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1), cv2.CMP_NE)
    box = mask_box(ne)
    if box is None:
        return None
    c = a.shape[2]
    return box[0] // c, box[1], -(-box[2] // c), box[3]


def _drop_specks(binary: np.ndarray, min_area: int) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return binary
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    if keep[1:].all():
        return binary
    return np.where(keep[labels], np.uint8(255), np.uint8(0))
