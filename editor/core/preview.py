"""Small pictures made from numpy images with numpy + Pillow only, safe in worker
threads: thumbnails, before/after strips and difference maps (the window, the job
runner and exports use them)."""

from __future__ import annotations

import numpy as np


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
