"""The image loader: every format, every normalisation, every hostile file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from core_helpers import (
    bomb_png,
    encode,
    photo,
    png_16bit_rgb,
    swapped_rb_icc,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from editor.core.errors import ImageLoadError
from editor.core.image import MAX_PIXELS, decode_image_bytes, load_image


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_one_line_naming(exc: pytest.ExceptionInfo[ImageLoadError], name: str) -> None:
    message = str(exc.value)
    assert "\n" not in message
    assert name in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("fmt", "suffix", "params"),
    [
        ("PNG", "png", {}),
        ("JPEG", "jpg", {"quality": 95}),
        ("WEBP", "webp", {"lossless": True}),
        ("TIFF", "tif", {}),
        ("BMP", "bmp", {}),
        ("GIF", "gif", {}),
    ],
)
def test_formats_load_as_rgb(tmp_path: Path, fmt: str, suffix: str, params: dict) -> None:
    src = photo(48, 32)
    path = write(tmp_path, f"photo.{suffix}", encode(Image.fromarray(src), fmt, **params))
    loaded = load_image(path)
    assert loaded.pixels.shape == (32, 48, 3)
    assert loaded.pixels.dtype == np.uint8
    assert loaded.size == (48, 32)
    assert loaded.path == path
    assert loaded.format == fmt
    assert not loaded.has_alpha
    tolerance = {"JPEG": 12, "GIF": 40}.get(fmt, 0)
    diff = np.abs(loaded.pixels.astype(int) - src.astype(int)).mean()
    assert diff <= tolerance


def test_bytes_and_path_give_the_same_pixels(tmp_path: Path) -> None:
    data = encode(Image.fromarray(photo(20, 10)), "PNG")
    from_path = load_image(write(tmp_path, "a.png", data))
    from_bytes = load_image(data)
    assert from_bytes.path is None
    assert np.array_equal(from_path.pixels, from_bytes.pixels)
    assert np.array_equal(decode_image_bytes(data), from_bytes.pixels)


def test_pixels_are_writable_and_contiguous() -> None:
    loaded = load_image(encode(Image.fromarray(photo(9, 7)), "PNG"))
    assert loaded.pixels.flags.writeable
    assert loaded.pixels.flags.c_contiguous


# --- hostile files -------------------------------------------------------------


def test_zero_byte_file(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match="empty") as exc:
        load_image(write(tmp_path, "empty.png", b""))
    assert_one_line_naming(exc, "empty.png")


def test_text_file_named_png(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match="not an image") as exc:
        load_image(write(tmp_path, "notes.png", b"hello, this is not a picture\n" * 20))
    assert_one_line_naming(exc, "notes.png")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_truncated_file(tmp_path: Path, fmt: str) -> None:
    data = encode(Image.fromarray(photo(200, 150)), fmt)
    with pytest.raises(ImageLoadError) as exc:
        load_image(write(tmp_path, f"cut.{fmt.lower()}", data[: len(data) // 2]))
    assert_one_line_naming(exc, f"cut.{fmt.lower()}")


def test_corrupt_body_after_valid_signature(tmp_path: Path) -> None:
    data = encode(Image.fromarray(photo(64, 64)), "PNG")
    rng = np.random.default_rng(3)
    corrupt = data[:60] + rng.integers(0, 256, len(data) - 60, dtype=np.uint8).tobytes()
    with pytest.raises(ImageLoadError) as exc:
        load_image(write(tmp_path, "garbled.png", corrupt))
    assert_one_line_naming(exc, "garbled.png")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match="does not exist") as exc:
        load_image(tmp_path / "nope.jpg")
    assert_one_line_naming(exc, "nope.jpg")
    folder = tmp_path / "folder.png"
    folder.mkdir()
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(folder)


def test_decompression_bomb_refused_from_header(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.png", bomb_png())
    assert path.stat().st_size < 100_000
    with pytest.raises(ImageLoadError, match=r"too large|megapixels") as exc:
        load_image(path)
    assert_one_line_naming(exc, "bomb.png")


def test_pixel_limit_is_configurable_and_names_sizes(tmp_path: Path) -> None:
    data = encode(Image.new("L", (400, 300)), "PNG")
    with pytest.raises(ImageLoadError, match="400x300"):
        load_image(data, max_pixels=100_000)
    assert load_image(data, max_pixels=120_000).size == (400, 300)
    assert MAX_PIXELS >= 100_000_000  # a 100 MP camera file still opens


def test_decode_image_bytes_rejects_garbage() -> None:
    with pytest.raises(ImageLoadError, match="returned image"):
        decode_image_bytes(b"<html>502 Bad Gateway</html>")
    with pytest.raises(ImageLoadError):
        decode_image_bytes(encode(Image.new("RGB", (50, 50)), "PNG"), max_pixels=100)


def test_unicode_and_long_file_names(tmp_path: Path) -> None:
    name = "фото-é-🙂-" + "x" * 150 + ".png"
    path = write(tmp_path, name, encode(Image.fromarray(photo(5, 4)), "PNG"))
    assert load_image(path).size == (5, 4)
    bad = write(tmp_path, "ñ" + name, b"nope")
    with pytest.raises(ImageLoadError) as exc:
        load_image(bad)
    assert_one_line_naming(exc, "ñ" + name)


# --- extreme sizes -----------------------------------------------------------------


def test_one_by_one() -> None:
    loaded = load_image(encode(Image.new("RGB", (1, 1), (10, 20, 30)), "PNG"))
    assert loaded.pixels.shape == (1, 1, 3)
    assert loaded.pixels[0, 0].tolist() == [10, 20, 30]


def test_30000_by_10() -> None:
    arr = np.zeros((10, 30000, 3), dtype=np.uint8)
    arr[:, -1] = 200
    loaded = load_image(encode(Image.fromarray(arr), "PNG"))
    assert loaded.size == (30000, 10)
    assert loaded.pixels[5, -1].tolist() == [200, 200, 200]


# --- modes ---------------------------------------------------------------------------


def i16(values: np.ndarray) -> Image.Image:
    h, w = values.shape
    return Image.frombytes("I;16", (w, h), values.astype("<u2").tobytes())


def test_16_bit_grayscale_png_keeps_top_byte() -> None:
    values = np.array([[0, 256, 32768, 65535]], dtype=np.uint16)
    data = encode(i16(values), "PNG")
    loaded = load_image(data)
    assert loaded.pixels.shape == (1, 4, 3)
    assert loaded.pixels[0, :, 0].tolist() == [0, 1, 128, 255]


def test_16_bit_rgb_png() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 65536, (6, 5, 3)).astype(np.uint16)
    loaded = load_image(png_16bit_rgb(values))
    assert loaded.pixels.dtype == np.uint8
    assert np.array_equal(loaded.pixels, (values >> 8).astype(np.uint8))


def test_16_bit_tiff() -> None:
    values = np.array([[0, 4096], [40000, 65535]], dtype=np.uint16)
    loaded = load_image(encode(i16(values), "TIFF"))
    assert loaded.format == "TIFF"
    assert loaded.pixels[..., 0].tolist() == [[0, 16], [156, 255]]


def test_cmyk_jpeg_becomes_rgb() -> None:
    data = encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95)
    loaded = load_image(data)
    assert loaded.pixels.shape == (16, 16, 3)
    r, g, b = loaded.pixels[8, 8].tolist()
    assert r > 230 and g < 30 and b < 30


def test_palette_with_transparency_keeps_alpha() -> None:
    im = Image.new("P", (4, 2))
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    im.putdata([0, 1, 0, 1, 1, 1, 0, 0])
    data = encode(im, "PNG", transparency=1)
    loaded = load_image(data)
    assert loaded.has_alpha
    assert loaded.pixels[..., 3].tolist() == [[255, 0, 255, 0], [0, 0, 255, 255]]
    assert loaded.pixels[0, 0, :3].tolist() == [255, 0, 0]


def test_palette_transparency_unused_drops_alpha() -> None:
    im = Image.new("P", (3, 3), 0)
    im.putpalette([1, 2, 3] * 256)
    loaded = load_image(encode(im, "PNG", transparency=5))
    assert not loaded.has_alpha


def test_rgba_opaque_drops_alpha_and_transparent_keeps_it() -> None:
    rgba = photo(8, 6, channels=4)
    assert not load_image(encode(Image.fromarray(rgba), "PNG")).has_alpha
    rgba[0, 0, 3] = 0
    loaded = load_image(encode(Image.fromarray(rgba), "PNG"))
    assert loaded.has_alpha
    assert loaded.pixels[0, 0, 3] == 0
    assert np.array_equal(loaded.pixels, rgba)


def test_la_image() -> None:
    la = Image.merge("LA", [Image.new("L", (3, 2), 90), Image.new("L", (3, 2), 128)])
    loaded = load_image(encode(la, "PNG"))
    assert loaded.has_alpha
    assert loaded.pixels[0, 0].tolist() == [90, 90, 90, 128]


def test_one_bit_image() -> None:
    im = Image.new("1", (5, 5), 1)
    im.putpixel((2, 2), 0)
    loaded = load_image(encode(im, "PNG"))
    assert loaded.pixels[2, 2].tolist() == [0, 0, 0]
    assert loaded.pixels[0, 0].tolist() == [255, 255, 255]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_gives_first_frame(fmt: str) -> None:
    frames = [Image.new("RGB", (10, 10), c) for c in ((200, 0, 0), (0, 0, 200), (0, 200, 0))]
    params = {"lossless": True} if fmt == "WEBP" else {}
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=50, **params)
    loaded = load_image(data)
    r, g, b = loaded.pixels[5, 5].tolist()
    assert r > 150 and g < 50 and b < 50


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_icc_profile_is_converted_to_srgb(fmt: str) -> None:
    icc = swapped_rb_icc()
    data = encode(Image.new("RGB", (8, 8), (255, 0, 0)), fmt, icc_profile=icc)
    loaded = load_image(data)
    assert loaded.icc_profile == icc
    r, g, b = loaded.pixels[4, 4].tolist()
    assert b > 240 and r < 15 and g < 15  # the profile says file red is sRGB blue


def test_icc_profile_with_alpha_keeps_alpha() -> None:
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 100
    loaded = load_image(encode(Image.fromarray(rgba), "PNG", icc_profile=swapped_rb_icc()))
    assert loaded.pixels[0, 0].tolist()[2:] == [255, 100]


def test_broken_icc_profile_is_ignored() -> None:
    data = encode(Image.new("RGB", (4, 4), (10, 200, 30)), "PNG", icc_profile=b"junk" * 40)
    assert load_image(data).pixels[0, 0].tolist() == [10, 200, 30]


def test_srgb_profile_leaves_pixels_alone() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = photo(16, 16)
    loaded = load_image(encode(Image.fromarray(src), "PNG", icc_profile=srgb))
    assert np.array_equal(loaded.pixels, src)


_SAMPLES = {
    fmt: encode(Image.fromarray(photo(24, 16, seed=4)), fmt)
    for fmt in ("PNG", "JPEG", "WEBP", "TIFF", "BMP", "GIF")
}


@settings(max_examples=300, deadline=None)
@given(
    fmt=st.sampled_from(sorted(_SAMPLES)),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10_000),
)
def test_fuzzed_files_load_or_fail_cleanly(
    fmt: str, edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(_SAMPLES[fmt])
    for pos, value in edits:
        data[pos % len(data)] = value
    data = data[: max(1, len(data) - cut % len(data))]
    try:
        loaded = load_image(bytes(data), max_pixels=4_000_000)
    except ImageLoadError as exc:
        assert "\n" not in str(exc) and "the image data" in str(exc)
    else:
        assert loaded.pixels.dtype == np.uint8 and loaded.pixels.ndim == 3
        assert loaded.pixels.shape[2] in (3, 4)
