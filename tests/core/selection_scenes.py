"""Synthetic photos with clear objects for the selection tests and benchmarks."""

from __future__ import annotations

import cv2
import numpy as np

BACKGROUND = (70, 120, 190)  # a blue wall
DISC = (205, 60, 45)  # a red ball
BLOCK = (40, 170, 70)  # a green box


def scene(width: int, height: int, *, noise: int = 6, seed: int = 0) -> np.ndarray:
    """A blue background with a soft vertical gradient, a red disc in the middle (radius
    height / 4), a green block top-left, and sensor-like noise of +-``noise``."""
    img = np.empty((height, width, 3), dtype=np.uint8)
    ramp = np.linspace(-10, 10, height, dtype=np.float32)[:, None, None]
    img[:] = np.clip(np.array(BACKGROUND, np.float32) + ramp, 0, 255).astype(np.uint8)
    cx, cy, r = width // 2, height // 2, height // 4
    cv2.circle(img, (cx, cy), r, DISC, -1, lineType=cv2.LINE_AA)
    bw, bh = width // 6, height // 6
    cv2.rectangle(
        img, (width // 12, height // 12), (width // 12 + bw, height // 12 + bh), BLOCK, -1
    )
    if noise:
        rng = np.random.default_rng(seed)
        n = rng.integers(-noise, noise + 1, (height, width, 1), dtype=np.int16)
        img = np.clip(img.astype(np.int16) + n, 0, 255).astype(np.uint8)
    return img


def disc_mask(width: int, height: int) -> np.ndarray:
    """The true 0/255 mask of the scene's disc."""
    out = np.zeros((height, width), dtype=np.uint8)
    cv2.circle(out, (width // 2, height // 2), height // 4, 255, -1)
    return out


def block_box(width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the scene's green block, end-exclusive."""
    x0, y0 = width // 12, height // 12
    return x0, y0, x0 + width // 6 + 1, y0 + height // 6 + 1


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two masks (>= 128 counts as selected)."""
    aa, bb = a >= 128, b >= 128
    union = np.count_nonzero(aa | bb)
    return float(np.count_nonzero(aa & bb)) / union if union else 1.0
