"""Conversions between numpy images and Qt images, and cheap thumbnails.

``thumbnail`` and ``difference_map`` use numpy + Pillow only, so they can run in a
worker thread; the QImage helpers run on the UI thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


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


def thumbnail(arr: np.ndarray, max_edge: int = 256) -> np.ndarray:
    """A small RGB(A) copy whose longest edge is ``max_edge`` (thread-safe, no Qt)."""
    from PIL import Image

    h, w = arr.shape[:2]
    step = max(1, max(h, w) // (max_edge * 2))
    small = np.ascontiguousarray(arr[::step, ::step])
    image = Image.fromarray(small)
    image.thumbnail((max_edge, max_edge), Image.Resampling.BILINEAR)
    return np.asarray(image)


def side_by_side(before: np.ndarray, after: np.ndarray, gap: int = 8) -> np.ndarray:
    """Before and after next to each other on a white strip (both as RGB)."""
    a, b = _rgb(before), _rgb(after)
    h = max(a.shape[0], b.shape[0])
    out = np.full((h, a.shape[1] + gap + b.shape[1], 3), 255, dtype=np.uint8)
    out[: a.shape[0], : a.shape[1]] = a
    out[: b.shape[0], a.shape[1] + gap :] = b
    return out


def difference_map(
    before: np.ndarray, after: np.ndarray, mask: np.ndarray | None, threshold: int = 8
) -> tuple[np.ndarray, float, float]:
    """Where ``after`` differs from ``before`` (thread-safe).

    Returns an RGB picture (the original dimmed to grey; changes inside the mask in
    orange, outside it in magenta) and the changed fractions inside and outside the mask.
    """
    from PIL import Image

    a, b = _rgb(before), _rgb(after)
    if a.shape != b.shape:
        b = np.asarray(Image.fromarray(b).resize((a.shape[1], a.shape[0])))
    changed = np.zeros(a.shape[:2], dtype=bool)
    for c in range(3):  # per channel keeps the temporary arrays small
        diff = np.abs(a[..., c].astype(np.int16) - b[..., c].astype(np.int16))
        changed |= diff > threshold
    grey = (a.mean(axis=2, dtype=np.float32) * 0.35 + 40).astype(np.uint8)
    out = np.repeat(grey[..., None], 3, axis=2)
    inside = mask > 127 if mask is not None else np.zeros_like(changed)
    out[changed & inside] = (255, 150, 0)
    out[changed & ~inside] = (255, 0, 200)
    n_in = int(inside.sum())
    n_out = inside.size - n_in
    frac_in = float((changed & inside).sum()) / n_in if n_in else 0.0
    frac_out = float((changed & ~inside).sum()) / n_out if n_out else 0.0
    return out, frac_in, frac_out


def _rgb(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 2:
        return np.repeat(arr[..., None], 3, axis=2)
    return arr[..., :3]
