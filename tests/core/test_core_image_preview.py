"""A large JPEG's reduced-scale preview: decoded before the full image, upright and in
sRGB like it, and never in the way of the full decode's own errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from core_helpers import encode, swapped_rb_icc
from PIL import Image, ImageOps

import editor.core.codec as codec
from editor.core.errors import ImageLoadError
from editor.core.image import PREVIEW_EDGE, load_image

W, H = 3 * PREVIEW_EDGE, 2 * PREVIEW_EDGE  # large enough for a preview


def quadrants() -> np.ndarray:
    """Red top left, green top right, blue bottom left, white bottom right."""
    a = np.zeros((H, W, 3), np.uint8)
    a[: H // 2, : W // 2] = (255, 0, 0)
    a[: H // 2, W // 2 :] = (0, 255, 0)
    a[H // 2 :, : W // 2] = (0, 0, 255)
    a[H // 2 :, W // 2 :] = (255, 255, 255)
    return a


def load_with_preview(path: Path) -> tuple[np.ndarray, tuple[int, int], np.ndarray]:
    seen: list[tuple[np.ndarray, tuple[int, int]]] = []
    full = load_image(path, on_preview=lambda px, size: seen.append((px, size))).pixels
    assert len(seen) == 1
    return seen[0][0], seen[0][1], full


def assert_looks_like(preview: np.ndarray, full: np.ndarray) -> None:
    h, w = preview.shape[:2]
    small = cv2.resize(full, (w, h), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(np.int16) - preview).mean() < 6


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_preview_is_reduced_and_upright_like_the_full_image(
    tmp_path: Path, orientation: int
) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "big.jpg"
    path.write_bytes(encode(Image.fromarray(quadrants()), "JPEG", quality=92, exif=exif))
    preview, size, full = load_with_preview(path)
    assert size == (full.shape[1], full.shape[0])
    assert size == ((H, W) if orientation in (6, 8) else (W, H))
    assert PREVIEW_EDGE <= max(preview.shape[:2]) < max(size)  # a DCT scale of it
    ph, pw = preview.shape[:2]
    assert abs(pw / ph - size[0] / size[1]) < 0.01
    assert_looks_like(preview, full)


def test_preview_has_the_colour_profile_applied(tmp_path: Path) -> None:
    path = tmp_path / "profiled.jpg"
    red = Image.new("RGB", (W, H), (255, 0, 0))
    path.write_bytes(encode(red, "JPEG", quality=92, icc_profile=swapped_rb_icc()))
    preview, _size, full = load_with_preview(path)
    r, g, b = preview[10, 10].tolist()
    assert b > 240 and r < 15 and g < 15  # file red is sRGB blue, as in the full image
    assert_looks_like(preview, full)


def test_no_preview_for_small_jpegs_or_other_formats(tmp_path: Path) -> None:
    small = tmp_path / "small.jpg"
    small.write_bytes(encode(Image.new("RGB", (800, 600), (9, 9, 9)), "JPEG"))
    png = tmp_path / "big.png"
    png.write_bytes(encode(Image.new("RGB", (W, H), (9, 9, 9)), "PNG"))
    seen: list[object] = []
    for path in (small, png):
        loaded = load_image(path, on_preview=lambda px, size: seen.append(size))
        assert loaded.pixels.shape[2] == 3
    assert seen == []


def test_a_truncated_jpeg_still_fails_with_one_line(tmp_path: Path) -> None:
    data = encode(Image.fromarray(quadrants()), "JPEG", quality=92)
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ImageLoadError) as exc:
        load_image(path, on_preview=lambda px, size: None)
    assert "cut.jpg" in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize("channels", [3, 4])
def test_band_by_band_copy_gives_the_same_pixels(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, channels: int
) -> None:
    rng = np.random.default_rng(3)
    src = rng.integers(0, 256, (301, 77, channels), dtype=np.uint8)
    src[..., 3:] = rng.integers(0, 200, (301, 77, channels - 3), dtype=np.uint8)
    path = tmp_path / "noise.png"
    Image.fromarray(src).save(path)
    monkeypatch.setattr(codec, "BAND_BYTES", 77 * channels * 16 + 5)  # 16-row bands
    pixels = load_image(path).pixels
    assert pixels.flags.writeable and pixels.flags.c_contiguous
    assert np.array_equal(pixels, src)


def _draft_preview(path: Path) -> np.ndarray:
    """The preview as Pillow's draft mode decodes it (the path before OpenCV's)."""
    im = Image.open(path)
    w, h = im.size
    scale = PREVIEW_EDGE / max(w, h)
    im.draft("RGB", (int(w * scale), int(h * scale)))
    return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


@pytest.mark.parametrize("orientation", [1, 6])
def test_opencv_reduced_decode_gives_pillows_draft_pixels(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, orientation: int
) -> None:
    """A plain JPEG's preview comes from OpenCV's reduced decode (which releases the
    interpreter lock), pixel for pixel what Pillow's draft mode gave."""
    import editor.core.image as core_image

    rng = np.random.default_rng(5)
    noisy = np.clip(quadrants().astype(np.int16) + rng.integers(-40, 40, (H, W, 3)), 0, 255)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "plain.jpg"
    path.write_bytes(encode(Image.fromarray(noisy.astype(np.uint8)), "JPEG", exif=exif))
    calls: list[int] = []
    real = core_image.decode_reduced_jpeg

    def recording(*args: object) -> np.ndarray | None:
        out = real(*args)  # type: ignore[arg-type]
        calls.append(0 if out is None else 1)
        return out

    monkeypatch.setattr(core_image, "decode_reduced_jpeg", recording)
    preview, _size, _full = load_with_preview(path)
    assert calls == [1]  # OpenCV decoded it
    assert np.array_equal(preview, _draft_preview(path))


def test_reduced_scale_is_pillows_draft_choice(tmp_path: Path) -> None:
    from editor.core.jpeg_decode import reduced_scale

    for size in ((4200, 2800), (6000, 4000), (11648, 900), (3000, 2900)):
        path = tmp_path / "flat.jpg"
        Image.new("RGB", size, (90, 90, 90)).save(path, quality=50)
        im = Image.open(path)
        w, h = size
        ratio = PREVIEW_EDGE / max(w, h)
        im.draft("RGB", (int(w * ratio), int(h * ratio)))
        scale = reduced_scale(size, PREVIEW_EDGE)
        assert im.size == (-(-w // scale), -(-h // scale))
