"""The mask's half-size display levels, Qt-free and lock-free so a worker thread can
build them: ``mask_pyramid`` (each level the 2x2 box average of the one before),
``half_level`` (one rectangle of a level from the one before) and ``prepare_overlay``
(a loaded mask's levels worked out in the thread that loaded it, taken once by the
overlay the canvas makes for that very array)."""

from __future__ import annotations

import weakref

import numpy as np

from .photo_layer import PYRAMID_MIN_EDGE


def half_level(prev: np.ndarray, out: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """``out[y0:y1, x0:x1]`` = 2x2 box average (rounded) of ``prev``'s matching pixels.
    cv2's area resize at exactly 2x is that average, and releases the interpreter lock."""
    import cv2

    q = prev[2 * y0 : 2 * y1, 2 * x0 : 2 * x1]
    # a level clamped to 1 row/column (extreme aspect ratios): repeat the last row/column
    pad_y, pad_x = 2 * (y1 - y0) - q.shape[0], 2 * (x1 - x0) - q.shape[1]
    if pad_y or pad_x:
        q = np.pad(q, ((0, pad_y), (0, pad_x)), mode="edge")
    out[y0:y1, x0:x1] = cv2.resize(q, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)


def mask_pyramid(mask: np.ndarray, blank: bool = False) -> list[np.ndarray]:
    """The half-size levels of ``mask`` (level 1, 2, ...; level 0 is the mask itself),
    each the 2x2 box average of the one before, down to PYRAMID_MIN_EDGE. Qt-free and
    lock-free, so a worker thread can build them for a mask about to be shown.
    ``blank``: the mask is known to be all zero (not read)."""
    levels: list[np.ndarray] = []
    if blank or not any_set(mask):  # an empty mask: zero pages cost nothing until written
        shape = mask.shape
        while max(shape) > 2 * PYRAMID_MIN_EDGE:
            shape = (max(1, shape[0] // 2), max(1, shape[1] // 2))
            levels.append(np.zeros(shape, np.uint8))
        return levels
    prev = mask
    while max(prev.shape) > 2 * PYRAMID_MIN_EDGE:
        h, w = prev.shape
        lh, lw = max(1, h // 2), max(1, w // 2)
        out = np.empty((lh, lw), np.uint8)
        half_level(prev, out, 0, 0, lw, lh)
        levels.append(out)
        prev = out
    return levels


_prepared: tuple[weakref.ref[np.ndarray], list[np.ndarray], bool] | None = None


def prepare_overlay(mask: np.ndarray) -> None:
    """Work out ``mask``'s emptiness and half-size levels now (Qt-free, lock-free: e.g.
    in the thread that loaded a session), kept for the overlay the canvas makes when
    that very array is shown, so the UI thread does not (~160 ms at 100 MP). The mask
    must not change in between."""
    global _prepared
    empty = not any_set(mask)
    _prepared = (weakref.ref(mask), mask_pyramid(mask, blank=empty), empty)


def take_prepared(mask: np.ndarray) -> tuple[list[np.ndarray], bool] | None:
    global _prepared
    kept, _prepared = _prepared, None
    return (kept[1], kept[2]) if kept is not None and kept[0]() is mask else None


def any_set(mask: np.ndarray) -> bool:
    """Whether any byte is non-zero, read 8 bytes at a time where the layout allows."""
    if mask.flags.c_contiguous and mask.size % 8 == 0:
        return bool(mask.reshape(-1).view(np.uint64).any())
    return bool(mask.any())
