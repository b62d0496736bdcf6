"""Mask operations, files and service conversions."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from editor.core import mask as masks
from editor.core.errors import ExportError, MaskError


@st.composite
def binary_masks(draw: st.DrawFn, max_side: int = 40) -> np.ndarray:
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    bits = draw(arrays(np.bool_, (h, w)))
    return np.where(bits, np.uint8(255), np.uint8(0))


def euclidean_within(mask: np.ndarray, radius: float) -> np.ndarray:
    """Brute-force oracle: pixels within ``radius`` of a masked pixel."""
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    yy, xx = np.mgrid[0:h, 0:w]
    out = np.zeros((h, w), dtype=bool)
    for y, x in zip(ys, xs, strict=True):
        out |= (yy - y) ** 2 + (xx - x) ** 2 <= radius**2
    return out


def test_new_clear_fill_invert() -> None:
    m = masks.new_mask(3, 5)
    assert m.shape == (3, 5) and m.dtype == np.uint8 and not m.any()
    filled = masks.fill(m)
    assert (filled == 255).all() and not m.any()
    assert not masks.clear(filled).any() and (filled == 255).all()
    assert (masks.invert(m) == 255).all()


@settings(max_examples=80, deadline=None)
@given(m=binary_masks(), px=st.integers(-6, 6))
def test_ops_keep_shape_dtype_and_input(m: np.ndarray, px: int) -> None:
    before = m.copy()
    for out in (
        masks.grow(m, px),
        masks.feather(m, abs(px)),
        masks.invert(m),
        masks.clear(m),
        masks.fill(m),
    ):
        assert out.shape == m.shape
        assert out.dtype == np.uint8
        assert out is not m
    assert np.array_equal(m, before)


@settings(max_examples=80, deadline=None)
@given(m=binary_masks(), px=st.integers(1, 8))
def test_grow_shrink_order_properties(m: np.ndarray, px: int) -> None:
    grown = masks.grow(m, px) > 0
    shrunk = masks.shrink(m, px) > 0
    on = m > 0
    assert (grown >= on).all()  # grow contains the original
    assert (shrunk <= on).all()  # shrink is inside it
    assert ((masks.shrink(masks.grow(m, px), px) > 0) >= on).all()  # closing contains it
    assert ((masks.grow(masks.shrink(m, px), px) > 0) <= on).all()  # opening inside it
    assert np.array_equal(masks.invert(masks.invert(m)), m)


@settings(max_examples=60, deadline=None)
@given(m=binary_masks(max_side=30), px=st.integers(1, 10))
def test_grow_is_close_to_a_disc(m: np.ndarray, px: int) -> None:
    grown = masks.grow(m, px) > 0
    # within the octagon: covers the inscribed disc, never beyond the circumscribed one
    assert (grown >= euclidean_within(m, px * 0.92 - 0.5)).all()
    assert (grown <= euclidean_within(m, px * 1.09 + 0.5)).all()


def test_grow_exact_reach_along_axes() -> None:
    m = masks.new_mask(101, 101)
    m[50, 50] = 255
    for px in (1, 3, 10, 25):
        g = masks.grow(m, px)
        assert g[50, 50 + px] == 255 and g[50 - px, 50] == 255
        assert g[50, 50 + px + 1] == 0 and g[50 + px + 1, 50] == 0


def test_shrink_does_not_eat_in_from_the_image_border() -> None:
    full = masks.fill(masks.new_mask(20, 30))
    assert (masks.shrink(full, 5) == 255).all()
    m = masks.new_mask(20, 30)
    m[5:15, 5:25] = 255
    s = masks.shrink(m, 2)
    assert masks.bounding_box(s) == (7, 7, 23, 13)


def test_grow_on_a_large_mask_stays_local() -> None:
    m = masks.new_mask(2000, 3000)
    m[100:110, 2000:2010] = 255
    g = masks.grow(m, 20)
    assert masks.bounding_box(g) == (1980, 80, 2030, 130)


@settings(max_examples=60, deadline=None)
@given(m=binary_masks(), px=st.integers(1, 8))
def test_feather_never_reaches_beyond_px(m: np.ndarray, px: int) -> None:
    f = masks.feather(m, px)
    reach = masks.grow(m, px) > 0
    assert not f[~reach].any()


def test_feather_keeps_the_core_and_softens_the_edge() -> None:
    m = masks.new_mask(100, 100)
    m[20:80, 20:80] = 255
    f = masks.feather(m, 8)
    assert (f[masks.shrink(m, 8) > 0] >= 250).all()
    assert 60 < f[50, 20] < 200  # the edge is half-way
    assert 0 < f[50, 17] < f[50, 20] < f[50, 23]
    assert np.array_equal(masks.feather(m, 0), m)


def test_bounding_box_and_coverage() -> None:
    m = masks.new_mask(10, 20)
    assert masks.bounding_box(m) is None
    assert masks.coverage(m) == 0.0
    m[2:5, 3:9] = 255
    m[7, 15] = 255
    assert masks.bounding_box(m) == (3, 2, 16, 8)
    assert masks.coverage(m) == pytest.approx(19 / 200)
    assert masks.coverage(masks.fill(m)) == 1.0


@settings(max_examples=50, deadline=None)
@given(m=binary_masks())
def test_bounding_box_matches_nonzero(m: np.ndarray) -> None:
    box = masks.bounding_box(m)
    ys, xs = np.nonzero(m)
    if len(ys) == 0:
        assert box is None
    else:
        assert box == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


# --- files -----------------------------------------------------------------------------


def save(im: Image.Image, path: Path) -> Path:
    im.save(path)
    return path


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    m = masks.new_mask(30, 40)
    m[5:20, 10:30] = 255
    path = tmp_path / "mask.png"
    masks.save_mask(m, path)
    with Image.open(path) as im:
        assert im.mode == "L" and im.size == (40, 30)
    assert np.array_equal(masks.load_mask(path, (30, 40)), m)
    assert [p.name for p in tmp_path.iterdir()] == ["mask.png"]  # no temp file left


def test_save_into_missing_folder_is_a_one_line_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"mask\.png") as exc:
        masks.save_mask(masks.new_mask(2, 2), tmp_path / "missing" / "mask.png")
    assert "\n" not in str(exc.value)


def test_load_wrong_size_names_both_sizes(tmp_path: Path) -> None:
    path = save(Image.new("L", (40, 30)), tmp_path / "m.png")
    with pytest.raises(MaskError) as exc:
        masks.load_mask(path, (300, 400))
    message = str(exc.value)
    assert "40x30" in message and "400x300" in message and "m.png" in message


def test_load_binarises_any_mode(tmp_path: Path) -> None:
    gray = np.array([[0, 127, 128, 255]], dtype=np.uint8)
    expected = [[0, 0, 255, 255]]
    assert masks.load_mask(save(Image.fromarray(gray), tmp_path / "l.png"), (1, 4)).tolist() == (
        expected
    )
    rgb = Image.fromarray(np.repeat(gray[..., None], 3, axis=2))
    assert masks.load_mask(save(rgb, tmp_path / "rgb.png"), (1, 4)).tolist() == expected
    bitmap = Image.fromarray(gray).convert("1", dither=Image.Dither.NONE)
    assert masks.load_mask(save(bitmap, tmp_path / "one.png"), (1, 4)).tolist() == expected
    i16 = Image.frombytes("I;16", (4, 1), (gray.astype("<u2") * 257).tobytes())
    assert masks.load_mask(save(i16, tmp_path / "i16.png"), (1, 4)).tolist() == expected
    jpeg = Image.new("L", (16, 16), 0)
    jpeg.paste(250, (0, 0, 8, 16))
    loaded = masks.load_mask(save(jpeg, tmp_path / "m.jpg"), (16, 16))
    assert set(np.unique(loaded).tolist()) == {0, 255}
    assert (loaded[:, :6] == 255).all() and (loaded[:, 10:] == 0).all()


def test_load_white_paint_on_transparent_layer(tmp_path: Path) -> None:
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[1:3, 1:3] = (255, 255, 255, 255)
    loaded = masks.load_mask(save(Image.fromarray(rgba), tmp_path / "paint.png"), (4, 4))
    assert loaded.tolist() == (rgba[..., 3] == 255).astype(np.uint8).__mul__(255).tolist()


def test_load_openai_style_mask(tmp_path: Path) -> None:
    m = masks.new_mask(6, 8)
    m[2:4, 3:6] = 255
    path = tmp_path / "openai.png"
    path.write_bytes(masks.to_openai_png(m))
    assert np.array_equal(masks.load_mask(path, (6, 8)), m)


def test_load_non_image_is_mask_error(tmp_path: Path) -> None:
    path = tmp_path / "mask.png"
    path.write_text("no")
    with pytest.raises(MaskError, match=r"mask\.png"):
        masks.load_mask(path, (2, 2))
    with pytest.raises(MaskError, match="does not exist"):
        masks.load_mask(tmp_path / "absent.png", (2, 2))


def test_fashn_and_openai_conversions() -> None:
    m = masks.new_mask(5, 7)
    m[1:3, 2:6] = 255
    m[4, 0] = 200  # a soft value is binarised
    with Image.open(io.BytesIO(masks.to_fashn_png(m))) as im:
        assert im.format == "PNG" and im.mode == "L" and im.size == (7, 5)
        fashn = np.asarray(im)
    assert np.array_equal(fashn, masks.binarise(m))
    with Image.open(io.BytesIO(masks.to_openai_png(m))) as im:
        assert im.format == "PNG" and im.mode == "RGBA" and im.size == (7, 5)
        alpha = np.asarray(im)[..., 3]
    assert np.array_equal(alpha == 0, m >= 128)
    assert set(np.unique(alpha).tolist()) == {0, 255}


def test_mask_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    from core_helpers import bomb_png, png_bytes_raw

    path = tmp_path / "huge.png"
    path.write_bytes(bomb_png())
    with pytest.raises(MaskError, match=r"huge\.png") as exc:
        masks.load_mask(path, (30, 40))
    assert "40x30" in str(exc.value)
    # below Pillow's own limit: refused from the header, before the pixels are decoded
    header_only = png_bytes_raw(9000, 9000, 8, 0, b"")  # no pixel data at all
    path.write_bytes(header_only)
    with pytest.raises(MaskError, match="9000x9000"):
        masks.load_mask(path, (30, 40))


def test_mask_with_exif_orientation_follows_the_image(tmp_path: Path) -> None:
    from core_helpers import oriented, with_orientation

    stored = np.zeros((20, 30), dtype=np.uint8)
    stored[0:5, 0:10] = 255
    path = tmp_path / "rotated.png"
    path.write_bytes(with_orientation(stored, 6, "PNG"))
    loaded = masks.load_mask(path, (30, 20))
    assert np.array_equal(loaded, oriented(stored, 6))
