"""The banded paths (a few MB of rows at a time, so a worker thread never holds the
interpreter lock for long) give exactly what the whole-image calls gave."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import editor.core.codec as codec
from editor.backends.journal import Journal
from editor.core.codec import array_of, write_npy
from editor.core.composite import _blend, paste_back, scale_result
from editor.core.fill import region_boxes
from editor.core.prepare import resize_pixels

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
@pytest.mark.parametrize("band_bytes", [1, 700, 10_000, 10_000_000])
def test_array_of_matches_numpys_own_conversion(mode: str, band_bytes: int) -> None:
    pixels = RNG.integers(0, 256, (173, 91, 4), dtype=np.uint8)
    im = Image.fromarray(pixels).convert(mode)
    got = array_of(im, band_bytes=band_bytes)
    assert got.dtype == np.uint8 and got.flags.writeable and got.flags.c_contiguous
    assert np.array_equal(got, np.asarray(im))


def test_array_of_takes_other_modes_whole() -> None:
    im = Image.fromarray(RNG.integers(0, 256, (20, 30, 3), dtype=np.uint8)).convert("P")
    assert np.array_equal(array_of(im), np.asarray(im))


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((301, 77, 3), np.uint8), ((64, 33), np.uint16), ((5,), np.float32), ((0, 4, 3), np.uint8)],
)
def test_write_npy_writes_the_bytes_np_save_writes(shape: tuple[int, ...], dtype: type) -> None:
    arr = RNG.integers(0, 200, shape).astype(dtype)
    ours, numpys = io.BytesIO(), io.BytesIO()
    write_npy(arr, ours, band_bytes=1000)  # many bands
    np.save(numpys, arr)
    assert ours.getvalue() == numpys.getvalue()
    assert np.array_equal(np.load(io.BytesIO(ours.getvalue())), arr)


def test_write_npy_of_a_strided_view_falls_back_to_np_save() -> None:
    arr = RNG.integers(0, 256, (40, 60, 3), dtype=np.uint8)[:, ::2]
    ours, numpys = io.BytesIO(), io.BytesIO()
    write_npy(arr, ours)
    np.save(numpys, arr)
    assert ours.getvalue() == numpys.getvalue()


def test_journal_stages_the_source_band_by_band(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(codec, "BAND_BYTES", 5000)  # several bands for a small photo
    source = RNG.integers(0, 256, (211, 97, 3), dtype=np.uint8)
    mask = np.zeros((211, 97), np.uint8)
    mask[50:90, 10:40] = 255
    folder = Journal(tmp_path).stage(source=source, mask=mask)
    reference = io.BytesIO()
    np.save(reference, source)
    assert (folder / "source.npy").read_bytes() == reference.getvalue()


@pytest.mark.parametrize("shape", [(1, 1, 3), (517, 333, 3), (3, 700_001, 3), (97, 45, 4)])
def test_blend_in_bands_gives_the_rounded_mix(shape: tuple[int, int, int]) -> None:
    src = RNG.integers(0, 256, shape, dtype=np.uint8)
    res = RNG.integers(0, 256, shape, dtype=np.uint8)
    alpha = RNG.integers(0, 256, shape[:2], dtype=np.uint8)
    alpha[0, 0], alpha[-1, -1] = 0, 255
    a = alpha[..., None].astype(np.int64)
    total = src.astype(np.int64) * (255 - a) + res.astype(np.int64) * a
    expected = (2 * total + 255) // 510  # round half up of total / 255
    got = _blend(src, res, alpha)
    assert got.dtype == np.uint8 and np.array_equal(got, expected)
    # a strided view (the colour of an RGBA photo) blends the same
    wide = np.concatenate([src, np.full((*shape[:2], 1), 7, np.uint8)], axis=2)
    assert np.array_equal(_blend(wide[..., :3], res[..., :3], alpha), expected[..., :3])


def test_scaled_result_and_resize_are_pillows_pixels() -> None:
    result = RNG.integers(0, 256, (150, 200, 3), dtype=np.uint8)
    whole = np.asarray(Image.fromarray(result).resize((900, 700), Image.Resampling.LANCZOS))
    assert np.array_equal(scale_result(result, (900, 700)), whole)
    part = scale_result(result, (900, 700), (100, 50, 600, 650))
    box = (100 * 200 / 900, 50 * 150 / 700, 600 * 200 / 900, 650 * 150 / 700)
    im = Image.fromarray(result)
    window = np.asarray(im.resize((500, 600), Image.Resampling.LANCZOS, box=box))
    assert np.array_equal(part, window)
    big = RNG.integers(0, 256, (1200, 1700, 3), dtype=np.uint8)
    small = resize_pixels(big, (170, 120))
    assert small.shape == (120, 170, 3) and small.flags.writeable


def test_paste_back_is_unchanged_outside_the_feathered_mask() -> None:
    source = RNG.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    result = RNG.integers(0, 256, (150, 200, 3), dtype=np.uint8)
    mask = np.zeros((300, 400), np.uint8)
    mask[100:200, 150:250] = 255
    out = paste_back(source, result, mask, feather_px=8)
    outside = np.ones((300, 400), bool)
    outside[100 - 9 : 200 + 9, 150 - 9 : 250 + 9] = False
    assert np.array_equal(out[outside], source[outside])
    scaled = np.asarray(Image.fromarray(result).resize((400, 300), Image.Resampling.LANCZOS))
    assert np.array_equal(out[150, 200], scaled[150, 200])  # deep inside: the result


def _tile_components(mask: np.ndarray, margin: int) -> list[tuple[int, int, int, int]]:
    """The reference: 16 px tiles holding paint, grouped by 8-neighbour flood fill (a
    plain search), boxes grown by ``margin`` and merged while any overlap."""
    h, w = mask.shape
    tiles = {
        (ty, tx)
        for ty in range(-(-h // 16))
        for tx in range(-(-w // 16))
        if mask[ty * 16 : ty * 16 + 16, tx * 16 : tx * 16 + 16].any()
    }
    boxes = []
    while tiles:
        stack = [tiles.pop()]
        group = []
        while stack:
            ty, tx = stack.pop()
            group.append((ty, tx))
            for n in [(ty + dy, tx + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]:
                if n in tiles:
                    tiles.remove(n)
                    stack.append(n)
        ys, xs = [t[0] for t in group], [t[1] for t in group]
        box = [min(xs) * 16 - margin, min(ys) * 16 - margin]
        box += [(max(xs) + 1) * 16 + margin, (max(ys) + 1) * 16 + margin]
        boxes.append([max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])])
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return sorted(tuple(b) for b in boxes)  # type: ignore[misc]


@pytest.mark.parametrize("seed", range(12))
def test_region_boxes_match_a_plain_tile_search(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(40, 300, 2))
    mask = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(0, 10))):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        mask[y : y + int(rng.integers(1, 50)), x : x + int(rng.integers(1, 50))] = 255
    mask[rng.random((h, w)) < 0.001] = 3
    for margin in (0, 7, 30):
        assert region_boxes(mask, margin) == _tile_components(mask, margin)


def test_jpeg_through_a_file_is_pillows_own_bytes() -> None:
    pixels = RNG.integers(0, 256, (120, 170, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=93)
    assert codec.encode_jpeg(pixels, 93) == buf.getvalue()
    rgba = np.concatenate([pixels, np.full((120, 170, 1), 9, np.uint8)], axis=2)
    assert codec.encode_jpeg(rgba, 93) == buf.getvalue()  # alpha dropped


@pytest.mark.parametrize(("shape", "factor"), [((997, 641, 3), (3, 3)), ((512, 300), (4, 5))])
def test_reduce_in_bands_is_pillows_whole_reduce(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...], factor: tuple[int, int]
) -> None:
    import editor.core.prepare as prepare

    arr = RNG.integers(0, 256, shape, dtype=np.uint8)
    monkeypatch.setattr(prepare, "_BAND_BYTES", 20_000)  # bands of a few dozen rows
    banded = prepare._reduced_in_bands(arr, factor)
    assert np.array_equal(np.asarray(banded), np.asarray(Image.fromarray(arr).reduce(factor)))
