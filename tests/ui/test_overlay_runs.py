"""Undo and redo of a full-mask operation refresh the overlay's smaller levels tile by
tile (a flat tile is a fill on every level): the levels must equal a pyramid built
anew from the mask, on odd sizes too."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core import mask as masks
from editor.core.mask_records import TILE, diff_tiles
from editor.ui.canvas.mask_levels import mask_pyramid
from editor.ui.canvas.overlay import MaskOverlay


@pytest.mark.parametrize("shape", [(1500, 2200), (1111, 2347)])
def test_levels_after_tile_runs_equal_a_fresh_pyramid(shape: tuple[int, int]) -> None:
    h, w = shape
    yy, xx = np.ogrid[:h, :w]
    disc = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2 <= (0.35 * h) ** 2).astype(np.uint8) * 255
    mask = masks.feather(disc, 9)
    mask[50:90, 1000:1400] = 77  # a flat run of another value
    overlay = MaskOverlay(mask)
    for op in (masks.fill, masks.clear, lambda m: masks.grow(m, 15)):
        record = diff_tiles(mask, op(mask))
        assert record is not None
        record.compress()
        for which in ("after", "before", "after"):
            record.apply(mask, which)
            runs = record.runs(which)
            assert any(isinstance(v, int) for *_t, v in runs) or op is not masks.fill
            overlay.refresh_runs(runs, TILE)
            fresh = mask_pyramid(mask)
            assert len(fresh) == len(overlay.levels) - 1
            for built, level in zip(fresh, overlay.levels[1:], strict=True):
                np.testing.assert_array_equal(level.mask, built)
                if level.buffer is not None:  # the colour copy drawn zoomed out
                    np.testing.assert_array_equal(level.buffer, level._lut[built])
        record.apply(mask, "before")
        overlay.refresh_runs(record.runs("before"), TILE)


@pytest.mark.parametrize("shape", [(1500, 2200), (1111, 2347)])
def test_levels_after_written_boxes_equal_a_fresh_pyramid(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, int]
) -> None:
    """A grow or feather near the edges is recorded as the rectangles it wrote: the
    levels refreshed box by box (the small ones once over their union) are the pyramid."""
    from editor.core.mask_records import RectRecord, record_changes

    h, w = shape
    yy, xx = np.ogrid[:h, :w]
    disc = ((xx - w / 3) ** 2 + (yy - h / 2) ** 2 <= (0.3 * h) ** 2).astype(np.uint8) * 255
    mask = masks.feather(disc, 5)
    mask[h - 40 :, w - 300 :] = 180  # at the odd edges
    overlay = MaskOverlay(mask)
    monkeypatch.setattr(masks, "GROW_TILED_FROM", 0)
    for name, px in (("feather", 31), ("grow", 12), ("shrink", 20)):
        changes = masks.edge_changes(name, mask, px)
        assert changes is not None and len(changes) > 1
        record = record_changes(mask, changes)
        assert isinstance(record, RectRecord) and not record.runs("after")
        for which in ("after", "before", "after"):
            record.apply(mask, which)
            overlay.refresh_boxes(record.boxes())
            for built, level in zip(mask_pyramid(mask), overlay.levels[1:], strict=True):
                np.testing.assert_array_equal(level.mask, built)
                if level.buffer is not None:
                    np.testing.assert_array_equal(level.buffer, level._lut[built])
