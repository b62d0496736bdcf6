"""Large plain JPEGs decode through OpenCV (core/jpeg_decode.py): the same upright RGB
pixels as the Pillow path for every EXIF orientation and chroma subsampling, and every
case it does not take (truncated, greyscale, a non-sRGB profile, small) goes to Pillow."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from editor.core import image as images
from editor.core import jpeg_decode
from editor.core.errors import ImageLoadError


def _photo(w: int = 96, h: int = 64) -> np.ndarray:
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:h, :w]
    out = np.stack([xx * 255 // w, yy * 255 // h, (xx + yy) % 256], axis=-1).astype(np.uint8)
    out[10:30, 20:50] = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)  # texture
    out[h - 8 :, : w // 3] = (250, 10, 10)  # an asymmetric mark shows any wrong turn
    return out


def _jpeg(arr: np.ndarray, *, orientation: int = 1, **save: object) -> bytes:
    im = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, exif=exif.tobytes(), **save)
    return buf.getvalue()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray | None]:
    """What the OpenCV path returned for each decode (None: it passed to Pillow)."""
    results: list[np.ndarray | None] = []
    real = images._jpeg_by_opencv

    def recording(*args: object) -> np.ndarray | None:
        out = real(*args)  # type: ignore[arg-type]
        results.append(out)
        return out

    monkeypatch.setattr(images, "_jpeg_by_opencv", recording)
    return results


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[np.ndarray, np.ndarray]:
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 1 << 40)  # Pillow
    by_pillow = images.load_image(data).pixels
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 0)  # OpenCV wherever it applies
    return images.load_image(data).pixels, by_pillow


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillow(
    orientation: int, monkeypatch: pytest.MonkeyPatch, spy: list[np.ndarray | None]
) -> None:
    fast, slow = _both(_jpeg(_photo(), orientation=orientation), monkeypatch)
    assert spy[-1] is not None  # the OpenCV path was taken
    assert fast.flags.writeable and fast.shape == slow.shape
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize(
    "save", [{"subsampling": 0}, {"subsampling": 1}, {"subsampling": 2}, {"progressive": True}]
)
def test_subsampling_and_progressive_match_pillow(
    save: dict[str, object], monkeypatch: pytest.MonkeyPatch, spy: list[np.ndarray | None]
) -> None:
    fast, slow = _both(_jpeg(_photo(), **save), monkeypatch)
    assert spy[-1] is not None
    np.testing.assert_array_equal(fast, slow)


def test_a_truncated_jpeg_is_still_reported(
    monkeypatch: pytest.MonkeyPatch, spy: list[np.ndarray | None]
) -> None:
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 0)
    data = _jpeg(_photo())
    with pytest.raises(ImageLoadError, match="truncated"):
        images.load_image(data[: len(data) // 2])
    assert spy == [None]  # no end-of-image marker: Pillow decided


def test_greyscale_small_and_other_profiles_go_to_pillow(
    monkeypatch: pytest.MonkeyPatch, spy: list[np.ndarray | None]
) -> None:
    grey = io.BytesIO()
    Image.fromarray(_photo()[..., 0]).save(grey, "JPEG", quality=90)
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    other = io.BytesIO()
    Image.fromarray(_photo()).save(other, "JPEG", quality=90, icc_profile=lab)
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 0)
    assert images.load_image(grey.getvalue()).pixels.shape == (64, 96, 3)
    images.load_image(other.getvalue())
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 96 * 64 + 1)  # one pixel too small
    images.load_image(_jpeg(_photo()))
    assert spy == [None, None, None]


def test_an_srgb_profile_keeps_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, spy: list[np.ndarray | None]
) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    Image.fromarray(_photo()).save(buf, "JPEG", quality=90, icc_profile=srgb)
    fast, slow = _both(buf.getvalue(), monkeypatch)
    assert spy[-1] is not None
    np.testing.assert_array_equal(fast, slow)


@pytest.fixture
def read_into(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray | None]:
    """What decoding a file into an array of our own (cv2.imread with dst) returned."""
    results: list[np.ndarray | None] = []
    real = jpeg_decode._read_into

    def recording(path: str, shape: tuple[int, int]) -> np.ndarray | None:
        out = real(path, shape)
        results.append(out)
        return out

    monkeypatch.setattr(jpeg_decode, "_read_into", recording)
    return results


@pytest.mark.parametrize(
    ("orientation", "save"),
    [(o, {}) for o in range(1, 9)]
    + [(1, {"subsampling": 0}), (6, {"subsampling": 1}), (3, {"progressive": True})],
)
def test_a_file_decoded_into_our_own_array_matches_pillow(
    orientation: int,
    save: dict[str, object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    read_into: list[np.ndarray | None],
) -> None:
    """Opened by its path, the file is decoded by OpenCV into an array made for it (no
    copy by OpenCV's binding to free under the interpreter lock): Pillow's pixels."""
    path = tmp_path / "photo.jpg"
    path.write_bytes(_jpeg(_photo(), orientation=orientation, **save))
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 1 << 40)
    slow = images.load_image(path).pixels
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 0)
    fast = images.load_image(path).pixels
    assert len(read_into) == 1 and read_into[0] is not None
    if orientation == 1:
        assert fast is read_into[0]  # the array OpenCV wrote, not a copy
    assert fast.flags.writeable and fast.dtype == np.uint8
    np.testing.assert_array_equal(fast, slow)


def test_a_truncated_file_goes_to_pillow_without_reading_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_into: list[np.ndarray | None]
) -> None:
    data = _jpeg(_photo())
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    padded = tmp_path / "padded.jpg"
    padded.write_bytes(data + b"\x00" * 100)  # padding after the marker is fine
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 0)
    with pytest.raises(ImageLoadError, match="truncated"):
        images.load_image(path)
    assert read_into == []  # no end-of-image marker at the end: not decoded by OpenCV
    np.testing.assert_array_equal(images.load_image(padded).pixels, images.load_image(data).pixels)
    assert len(read_into) == 1


def test_an_opencv_without_the_rgb_flag_decodes_the_bytes_instead(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    read_into: list[np.ndarray | None],
    spy: list[np.ndarray | None],
) -> None:
    """Older OpenCV builds have no IMREAD_COLOR_RGB (nor imread's dst): a file then takes
    the bytes path (imdecode and a swap), with the same pixels, never an error."""
    path = tmp_path / "photo.jpg"
    path.write_bytes(_jpeg(_photo(), orientation=6))
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 1 << 40)
    slow = images.load_image(path).pixels
    monkeypatch.setattr(jpeg_decode, "OPENCV_FROM", 0)
    monkeypatch.delattr(jpeg_decode.cv2, "IMREAD_COLOR_RGB")
    fast = images.load_image(path).pixels
    assert read_into == []  # imread was not tried
    assert spy and spy[-1] is not None  # still OpenCV's decode, from the bytes
    np.testing.assert_array_equal(fast, slow)
