"""Conversions between numpy images and Qt images (UI thread).

The Qt-free pictures (``thumbnail``, ``side_by_side``, ``difference_map``) live in
``editor.core.preview`` and are re-exported here for the widgets that use both.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from editor.core.preview import difference_map, side_by_side, thumbnail

__all__ = ["difference_map", "from_qimage", "side_by_side", "thumbnail", "to_qimage"]


def to_qimage(arr: np.ndarray, *, copy: bool = False) -> QImage:
    """Wrap an H x W (x3|x4) uint8 array as a QImage; zero-copy unless ``copy``.

    A zero-copy QImage references the array: keep the array alive while it is used.
    """
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    if arr.ndim == 2:
        fmt = QImage.Format.Format_Grayscale8
    elif arr.shape[2] == 4:
        fmt = QImage.Format.Format_RGBA8888
    else:
        fmt = QImage.Format.Format_RGB888
    image = QImage(arr.data, w, h, arr.strides[0], fmt)
    if copy:
        return image.copy()
    image._array_ref = arr  # type: ignore[attr-defined]  # keeps the buffer alive
    return image


def from_qimage(image: QImage) -> np.ndarray:
    """Copy a QImage into an H x W x 3 (or x4 when it has alpha) uint8 array."""
    has_alpha = image.hasAlphaChannel()
    fmt = QImage.Format.Format_RGBA8888 if has_alpha else QImage.Format.Format_RGB888
    converted = image.convertToFormat(fmt)
    h, w = converted.height(), converted.width()
    channels = 4 if has_alpha else 3
    buffer = np.frombuffer(converted.constBits(), dtype=np.uint8, count=converted.sizeInBytes())
    rows = buffer.reshape(h, converted.bytesPerLine())
    return rows[:, : w * channels].reshape(h, w, channels).copy()
