"""A generated landscape photo for the README screenshots (no third-party images)."""

from __future__ import annotations

import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _smooth_noise(rng: np.random.Generator, h: int, w: int, scale: int) -> np.ndarray:
    small = rng.random((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(img.filter(ImageFilter.GaussianBlur(scale / 3)), np.float32) / 255


def _ridge(rng: np.random.Generator, w: int, base: float, amp: float, rough: int) -> np.ndarray:
    x = np.arange(w, dtype=np.float32)
    line = np.full(w, base, np.float32)
    for k in range(1, 6):
        phase = rng.random() * 6.28
        line += amp / k * np.sin(x / w * 6.28 * k * rough / 3 + phase)
    return line


def make_photo(w: int = 2400, h: int = 1600, seed: int = 4) -> np.ndarray:
    """A lake landscape with mountains, clouds and a red buoy (something to mask)."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    sky_top, sky_low = np.array([52, 110, 190], np.float32), np.array([200, 222, 240], np.float32)
    img = sky_top + (sky_low - sky_top) * np.clip(y / 0.55, 0, 1)[..., None]
    img = np.broadcast_to(img, (h, w, 3)).copy()
    clouds = np.clip((_smooth_noise(rng, h, w, 160) - 0.55) * 3, 0, 1) * (y < 0.45)
    img += (255 - img) * clouds[..., None] * 0.85
    cols = np.arange(h, dtype=np.float32)[:, None]
    layers = [
        (0.38, 0.10, 2, (96, 112, 140)),
        (0.47, 0.07, 4, (62, 88, 80)),
        (0.55, 0.04, 7, (38, 70, 44)),
    ]
    for base, amp, rough, colour in layers:
        ridge = _ridge(rng, w, base * h, amp * h, rough)
        inside = cols >= ridge[None, :]
        tex = _smooth_noise(rng, h, w, 12)[..., None] * 24 - 12
        img = np.where(inside[..., None], np.array(colour, np.float32) + tex, img)
    horizon = int(0.6 * h)
    water = img[horizon - (h - horizon) : horizon][::-1].copy() * 0.75 + np.array([10, 30, 45])
    ripples = _smooth_noise(rng, h - horizon, w, 6)[..., None] * 30 - 15
    img[horizon:] = water[: h - horizon] + ripples
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(out)
    bx, by = int(w * 0.62), int(h * 0.74)
    r = int(h * 0.035)
    draw.ellipse((bx - r, by - r, bx + r, by + r), fill=(200, 40, 32))
    draw.rectangle((bx - r // 5, by - 3 * r, bx + r // 5, by - r), fill=(60, 60, 60))
    lamp = (bx - r // 2, by - int(3.4 * r), bx + r // 2, by - int(2.6 * r))
    draw.ellipse(lamp, fill=(250, 210, 40))
    out = out.filter(ImageFilter.GaussianBlur(0.8))
    grain = rng.normal(0, 4, (h, w, 1))
    return np.clip(np.asarray(out, np.float32) + grain, 0, 255).astype(np.uint8)


if __name__ == "__main__":
    Image.fromarray(make_photo()).save(sys.argv[1] if len(sys.argv) > 1 else "demo.jpg", quality=92)
