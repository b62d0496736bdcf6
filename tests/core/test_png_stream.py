"""The autosave's banded PNG writer: what it writes, Pillow reads back exactly."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from editor.core.png_stream import can_stream, write_png_streamed


@pytest.mark.parametrize("shape", [(37, 53), (37, 53, 3), (37, 53, 4), (1, 1, 3), (300, 7, 3)])
def test_streamed_png_round_trips_exactly(shape: tuple[int, ...]) -> None:
    arr = np.random.default_rng(len(shape)).integers(0, 256, shape, dtype=np.uint8)
    buf = io.BytesIO()
    write_png_streamed(arr, buf, band_bytes=100)  # many bands, many IDAT chunks
    buf.seek(0)
    with Image.open(buf) as im:
        assert (
            im.format == "PNG"
            and im.mode
            == {2: "L", 3: "RGB", 4: "RGBA"}[len(shape) if len(shape) == 2 else shape[2]]
        )
        im.load()  # checks every chunk's CRC and the zlib stream
        assert np.array_equal(np.asarray(im), arr)


def test_a_strided_view_and_odd_types() -> None:
    arr = np.random.default_rng(1).integers(0, 256, (40, 60, 3), dtype=np.uint8)[::2, ::3]
    buf = io.BytesIO()
    write_png_streamed(arr, buf)
    buf.seek(0)
    with Image.open(buf) as im:
        assert np.array_equal(np.asarray(im), arr)
    assert not can_stream(np.zeros((4, 4), np.uint16))
    assert not can_stream(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError):
        write_png_streamed(np.zeros((4, 4), np.float32), io.BytesIO())


def test_text_chunks_read_back_latin1_and_utf8() -> None:
    """Export metadata: Latin-1 text as tEXt, any other as iTXt (UTF-8), as Pillow reads."""
    arr = np.random.default_rng(2).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    text = {"Prompt": "écharpe rouge", "Note": "红色围巾 🧣", "Seed": "42"}
    buf = io.BytesIO()
    write_png_streamed(arr, buf, text=text, band_bytes=100)
    buf.seek(0)
    with Image.open(buf) as im:
        im.load()
        assert im.text == text  # type: ignore[attr-defined]
        assert np.array_equal(np.asarray(im), arr)
    raw = buf.getvalue()
    assert b"tEXtPrompt\0" in raw and b"iTXtNote\0" in raw and b"tEXtSeed\0" in raw
