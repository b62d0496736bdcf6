"""What the sandbox "generates": a deterministic, clearly visible, seed-dependent change.

Prompted edits paint a striped tint (colour, stripe period and direction derived from
seed, variant index and prompt) inside the edit area, at the output size; promptless
edits use the real offline contextual fill. Same inputs -> same pixels.
"""

from __future__ import annotations

import hashlib
import math
import threading

import numpy as np
from PIL import Image

TIER_PIXELS = {"1k": 1024 * 1024, "2k": 2048 * 2048, "4k": 4096 * 4096}
LEGACY_MAX_PIXELS = 1_050_000
_BAND = 256


class Cancelled(Exception):
    """Rendering was abandoned because the sandbox stopped."""


ASPECT_RATIOS = ("21:9", "1:1", "4:3", "3:2", "2:3", "5:4", "4:5", "3:4", "16:9", "9:16")


def tier_size(
    width: int, height: int, resolution: str, aspect: str | None = None
) -> tuple[int, int]:
    """Output size of a tier (~1, 4 or 16 MP) keeping the aspect ratio, multiples of 16."""
    if aspect:
        a, b = (int(x) for x in aspect.split(":"))
        ratio = a / b
    else:
        ratio = width / height
    pixels = TIER_PIXELS[resolution]
    out_w = max(16, round(math.sqrt(pixels * ratio) / 16) * 16)
    out_h = max(16, round(out_w / ratio / 16) * 16)
    return out_w, out_h


def legacy_size(width: int, height: int) -> tuple[int, int]:
    """Seed 000: the input size, downscaled to at most 1.05 MP."""
    if width * height <= LEGACY_MAX_PIXELS:
        return width, height
    scale = math.sqrt(LEGACY_MAX_PIXELS / (width * height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def resize(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an H x W x C uint8 image to ``size`` (w, h)."""
    if (arr.shape[1], arr.shape[0]) == size:
        return arr
    return np.asarray(Image.fromarray(arr).resize(size, Image.Resampling.BILINEAR))


def resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (mask.shape[1], mask.shape[0]) == size:
        return mask
    img = Image.fromarray(mask.astype(np.uint8) * 255)
    return np.asarray(img.resize(size, Image.Resampling.NEAREST)) > 127


def _pattern(seed: int, index: int, prompt: str) -> tuple[np.ndarray, int, int, int]:
    digest = hashlib.sha256(f"{seed}:{index}:{prompt}".encode()).digest()
    colour = np.frombuffer(digest[:3], dtype=np.uint8).astype(np.float32)
    period = 6 + digest[3] % 26
    direction = digest[4] % 4
    dx, dy = ((1, 0), (0, 1), (1, 1), (1, -1))[direction]
    return colour, period, dx, dy


def render_prompted(
    image: np.ndarray,
    edit: np.ndarray | None,
    *,
    prompt: str,
    seed: int,
    index: int,
    size: tuple[int, int],
    context: np.ndarray | None = None,
    strength: float = 1.0,
    cancel: threading.Event | None = None,
) -> np.ndarray:
    """The source at ``size`` with a striped tint inside ``edit`` (True = edit; None =
    whole image). ``strength`` < 1 gives the partial images of a stream. Raises
    Cancelled as soon as ``cancel`` is set (the server is stopping)."""
    out = np.array(resize(image[..., :3], size), dtype=np.uint8)  # writable copy
    area = None if edit is None else resize_mask(edit, size)
    if area is not None and not area.any():
        return out
    colour, period, dx, dy = _pattern(seed, index, prompt)
    if context is not None:
        colour = (colour + context[..., :3].reshape(-1, 3).mean(axis=0)) / 2
    a = int(256 * 0.7 * max(0.0, min(1.0, strength)))
    # paint for the two stripe states, pre-multiplied by the blend weight (fits uint16)
    table = np.stack([colour * a, (255 - colour) * a]).astype(np.uint16)
    x0, x1, y0, y1 = 0, size[0], 0, size[1]
    if area is not None:  # work only inside the edit area's bounding box
        cols, rows = np.flatnonzero(area.any(axis=0)), np.flatnonzero(area.any(axis=1))
        x0, x1, y0, y1 = int(cols[0]), int(cols[-1]) + 1, int(rows[0]), int(rows[-1]) + 1
    xs = np.arange(x0, x1, dtype=np.int32)[None, :] * dx
    for top in range(y0, y1, _BAND):  # bands keep memory flat at 16 MP
        if cancel is not None and cancel.is_set():
            raise Cancelled
        bottom = min(y1, top + _BAND)
        ys = np.arange(top, bottom, dtype=np.int32)[:, None] * dy
        state = (((xs + ys) // period) & 1).astype(np.intp)
        band = out[top:bottom, x0:x1]
        mixed = band.astype(np.uint16)
        mixed *= 256 - a
        mixed += table[state]
        mixed >>= 8
        if area is None:
            band[...] = mixed
        else:
            np.copyto(band, mixed, where=area[top:bottom, x0:x1, None], casting="unsafe")
    return out


def render_fill(
    image: np.ndarray, edit: np.ndarray, *, seed: int, size: tuple[int, int]
) -> np.ndarray:
    """Promptless edit: the real offline contextual fill at ``size``."""
    from editor.core.fill import contextual_fill

    src = np.ascontiguousarray(resize(image[..., :3], size))
    hole = resize_mask(edit, size).astype(np.uint8) * 255
    return contextual_fill(src, hole, seed=seed)
