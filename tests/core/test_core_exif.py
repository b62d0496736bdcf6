"""EXIF orientation: the loader shows the upright image and the mask follows it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from core_helpers import oriented, photo, with_orientation
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.core import mask as masks
from editor.core.image import load_image
from editor.core.prepare import prepare_upload
from editor.core.request import EditRequest
from editor.core.validation import validate_request


@settings(max_examples=60, deadline=None)
@given(
    orientation=st.integers(1, 8),
    width=st.integers(1, 40),
    height=st.integers(1, 40),
    seed=st.integers(0, 1000),
)
def test_png_orientation_matches_oracle(
    orientation: int, width: int, height: int, seed: int
) -> None:
    stored = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    loaded = load_image(with_orientation(stored, orientation, "PNG"))
    expected = oriented(stored, orientation)
    assert np.array_equal(loaded.pixels, expected)
    h, w = expected.shape[:2]
    assert loaded.size == (w, h)
    assert masks.new_mask(h, w).shape == loaded.pixels.shape[:2]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_orientation_and_mask_geometry(tmp_path: Path, orientation: int) -> None:
    # a 64x32 stored image, left half dark, right half bright, top-left corner red
    stored = np.zeros((32, 64, 3), dtype=np.uint8)
    stored[:, 32:] = 230
    stored[:8, :8] = (255, 0, 0)
    path = tmp_path / f"o{orientation}.jpg"
    path.write_bytes(with_orientation(stored, orientation, "JPEG", quality=95))
    loaded = load_image(path)
    expected = oriented(stored, orientation)
    assert loaded.pixels.shape == expected.shape
    assert np.abs(loaded.pixels.astype(int) - expected.astype(int)).mean() < 6
    # a mask painted at the loaded size is accepted and sent with the oriented pixels
    h, w = loaded.pixels.shape[:2]
    mask = masks.new_mask(h, w)
    mask[: h // 2, : w // 2] = 255
    saved = tmp_path / "mask.png"
    masks.save_mask(mask, saved)
    assert np.array_equal(masks.load_mask(saved, (h, w)), mask)
    request = EditRequest(image=loaded.pixels, mask=mask, prompt="x")
    validate_request(request, "fashn")
    up = prepare_upload(request, target="fashn", max_edge=2000)
    assert up.image.size == up.mask.size == (w, h)


def test_broken_exif_still_opens() -> None:
    from core_helpers import encode
    from PIL import Image

    data = encode(Image.fromarray(photo(8, 8)), "JPEG", exif=b"Exif\x00\x00garbage-not-tiff")
    assert load_image(data).size == (8, 8)
