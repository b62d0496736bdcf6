"""Overlay colours: the preset swatches and the one least present in a photo."""

from __future__ import annotations

import math
import weakref

import numpy as np
from PySide6.QtGui import QColor

# Overlay colours offered as swatches: hues spread around the wheel, saturated enough to
# read over photos. The first is the default for photos with no strong colours.
OVERLAY_PRESETS: tuple[tuple[str, str], ...] = (
    ("Crimson", "#ff2060"),
    ("Orange", "#ff8000"),
    ("Yellow", "#f0e000"),
    ("Green", "#20d040"),
    ("Cyan", "#00d0f0"),
    ("Blue", "#2050ff"),
    ("Violet", "#9030ff"),
    ("Magenta", "#ff30e0"),
)
_SAMPLES = 65536  # pixels looked at (a strided sample: the hue statistics need no more)
_BAND = 4096  # sample pixels taken at a time


def hue_crowding(image: np.ndarray, hues: list[float]) -> list[float]:
    """For each overlay hue (degrees), how much of the photo is colourful and close to it:
    the mean over the photo of saturation x value x ((1 + cos(hue distance)) / 2) ** 2,
    a closeness that is 1 on the same hue and falls to 0 on the opposite one."""
    import cv2

    h, w = image.shape[:2]
    step = max(1, math.isqrt(max(1, h * w // _SAMPLES)))
    columns = -(-w // step)
    rows = max(1, _BAND // columns) * step  # source rows a band of the sample spans
    sums = [0.0] * len(hues)
    count = 0
    # band by band: each numpy step holds the interpreter lock well under a ms (the whole
    # sample at once held it 15-20 ms, a stall of the UI thread while a photo opens)
    for y in range(0, h, rows):
        sample = np.ascontiguousarray(image[y : y + rows : step, ::step, :3])
        hsv = cv2.cvtColor(sample, cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3).astype(np.float32)
        radians = np.deg2rad(hsv[:, 0] * (360.0 / 256.0))
        # grey, dark and washed-out pixels hide no hue: they weigh little
        weight = (hsv[:, 1] / 255.0) * (hsv[:, 2] / 255.0)
        for i, target in enumerate(hues):
            closeness = ((1.0 + np.cos(radians - math.radians(target))) / 2.0) ** 2
            sums[i] += float(np.sum(weight * closeness, dtype=np.float64))
        count += len(hsv)
    return [total / count for total in sums]


_last: tuple[weakref.ref[np.ndarray], QColor] | None = None  # the last photo's colour


def contrasting_color(image: np.ndarray) -> QColor:
    """The preset overlay colour whose hue is least present in ``image`` (the default,
    crimson, on photos without strong colours), so the overlay stays visible on a red
    dress, a green lawn or a blue sky. The answer for the last photo asked about is kept:
    the thread that decodes a photo asks first (its few ms of sampling a 100 MP array
    are not the UI thread's), and the UI thread's question as the photo is shown is free.
    Photos are not changed in place, so the same array has the same answer."""
    global _last
    last = _last
    if last is not None and last[0]() is image:
        return QColor(last[1])
    color = _least_crowded(image)
    _last = (weakref.ref(image), color)
    return QColor(color)


def _least_crowded(image: np.ndarray) -> QColor:
    colors = [QColor(hex_color) for _name, hex_color in OVERLAY_PRESETS]
    crowding = hue_crowding(image, [c.hueF() * 360.0 for c in colors])
    best = min(crowding)
    if crowding[0] <= best + 0.02:  # keep the familiar default unless another is clearly freer
        return colors[0]
    return colors[crowding.index(best)]
