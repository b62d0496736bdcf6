"""The photo's hue statistics, sampled band by band (short holds of the interpreter
lock while a photo opens), equal the statistics of the whole strided sample at once."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from editor.ui.canvas import overlay_colors


def whole_sample(image: np.ndarray, hues: list[float]) -> list[float]:
    h, w = image.shape[:2]
    step = max(1, math.isqrt(max(1, h * w // overlay_colors._SAMPLES)))
    sample = np.ascontiguousarray(image[::step, ::step, :3])
    hsv = cv2.cvtColor(sample, cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3).astype(np.float64)
    radians = np.deg2rad(hsv[:, 0] * (360.0 / 256.0))
    weight = (hsv[:, 1] / 255.0) * (hsv[:, 2] / 255.0)
    return [
        float(np.mean(weight * ((1 + np.cos(radians - math.radians(t))) / 2) ** 2)) for t in hues
    ]


@pytest.mark.parametrize("shape", [(997, 1301, 3), (640, 480, 4), (3, 2000, 3), (1, 1, 3)])
@pytest.mark.parametrize("band", [7, 4096])
def test_banded_crowding_equals_the_whole_sample(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, int, int], band: int
) -> None:
    monkeypatch.setattr(overlay_colors, "_SAMPLES", 20_000)
    monkeypatch.setattr(overlay_colors, "_BAND", band)
    rng = np.random.default_rng(sum(shape) + band)
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    image[: shape[0] // 2, :, 0] = 250  # a reddish half: the hues differ
    hues = [0.0, 45.0, 120.0, 200.0, 300.0]
    got = overlay_colors.hue_crowding(image, hues)
    assert np.allclose(got, whole_sample(image, hues), rtol=1e-5, atol=1e-7)
