"""Upload preparation: geometry, encodings, data URIs, focus crop."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from core_helpers import photo
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from editor.core.prepare import (
    PreparedImage,
    fashn_max_edge,
    fit_size,
    focus_box,
    prepare_upload,
)
from editor.core.request import EditRequest, OpenAIOptions


def decode(data: bytes) -> tuple[str, np.ndarray]:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.format or "", np.asarray(im)


def test_fashn_max_edge() -> None:
    assert [fashn_max_edge(r) for r in ("1k", "2k", "4k")] == [2000, 4000, 6000]


@settings(max_examples=40, deadline=None)
@given(
    w=st.integers(1, 300),
    h=st.integers(1, 300),
    max_edge=st.integers(16, 400),
    target=st.sampled_from(["fashn", "openai"]),
)
def test_geometry(w: int, h: int, max_edge: int, target: str) -> None:
    mask = np.zeros((h, w), dtype=np.uint8)
    mask[h // 3 : h // 3 + max(1, h // 3), w // 3 : w // 3 + max(1, w // 3)] = 255
    up = prepare_upload(
        EditRequest(image=photo(w, h), mask=mask, prompt="x"), target=target, max_edge=max_edge
    )
    assert up.mask is not None
    assert up.image.size == up.mask.size
    sw, sh = up.image.size
    assert max(sw, sh) <= max(max_edge, 1) or (sw, sh) == (w, h)
    assert sw <= w and sh <= h  # never upscaled
    if max(w, h) <= max_edge:
        assert (sw, sh) == (w, h)
    else:
        assert max(sw, sh) == max_edge
        scale = max_edge / max(w, h)  # aspect kept: each side rounded, at least 1 px
        assert abs(sw - w * scale) <= 0.5 or sw == 1
        assert abs(sh - h * scale) <= 0.5 or sh == 1
    _, arr = decode(up.image.data)
    assert arr.shape[:2] == (sh, sw)
    mfmt, marr = decode(up.mask.data)
    assert mfmt == "PNG" and marr.shape[:2] == (sh, sw)
    assert up.source_size == (w, h) and up.crop is None


def test_mask_follows_the_image_geometry() -> None:
    # a bright square in the photo exactly where the mask is: after downscaling they
    # must still coincide
    h, w = 3000, 4500
    img = np.full((h, w, 3), 40, dtype=np.uint8)
    mask = np.zeros((h, w), dtype=np.uint8)
    img[1210:1790, 2333:3011] = 250
    mask[1210:1790, 2333:3011] = 255
    up = prepare_upload(
        EditRequest(image=img, mask=mask, prompt="x"), target="fashn", max_edge=2000
    )
    _, small = decode(up.image.data)
    _, smask = decode(up.mask.data)
    assert set(np.unique(smask).tolist()) == {0, 255}  # re-binarised
    bright = small[..., 0] >= 145
    assert np.count_nonzero(bright != (smask == 255)) <= 0.01 * np.count_nonzero(smask)


def test_jpeg_for_photos_png_when_alpha_matters() -> None:
    rgb = EditRequest(image=photo(50, 40), prompt="x")
    up = prepare_upload(rgb, target="fashn", max_edge=2000)
    assert up.image.mime == "image/jpeg" and decode(up.image.data)[0] == "JPEG"
    assert up.mask is None

    opaque = EditRequest(image=photo(50, 40, channels=4), prompt="x")
    assert prepare_upload(opaque, target="fashn", max_edge=2000).image.mime == "image/jpeg"

    rgba = photo(50, 40, channels=4)
    rgba[:5, :5, 3] = 0
    up = prepare_upload(EditRequest(image=rgba, prompt="x"), target="fashn", max_edge=2000)
    fmt, arr = decode(up.image.data)
    assert up.image.mime == "image/png" and fmt == "PNG" and arr.shape[2] == 4
    assert arr[0, 0, 3] == 0


def test_data_uris() -> None:
    mask = np.zeros((40, 50), dtype=np.uint8)
    mask[10:20, 10:20] = 255
    up = prepare_upload(
        EditRequest(image=photo(50, 40), mask=mask, prompt="x"), target="fashn", max_edge=2000
    )
    uri = up.image.data_uri()
    assert uri.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == up.image.data
    assert up.image.data_uri() is uri  # encoded once
    assert up.mask is not None
    assert up.mask.data_uri().startswith("data:image/png;base64,")
    png = PreparedImage(b"\x89PNG", "image/png", 1, 1)
    assert png.data_uri() == "data:image/png;base64,iVBORw=="


def test_empty_mask_is_not_sent() -> None:
    req = EditRequest(image=photo(20, 20), mask=np.zeros((20, 20), np.uint8), prompt="x")
    assert prepare_upload(req, target="fashn", max_edge=2000).mask is None


def test_openai_target_mask_is_rgba_alpha_zero_to_edit() -> None:
    h, w = 600, 900
    mask = np.zeros((h, w), dtype=np.uint8)
    mask[100:300, 200:500] = 255
    up = prepare_upload(
        EditRequest(image=photo(w, h), mask=mask, prompt="x"), target="openai", max_edge=512
    )
    assert up.image.size == (512, 341)
    assert up.mask is not None and up.mask.size == up.image.size
    fmt, arr = decode(up.mask.data)
    assert fmt == "PNG" and arr.shape == (341, 512, 4)
    edit = arr[..., 3] == 0
    assert edit[100, 200] and not edit[10, 10]
    assert set(np.unique(arr[..., 3]).tolist()) == {0, 255}
    assert decode(up.image.data)[0] in ("PNG", "JPEG")


def test_dalle2_gets_png() -> None:
    req = EditRequest(image=photo(64, 64), prompt="x", openai=OpenAIOptions(model="dall-e-2"))
    assert prepare_upload(req, target="openai", max_edge=1024).image.mime == "image/png"


def test_image_context_is_downscaled_and_encoded() -> None:
    req = EditRequest(image=photo(64, 48), prompt="x", image_context=photo(3000, 1000))
    up = prepare_upload(req, target="fashn", max_edge=2000)
    assert up.image_context is not None
    assert up.image_context.size == (2000, 667)
    assert up.image_context.data_uri().startswith("data:image/jpeg;base64,")


def test_fit_size() -> None:
    assert fit_size(6000, 4000, 2000) == (2000, 1333)
    assert fit_size(4000, 6000, 2000) == (1333, 2000)
    assert fit_size(1000, 500, 2000) == (1000, 500)
    assert fit_size(30000, 10, 2000) == (2000, 1)


# --- focus ------------------------------------------------------------------------------


def test_focus_box_margin_and_clamp() -> None:
    mask = np.zeros((4000, 6000), dtype=np.uint8)
    mask[2000:2100, 3000:3200] = 255  # 200 x 100 box
    assert focus_box(mask, 0.5) == (2900, 1900, 3300, 2200)  # 0.5 x 200 = 100 px
    assert focus_box(mask, 0.0) == (2936, 1936, 3264, 2164)  # at least 64 px
    corner = np.zeros((100, 100), dtype=np.uint8)
    corner[0:10, 90:100] = 255
    assert focus_box(corner, 0.5) == (26, 0, 100, 74)
    assert focus_box(np.zeros((5, 5), np.uint8), 0.5) is None


def test_focus_sends_the_crop_at_full_resolution() -> None:
    h, w = 4000, 6000
    img = photo(w, h)
    mask = np.zeros((h, w), dtype=np.uint8)
    mask[1000:1300, 2000:2400] = 255
    req = EditRequest(image=img, mask=mask, prompt="x", focus=True, focus_margin=0.5)
    up = prepare_upload(req, target="fashn", max_edge=2000)
    assert up.crop == (1800, 800, 2600, 1500)
    assert up.image.size == up.mask.size == (800, 700)
    assert up.region == up.crop
    _, sent = decode(up.mask.data)
    assert np.array_equal(sent == 255, mask[800:1500, 1800:2600] == 255)


def test_focus_without_mask_sends_whole_image() -> None:
    req = EditRequest(image=photo(100, 80), prompt="x", focus=True)
    up = prepare_upload(req, target="fashn", max_edge=2000)
    assert up.crop is None and up.image.size == (100, 80)


def test_unknown_target() -> None:
    from editor.core.errors import ValidationError

    with pytest.raises(ValidationError, match="fashn or openai"):
        prepare_upload(EditRequest(image=photo(4, 4), prompt="x"), target="dalle", max_edge=10)  # type: ignore[arg-type]
