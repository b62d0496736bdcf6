"""The edge-only paths of grow, shrink and feather (rectangles covering the tiles whose
neighbourhood is not flat) give exactly the plain computation on the whole mask."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from editor.core import mask as masks
from editor.core import mask_blur, mask_tiles
from editor.core.mask_tiles import cover_rects, tile_range, unsettled_tiles


def scene(h: int = 700, w: int = 1100) -> np.ndarray:
    """Edges across tile (16, 32, 256 px) and window borders and the image's borders: a
    feathered ellipse cut by the left and top edges, grey rectangles on tile lines, a
    diagonal band, thin lines, lone pixels in the corners, and a pixel with paint only
    in the corners of its square neighbourhood (where the octagonal reach decides)."""
    m = np.zeros((h, w), np.uint8)
    cv2.ellipse(m, (90, 60), (260, 170), 0, 0, 360, 255, -1)
    m = masks._feathered(m, 12)
    m[255:257, 300:900] = 200  # two rows across a 256 px tile line
    m[100:288, 511:513] = 90  # a thin column on a tile line
    m[320:520, 640:960] = 255
    m[400:440, 700:720] = 0  # a hole
    m[320:330, 960:1100] = 128  # to the right edge
    for k in range(-300, 300):  # a diagonal band of grey
        y = 560 + k // 3
        if 0 <= y < h - 6:
            m[y : y + 6, max(0, 400 + k) : max(0, 400 + k) + 9] = 170
    m[h - 1, 0] = m[0, w - 1] = m[h - 1, w - 1] = 255
    m[h - 3 :, 520:530] = 60  # at the bottom edge
    d = np.arange(-40, 41)
    corners = np.abs(d)[:, None] + np.abs(d)[None, :] > 57  # beyond a 40 px octagon
    m[150 - 40 : 150 + 41, 780 - 40 : 780 + 41][corners] = 255
    return m


def plain_feather(m: np.ndarray, px: int, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """The feather by its definition, on the whole mask at once: the Gaussian blur (from
    ``HALF_FROM`` px on: of the 2x2 averages of the mask extended by its edge pixels, back
    to full size bilinearly), 0 beyond the octagonal reach."""
    monkeypatch.setattr(masks, "GROW_TILED_FROM", 10**12)
    taps = mask_blur.kernel(px)
    if px < mask_blur.HALF_FROM:
        blurred = cv2.sepFilter2D(m, -1, taps, taps, borderType=cv2.BORDER_REPLICATE)
    else:
        h, w = m.shape
        e = 2 * len(taps)  # far enough out that the blur's own border is never read
        big = cv2.copyMakeBorder(m, e, e + h % 2, e, e + w % 2, cv2.BORDER_REPLICATE)
        half = (big.shape[1] // 2, big.shape[0] // 2)
        small = cv2.resize(big, half, interpolation=cv2.INTER_AREA)
        soft = cv2.sepFilter2D(small, -1, taps, taps, borderType=cv2.BORDER_REPLICATE)
        up = cv2.resize(soft, big.shape[::-1], interpolation=cv2.INTER_LINEAR_EXACT)
        blurred = up[e : e + h, e : e + w]
    return np.where(masks.grow(m, px) > 0, blurred, np.uint8(0))


def written(
    m: np.ndarray, changes: list[tuple[tuple[int, int, int, int], np.ndarray]]
) -> np.ndarray:
    out = m.copy()
    for (x0, y0, x1, y1), values in changes:
        out[y0:y1, x0:x1] = values
    return out


@pytest.mark.parametrize(
    ("px", "shape"),
    [(1, (700, 1100)), (3, (700, 1100)), (4, (700, 1100)), (14, (700, 1100)),
     (17, (700, 1100)), (23, (700, 1100)), (24, (700, 1100)), (25, (701, 1103)),
     (40, (700, 1100)), (40, (701, 1103)), (64, (700, 1100))],
)  # fmt: skip
def test_feather_by_rectangles_is_the_plain_feather(
    monkeypatch: pytest.MonkeyPatch, px: int, shape: tuple[int, int]
) -> None:
    m = scene(*shape)
    expected = plain_feather(m, px, monkeypatch)
    monkeypatch.setattr(masks, "GROW_TILED_FROM", 0)  # the edge path at any size
    changes = masks.edge_changes("feather", m, px)
    assert changes is not None
    area = sum((x1 - x0) * (y1 - y0) for (x0, y0, x1, y1), _v in changes)
    assert area < m.size  # not the whole mask
    np.testing.assert_array_equal(written(m, changes), expected)
    monkeypatch.setattr(masks, "FEATHER_BAND_PIXELS", 1000)  # feather() by rectangles too
    np.testing.assert_array_equal(masks.feather(m, px), expected)


def test_the_corner_pixel_is_cut_by_the_octagon(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scene's pixel with paint only in its square's corners: blurred above 0, but
    beyond the octagon, so the feather leaves it 0 on every path."""
    m = scene()
    px = 40
    kernel = cv2.getGaussianKernel(2 * px + 1, px / 3.0)
    blurred = cv2.sepFilter2D(m, -1, kernel, kernel, borderType=cv2.BORDER_REPLICATE)
    assert blurred[150, 780] > 0
    monkeypatch.setattr(masks, "GROW_TILED_FROM", 0)
    changes = masks.edge_changes("feather", m, px)
    assert changes is not None
    assert written(m, changes)[150, 780] == 0


@pytest.mark.parametrize("px", [-40, -17, -3, 2, 9, 33])
def test_grow_and_shrink_by_rectangles_are_the_plain_ones(
    monkeypatch: pytest.MonkeyPatch, px: int
) -> None:
    m = scene()
    monkeypatch.setattr(masks, "GROW_TILED_FROM", 10**12)
    expected = masks.grow(m, px)
    monkeypatch.setattr(masks, "GROW_TILED_FROM", 0)
    changes = masks.edge_changes("grow" if px > 0 else "shrink", m, abs(px))
    assert changes is not None
    np.testing.assert_array_equal(written(m, changes), expected)
    np.testing.assert_array_equal(masks.grow(m, px), expected)


@settings(max_examples=120, deadline=None)
@given(
    grid=arrays(np.bool_, st.tuples(st.integers(1, 24), st.integers(1, 24))),
    margin=st.integers(0, 200),
)
def test_the_cover_holds_every_unsettled_tile(grid: np.ndarray, margin: int) -> None:
    tile = 16
    shape = (grid.shape[0] * tile - 5, grid.shape[1] * tile - 3)  # ragged last tiles
    rects = cover_rects(grid, shape, tile, margin)
    covered = np.zeros_like(grid)
    for x0, y0, x1, y1 in rects:
        assert 0 <= x0 < x1 <= shape[1] and 0 <= y0 < y1 <= shape[0]
        covered[y0 // tile : -(-y1 // tile), x0 // tile : -(-x1 // tile)] = True
    assert (covered >= grid).all()
    if margin == 0:  # no margin to save: no settled tile is worked out
        assert np.array_equal(covered, grid)


def test_unsettled_tiles_mark_where_a_neighbourhood_is_not_flat() -> None:
    m = np.zeros((160, 160), np.uint8)
    m[70, 70] = 9
    near = unsettled_tiles(m, 20, 16)
    # the tile holding the pixel, and those within 20 px of it (two tiles each way)
    assert near.sum() == 25 and near[4, 4] and near[2, 2] and not near[1, 4]
    assert not unsettled_tiles(np.full((100, 70), 7, np.uint8), 40, 16).any()


@pytest.mark.parametrize(("rows", "tile"), [(700, 16), (701, 32), (64, 32), (47, 16)])
def test_a_tile_grid_read_in_halves_is_the_same(
    monkeypatch: pytest.MonkeyPatch, rows: int, tile: int
) -> None:
    m = scene()[:rows]
    whole = mask_tiles._tile_range(m, tile)
    monkeypatch.setattr(mask_tiles, "SPLIT_FROM", 0)  # any size is read in halves
    halves = tile_range(m, tile)
    np.testing.assert_array_equal(halves[0], whole[0])
    np.testing.assert_array_equal(halves[1], whole[1])
    assert whole[0].shape == (-(-rows // tile), -(-m.shape[1] // tile))


def test_pixel_map_keeps_order_and_may_be_nested() -> None:
    import threading

    from editor.core.threads import pixel_map

    names: set[str] = set()

    def inner(i: int) -> list[int]:
        names.add(threading.current_thread().name)
        return pixel_map(lambda j: i * 10 + j, range(3))  # from a pixel thread: no wait

    assert pixel_map(inner, range(5)) == [[i * 10 + j for j in range(3)] for i in range(5)]
    assert all(name.startswith("mask-pixels") for name in names)


@settings(max_examples=80, deadline=None)
@given(
    m=arrays(np.uint8, st.tuples(st.integers(1, 70), st.integers(1, 70))),
    tile=st.sampled_from([1, 2, 5, 16, 32]),
)
def test_tile_range_is_each_tiles_min_and_max(m: np.ndarray, tile: int) -> None:
    lo, hi = tile_range(m, tile)
    ny, nx = -(-m.shape[0] // tile), -(-m.shape[1] // tile)
    assert lo.shape == hi.shape == (ny, nx)
    for ty in range(ny):
        for tx in range(nx):
            part = m[ty * tile : (ty + 1) * tile, tx * tile : (tx + 1) * tile]
            assert lo[ty, tx] == part.min() and hi[ty, tx] == part.max()
