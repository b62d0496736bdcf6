"""Paste-back: results go back at the source size, unmasked pixels stay bit-identical."""

from __future__ import annotations

import numpy as np
from core_helpers import encode, photo
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from editor.core import mask as masks
from editor.core.composite import finish_result, paste_back
from editor.core.image import decode_image_bytes
from editor.core.prepare import prepare_upload, resize_pixels
from editor.core.request import EditRequest


@st.composite
def scenes(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    h = draw(st.integers(1, 60))
    w = draw(st.integers(1, 60))
    channels = draw(st.sampled_from([3, 4]))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    source = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    same_size = draw(st.booleans())
    rh = h if same_size else draw(st.integers(1, 80))
    rw = w if same_size else draw(st.integers(1, 80))
    result = rng.integers(0, 256, (rh, rw, draw(st.sampled_from([3, 4]))), dtype=np.uint8)
    mask = np.zeros((h, w), dtype=np.uint8)
    for _ in range(draw(st.integers(0, 3))):
        y0, x0 = draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))
        y1, x1 = draw(st.integers(y0 + 1, h)), draw(st.integers(x0 + 1, w))
        mask[y0:y1, x0:x1] = 255
    return source, result, mask, draw(st.integers(0, 6))


@settings(max_examples=80, deadline=None)
@given(scene=scenes())
def test_unmasked_pixels_are_bit_identical(
    scene: tuple[np.ndarray, np.ndarray, np.ndarray, int],
) -> None:
    source, result, mask, feather_px = scene
    before = source.copy()
    out = paste_back(source, result, mask, feather_px=feather_px)
    assert out.shape == source.shape and out.dtype == np.uint8
    outside = masks.grow(mask, feather_px) == 0
    assert np.array_equal(out[outside], source[outside])
    assert np.array_equal(source, before)  # input untouched
    # where the feathered mask is fully on, the output is the result itself
    if result.shape[:2] == source.shape[:2]:
        full = masks.feather(mask, feather_px) == 255
        assert np.array_equal(out[..., :3][full], result[..., :3][full])


@settings(max_examples=40, deadline=None)
@given(scene=scenes(), data=st.data())
def test_crop_paste_back_stays_inside_the_crop(
    scene: tuple[np.ndarray, np.ndarray, np.ndarray, int], data: st.DataObject
) -> None:
    source, result, mask, feather_px = scene
    h, w = source.shape[:2]
    x0, y0 = data.draw(st.integers(0, w - 1)), data.draw(st.integers(0, h - 1))
    x1, y1 = data.draw(st.integers(x0 + 1, w)), data.draw(st.integers(y0 + 1, h))
    out = paste_back(source, result, mask, feather_px=feather_px, crop=(x0, y0, x1, y1))
    assert out.shape == source.shape
    untouched = masks.grow(mask, feather_px) == 0
    untouched[:y0] = True
    untouched[y1:] = True
    untouched[:, :x0] = True
    untouched[:, x1:] = True
    assert np.array_equal(out[untouched], source[untouched])


def test_partial_window_scaling_matches_full_scaling() -> None:
    source = photo(600, 400)
    result = photo(300, 200, seed=5)
    mask = np.zeros((400, 600), dtype=np.uint8)
    mask[100:150, 200:260] = 255
    out = paste_back(source, result, mask, feather_px=0)
    full = np.asarray(Image.fromarray(result).resize((600, 400), Image.Resampling.LANCZOS))
    assert np.array_equal(out[100:150, 200:260], full[100:150, 200:260])


def test_focus_round_trip_pastes_in_place() -> None:
    h, w = 2000, 3000
    source = photo(w, h)
    mask = np.zeros((h, w), dtype=np.uint8)
    mask[900:1000, 1400:1550] = 255
    req = EditRequest(image=source, mask=mask, prompt="paint it red", focus=True, feather_px=3)
    up = prepare_upload(req, target="fashn", max_edge=2000)
    assert up.crop is not None
    # a fake service: answers at twice the sent size with everything painted red
    sent_w, sent_h = up.image.size
    red = np.full((sent_h * 2, sent_w * 2, 3), (255, 0, 0), np.uint8)
    raw = decode_image_bytes(encode(Image.fromarray(red), "PNG"))
    out = finish_result(req, up, raw)
    assert out.shape == source.shape
    assert (out[910:990, 1410:1540] == (255, 0, 0)).all()
    outside = masks.grow(mask, 3) == 0
    assert np.array_equal(out[outside], source[outside])


def test_maskless_edit_is_scaled_not_composited() -> None:
    source = photo(90, 60)
    req = EditRequest(image=source, prompt="make it night")
    assert not req.wants_composite
    up = prepare_upload(req, target="fashn", max_edge=2000)
    raw = photo(45, 30, seed=9)
    out = finish_result(req, up, raw)
    assert out.shape == source.shape
    assert np.array_equal(out, resize_pixels(raw, (90, 60)))


def test_composite_switched_off_with_a_mask() -> None:
    source = photo(80, 80)
    mask = np.zeros((80, 80), dtype=np.uint8)
    mask[10:20, 10:20] = 255
    req = EditRequest(image=source, mask=mask, prompt="x", composite=False)
    assert not req.wants_composite
    raw = np.zeros((80, 80, 3), dtype=np.uint8)
    up = prepare_upload(req, target="fashn", max_edge=2000)
    assert not finish_result(req, up, raw).any()  # the whole result, not pasted


def test_composite_is_default_with_a_mask_and_keeps_source_alpha() -> None:
    source = photo(40, 40, channels=4)
    source[..., 3] = 77
    mask = np.zeros((40, 40), dtype=np.uint8)
    mask[5:15, 5:15] = 255
    req = EditRequest(image=source, mask=mask, prompt="x", feather_px=0)
    assert req.wants_composite
    up = prepare_upload(req, target="fashn", max_edge=2000)
    out = finish_result(req, up, np.zeros((40, 40, 3), dtype=np.uint8))
    assert out.shape == (40, 40, 4)
    assert (out[5:15, 5:15, :3] == 0).all() and (out[..., 3] == 77).all()
    assert np.array_equal(out[20:], source[20:])
