"""Variants kept as crops of the region that differs from the source."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.job_record import JobRecord
from editor.core.preview import thumbnail
from editor.core.variant import Variant, changed_box


def _pair(h: int = 300, w: int = 420, channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    source = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    result = source.copy()
    result[120:181, 40:333] = rng.integers(0, 256, (61, 293, channels), dtype=np.uint8)
    result[299, 419, 0] ^= 1  # one pixel in the far corner changes too
    return source, result


def test_crop_round_trips_exactly_to_the_full_result() -> None:
    source, result = _pair()
    variant = Variant.of(result, source)
    assert variant.box == changed_box(result, source) == (40, 120, 420, 300)
    assert variant.crop.shape == (180, 380, 3) and not variant.is_whole
    assert variant.nbytes < result.nbytes
    full = variant.full(source)
    assert full.dtype == np.uint8 and np.array_equal(full, result)
    assert full is not source and np.array_equal(source, _pair()[0])  # source untouched
    assert np.array_equal(variant.region(source, (0, 100, 60, 140)), result[100:140, 0:60])


def test_a_small_change_is_a_small_crop_and_rgba_survives() -> None:
    source, _ = _pair(channels=4)
    result = source.copy()
    result[10:14, 20:23, 3] = 7
    variant = Variant.of(result, source)
    assert variant.box == (20, 10, 23, 14) and variant.crop.shape == (4, 3, 4)
    assert np.array_equal(variant.full(source), result)


def test_thumbnail_matches_the_full_results_thumbnail() -> None:
    source, result = _pair(1200, 1700)
    variant = Variant.of(result, source)
    assert np.array_equal(variant.thumbnail(source, 64), thumbnail(result, 64))


def test_other_shapes_or_no_source_are_kept_whole() -> None:
    source, result = _pair()
    assert Variant.of(result, None).is_whole
    assert Variant.of(result[:, :, :2].copy(), source).is_whole
    smaller = result[:100].copy()
    whole = Variant.of(smaller, source)
    assert whole.is_whole and whole.full(None) is smaller


def test_an_identical_result_keeps_one_pixel() -> None:
    source, _ = _pair()
    variant = Variant.of(source.copy(), source)
    assert variant.box == (0, 0, 1, 1)
    assert np.array_equal(variant.full(source), source)


def test_a_crop_is_not_rebuilt_from_another_source() -> None:
    source, result = _pair()
    variant = Variant.of(result, source)
    assert not variant.fits(source[:10]) and not variant.fits(None)
    with pytest.raises(ValueError):
        variant.full(source[:10])


def test_stored_crops_round_trip_and_bad_entries_are_refused() -> None:
    source, result = _pair()
    variant = Variant.of(result, source)
    again = Variant.stored(variant.crop, variant.describe())
    assert again.box == variant.box and np.array_equal(again.full(source), result)
    assert Variant.stored(result, None).is_whole
    with pytest.raises(ValueError):
        Variant.stored(variant.crop, {"box": [0, 0, 5, 5], "shape": [300, 420, 3]})
    with pytest.raises(ValueError):
        Variant.stored(variant.crop, {"box": "x"})


def test_job_record_builds_full_images_and_compacts_whole_ones() -> None:
    source, result = _pair()
    record = JobRecord(source=source)
    record.set_images([result])
    assert not record.variants[0].is_whole
    assert np.array_equal(record.full(0), result)
    restored = JobRecord.from_manifest({"images": [0]}, [result])  # an older file: whole
    assert restored.variants[0].is_whole
    restored.source = source
    restored.variants = restored.compacted()
    assert restored.variants[0].box == (40, 120, 420, 300)
    assert np.array_equal(restored.full(0), result)


def test_the_combiner_takes_variants_and_composes_as_with_whole_images() -> None:
    from editor.core.combine import VariantCombiner

    source, result = _pair(300, 420)
    other = source.copy()
    other[150:260, 200:300] = 17
    whole = VariantCombiner([source, result, other], feather_px=6)
    cropped = VariantCombiner([source, Variant.of(result, source), Variant.of(other, source)],
                              feather_px=6)  # fmt: skip
    for combiner in (whole, cropped):
        stroke = combiner.stroke(1)
        cover = np.zeros((200, 300), np.uint8)
        cover[40:160, 30:250] = 255
        stroke.add(cover, (20, 60))
        stroke.finish()
        stroke = combiner.stroke(2)
        stroke.add(cover[:120, :150], (180, 140))
        stroke.finish()
    assert np.array_equal(cropped.composite, whole.composite)
    assert np.array_equal(cropped.build(), whole.build())
    assert not np.array_equal(whole.composite, source)


def test_paste_back_as_a_variant_is_the_whole_paste_back_bit_for_bit() -> None:
    from editor.core.composite import paste_back, paste_back_variant
    from editor.core.variant import WholeImages

    source = np.random.default_rng(8).integers(0, 256, (200, 260, 4), dtype=np.uint8)
    rng = np.random.default_rng(9)
    result = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)  # a small service output
    mask = np.zeros((200, 260), np.uint8)
    mask[50:120, 70:190] = 255
    for crop in (None, (40, 30, 220, 150)):
        whole = paste_back(source, result, mask, feather_px=6, crop=crop)
        variant = paste_back_variant(source, result, mask, feather_px=6, crop=crop)
        assert variant.crop.shape[:2] < source.shape[:2]
        assert np.array_equal(variant.full(source), whole)
    empty = paste_back_variant(source, result, np.zeros_like(mask), feather_px=6)
    assert np.array_equal(empty.full(source), source)
    images = WholeImages([variant, empty], source)
    assert len(images) == 2 and np.array_equal(images[0], whole)
    assert [i.shape for i in images] == [source.shape] * 2
