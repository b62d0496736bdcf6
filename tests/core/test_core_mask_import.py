"""Masks from other files: the reading used (grayscale or alpha), aspect checks, scaling,
and the last photo's mask kept for the next photo of the same size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.core.errors import MaskError
from editor.core.mask import (
    ALPHA_CUTOUT,
    ALPHA_PAINTED,
    ALPHA_TRANSPARENT,
    GRAYSCALE,
    load_mask,
    to_openai_png,
)
from editor.core.mask_import import (
    LastMask,
    needs_scaling,
    read_mask_file,
    same_aspect,
    scale_mask,
)


def _box(h: int = 40, w: int = 60) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    mask[10:20, 15:45] = 255
    return mask


def test_grayscale_file_white_is_edit(tmp_path: Path) -> None:
    soft = _box().astype(np.float32) * 0.8  # 204: still "edit"
    path = tmp_path / "gray.png"
    Image.fromarray(soft.astype(np.uint8), "L").save(path)
    imported = read_mask_file(path)
    assert imported.reading == GRAYSCALE
    assert imported.size == (60, 40)
    assert np.array_equal(imported.values, _box())


def test_openai_mask_constant_rgb_reads_transparent_as_edit(tmp_path: Path) -> None:
    path = tmp_path / "openai.png"
    path.write_bytes(to_openai_png(_box()))
    imported = read_mask_file(path)
    assert imported.reading == ALPHA_TRANSPARENT
    assert np.array_equal(imported.values, _box())


def test_white_strokes_on_a_transparent_layer(tmp_path: Path) -> None:
    rgba = np.zeros((40, 60, 4), np.uint8)  # transparent black ...
    rgba[_box() > 0] = (255, 255, 255, 255)  # ... with opaque white strokes
    path = tmp_path / "strokes.png"
    Image.fromarray(rgba, "RGBA").save(path)
    imported = read_mask_file(path)
    assert imported.reading == ALPHA_PAINTED
    assert np.array_equal(imported.values, _box())


def test_cutout_alpha_is_read_with_the_openai_convention(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 120, (40, 60, 4), dtype=np.uint8)  # a dark, varied picture
    rgba[..., 3] = np.where(_box() > 0, 0, 255)  # the box cut out
    path = tmp_path / "cutout.png"
    Image.fromarray(rgba, "RGBA").save(path)
    imported = read_mask_file(path)
    assert imported.reading == ALPHA_CUTOUT
    assert np.array_equal(imported.values, _box())


def test_unreadable_and_missing_files_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(MaskError, match="not a readable image"):
        read_mask_file(bad)
    with pytest.raises(MaskError, match="does not exist"):
        read_mask_file(tmp_path / "missing.png")


def test_sizes_same_aspect_or_refused() -> None:
    assert needs_scaling((60, 40), (60, 40)) is False
    assert needs_scaling((120, 80), (60, 40)) is True
    assert needs_scaling((1024, 683), (3000, 2000)) is True  # rounded by another tool
    with pytest.raises(MaskError, match=r"70x50 but the photo is 160x120"):
        needs_scaling((70, 50), (160, 120))
    assert not same_aspect((100, 100), (100, 101 * 2))
    assert not same_aspect((0, 10), (10, 10))


def test_scale_mask_keeps_the_shape_in_place() -> None:
    big = scale_mask(_box(), (120, 80))
    assert big.shape == (80, 120)
    assert set(np.unique(big)) == {0, 255}
    assert np.array_equal(big[20:40, 30:90], np.full((20, 60), 255, np.uint8))
    assert big[:18].max() == 0 and big[42:].max() == 0
    small = scale_mask(big, (60, 40))
    assert np.array_equal(small, _box())


def test_last_mask_keeps_painted_masks_only() -> None:
    last = LastMask()
    assert not last.fits((40, 60))
    assert not last.remember(np.zeros((40, 60), np.uint8), "empty.png")
    mask = _box()
    assert last.remember(mask, "a.png")
    mask[:] = 0  # painting on the old array later does not change what was kept
    assert last.values is not None and np.array_equal(last.values, _box())
    assert not last.remember(np.zeros((40, 60), np.uint8), "b.png")  # kept across an empty one
    assert last.label == "a.png"
    assert last.fits((40, 60)) and last.fits((40, 60, 3))
    assert not last.fits((60, 40)) and not last.fits(None)
    assert last.size_text() == "60x40"


def test_last_mask_handed_over_is_kept_uncopied_until_checked() -> None:
    last = LastMask()
    assert last.remember(_box(), "a.png")
    painted = _box()
    last.hand_over(painted, "b.png")  # shown at once, unread
    assert last.values is painted and last.label == "b.png" and last.fits((40, 60))
    assert not last.check()  # painted: kept, what is shown does not change
    assert last.values is painted and last.label == "b.png"
    assert not last.check()  # nothing left to check
    empty = np.zeros((40, 60), np.uint8)
    last.hand_over(empty, "c.png")
    assert last.label == "c.png"
    assert last.check()  # empty after all: dropped, b.png shows again
    assert last.values is painted and last.label == "b.png"
    # two hand-overs before a check: the newer one is checked and shown
    last.hand_over(empty, "d.png")
    last.hand_over(_box(), "e.png")
    assert not last.check() and last.label == "e.png"


def test_the_cli_and_the_window_read_a_mask_file_the_same_way(tmp_path: Path) -> None:
    """A white image whose alpha holds the strokes (an OpenAI-style alpha mask): the CLI's
    ``load_mask`` and the window's ``read_mask_file`` once disagreed on it."""
    from PIL import Image

    rgba = np.full((40, 60, 4), 255, np.uint8)
    rgba[10:20, 15:45, 3] = 0  # transparent = edit
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(path)
    window = read_mask_file(path)
    assert window.reading == ALPHA_TRANSPARENT
    cli = load_mask(path, (40, 60))
    assert np.array_equal(cli, window.values)
    assert cli[15, 20] == 255 and cli[0, 0] == 0
