"""Combining variants through a pick map: feathered edges, strokes as undo records,
incremental updates equal to a full build, provenance metadata."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from core_helpers import photo

from editor.core.codec import encode_png
from editor.core.combine import CombineError, SourceInfo, VariantCombiner

H, W = 300, 400


@pytest.fixture
def sources() -> list[np.ndarray]:
    return [photo(W, H, seed=0), photo(W, H, seed=1), photo(W, H, seed=2)]


def _disc(cx: int, cy: int, r: int, size: int = 2 * 60 + 1) -> tuple[np.ndarray, tuple[int, int]]:
    yy, xx = np.mgrid[0:size, 0:size]
    cov = np.where((yy - size // 2) ** 2 + (xx - size // 2) ** 2 <= r * r, 255, 0).astype(np.uint8)
    return cov, (cx - size // 2, cy - size // 2)


def test_new_combiner_shows_the_original(sources: list[np.ndarray]) -> None:
    comb = VariantCombiner(sources)
    np.testing.assert_array_equal(comb.composite, sources[0])
    assert comb.pixel_counts() == [H * W, 0, 0]


def test_stroke_picks_a_variant_with_a_feathered_edge(sources: list[np.ndarray]) -> None:
    feather = 6
    comb = VariantCombiner(sources, feather_px=feather)
    stroke = comb.stroke(2)
    cov, origin = _disc(200, 150, 50)
    dirty = stroke.add(cov, origin)
    assert dirty == (200 - 50 - feather, 150 - 50 - feather, 200 + 51 + feather, 150 + 51 + feather)
    change = stroke.finish()
    assert change is not None and change.rect == (150, 100, 251, 201)
    assert (change.before == 0).all() and set(np.unique(change.after)) == {0, 2}
    out = comb.composite
    # deep inside the disc: variant 2 exactly; far outside: the original exactly
    np.testing.assert_array_equal(out[140:160, 190:210], sources[2][140:160, 190:210])
    np.testing.assert_array_equal(out[:90], sources[0][:90])
    # on the edge: a blend lying between the two sources
    edge = out[150, 250].astype(int)
    lo = np.minimum(sources[0][150, 250], sources[2][150, 250]).astype(int)
    hi = np.maximum(sources[0][150, 250], sources[2][150, 250]).astype(int)
    assert ((edge >= lo) & (edge <= hi)).all()
    assert comb.pixel_counts()[2] == int(np.count_nonzero(cov >= 128))


def test_incremental_updates_equal_a_full_build_and_undo_restores(
    sources: list[np.ndarray],
) -> None:
    comb = VariantCombiner(sources, feather_px=5)
    s1 = comb.stroke(1)
    for x in range(60, 340, 20):  # a brush dragged across the photo
        s1.add(*_disc(x, 120, 30))
    first = s1.finish()
    s2 = comb.stroke(2)
    s2.add(*_disc(200, 200, 70))
    second = s2.finish()
    assert first is not None and second is not None
    np.testing.assert_array_equal(comb.composite, comb.build())
    after_both = comb.composite.copy()
    # undo the second stroke, then the first: back to the original, bit for bit
    comb.set_pick(second.rect, second.before)
    np.testing.assert_array_equal(comb.composite, comb.build())
    comb.set_pick(first.rect, first.before)
    np.testing.assert_array_equal(comb.composite, sources[0])
    assert comb.pixel_counts() == [H * W, 0, 0]
    # redo both
    comb.set_pick(first.rect, first.after)
    comb.set_pick(second.rect, second.after)
    np.testing.assert_array_equal(comb.composite, after_both)


def test_a_given_pick_map_is_built_and_hard_edges_without_feather(
    sources: list[np.ndarray],
) -> None:
    pick = np.zeros((H, W), dtype=np.uint8)
    pick[:, W // 2 :] = 1
    comb = VariantCombiner(sources, feather_px=0, pick=pick)
    np.testing.assert_array_equal(comb.composite[:, : W // 2], sources[0][:, : W // 2])
    np.testing.assert_array_equal(comb.composite[:, W // 2 :], sources[1][:, W // 2 :])


def test_variants_take_the_originals_channels() -> None:
    original = photo(64, 48, seed=3, channels=4)
    variant = photo(64, 48, seed=4)
    pick = np.ones((48, 64), dtype=np.uint8)
    comb = VariantCombiner([original, variant], pick=pick)
    assert comb.composite.shape == (48, 64, 4)
    assert (comb.composite[..., 3] == 255).all()
    np.testing.assert_array_equal(comb.composite[..., :3], variant)


def test_provenance_metadata_names_jobs_seeds_and_shares(sources: list[np.ndarray]) -> None:
    infos = [
        SourceInfo("original"),
        SourceInfo("variant 1", job_id="job-a", seed=7, engine="fashn"),
        SourceInfo("variant 2", job_id="job-b", seed=8, engine="fashn", prompt="a red hat"),
    ]
    pick = np.zeros((H, W), dtype=np.uint8)
    pick[: H // 4] = 2  # a quarter from variant 2, nothing from variant 1
    meta = VariantCombiner(sources, infos, pick=pick).metadata()
    rows = json.loads(meta["Combined Sources"])
    assert [r["name"] for r in rows] == ["original", "variant 2"]
    assert rows[1] == {
        "source": 2,
        "name": "variant 2",
        "job_id": "job-b",
        "seed": 8,
        "engine": "fashn",
        "prompt": "a red hat",
        "pixels": H * W // 4,
        "share": 0.25,
    }
    assert meta["Combined"] == "original 75.0%; variant 2 (job job-b, seed 8) 25.0%"
    png = encode_png(np.zeros((2, 2), np.uint8), text=meta)  # survives as PNG text
    assert b"Combined Sources" in png


def test_bad_input_is_refused_in_one_line(sources: list[np.ndarray]) -> None:
    with pytest.raises(CombineError, match="original and 1 to 254"):
        VariantCombiner(sources[:1])
    with pytest.raises(CombineError, match="Variant 1 is not 400x300"):
        VariantCombiner([sources[0], sources[1][:10]])
    with pytest.raises(CombineError, match="names a variant"):
        VariantCombiner(sources, pick=np.full((H, W), 9, np.uint8))
    with pytest.raises(CombineError, match="no source 5"):
        VariantCombiner(sources).stroke(5)


def test_pixel_counts_stay_exact_beyond_float32_precision() -> None:
    side = 4097  # 16,785,409 pixels: odd and above 2**24, where float32 counts round
    grey = np.broadcast_to(np.uint8(128), (side, side, 3))  # no memory for the sources
    comb = VariantCombiner([grey, grey])
    assert comb.pixel_counts() == [side * side, 0]
    stroke = comb.stroke(1)
    stroke.add(np.full((3, 3), 255, np.uint8), (0, 0))
    assert comb.pixel_counts() == [side * side - 9, 9]


def test_every_pixel_is_its_source_or_a_blend_of_the_sources_near_it(
    sources: list[np.ndarray],
) -> None:
    r = 4
    rng = np.random.default_rng(5)
    coarse = rng.integers(0, 3, (6, 8), dtype=np.uint8)  # blocky regions of 3 sources
    pick = cv2.resize(coarse, (W, H), interpolation=cv2.INTER_NEAREST)
    out = VariantCombiner(sources, feather_px=r, pick=pick).composite
    square = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    lo = cv2.erode(pick, square, borderType=cv2.BORDER_REPLICATE)
    hi = cv2.dilate(pick, square, borderType=cv2.BORDER_REPLICATE)
    alone = lo == hi
    stack = np.stack(sources)
    own = np.take_along_axis(stack, pick[None, ..., None].astype(np.intp), axis=0)[0]
    np.testing.assert_array_equal(out[alone], own[alone])  # bit-identical away from edges
    mixed = ~alone
    assert mixed.any()
    low, high = stack.min(axis=0), stack.max(axis=0)
    assert ((out[mixed] >= low[mixed]) & (out[mixed] <= high[mixed])).all()
