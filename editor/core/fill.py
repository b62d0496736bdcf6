"""Offline contextual fill (PatchMatch) whose cost follows the hole, not the photo.

Each masked region is filled on a crop around it (the hole plus a context margin sized
by the hole's thickness); ``fill_regions`` returns those filled crops, so no step reads
or writes more of the photo than the holes' neighbourhoods: a 200x200 hole costs the
same in a 24 MP and a 151 MP photo (the mask is scanned once, 8 bytes at a time, to
find the painted rows). ``contextual_fill`` pastes them into a full-size copy. A crop
larger than ``WORK_PIXELS`` is filled at a reduced scale and the fill scaled back up, so
a long brush stroke across a 24 MP photo costs seconds and a few hundred MB, not a
minute and gigabytes. Pure numpy + Pillow + pypatchmatch: no Qt, no network.
CPU-heavy: call it from a worker thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from editor.core.errors import EditorError
from editor.core.smoothfill import smooth_base

_seed_lock = threading.Lock()  # patchmatch's seed is global to the native library
_TILE = 16
WORK_PIXELS = 600_000  # largest crop PatchMatch works on at full scale
_MAX_MARGIN = 384
# edge strength (smoothfill.edge_strength, levels) above which PatchMatch alone fills
# (bench_fill_quality.py: gradients and vignettes read below 0.4, skin and heavy grain
# below 2, a defocused edge 3.3, a horizon 20)
EDGE_LIMIT = 2.5


class FillUnavailableError(EditorError):
    """The PatchMatch native library could not be loaded."""


def _patchmatch():
    try:
        from patchmatch import patch_match
    except Exception as exc:  # pragma: no cover - depends on the platform's wheel
        raise FillUnavailableError(
            f"The offline fill engine (PatchMatch) could not be loaded ({exc}). "
            "Reinstall the 'pypatchmatch' package."
        ) from None
    if not getattr(patch_match, "patchmatch_available", True):  # pragma: no cover
        raise FillUnavailableError(
            "The offline fill engine (PatchMatch) has no native library on this system. "
            "Reinstall the 'pypatchmatch' package."
        )
    return patch_match


def painted_rows(mask: np.ndarray) -> np.ndarray:
    """Bool per row: does it hold a non-zero byte. Reads the rows as 8/4/2-byte words
    where the width allows (``max`` of a uint64 view runs at memory speed: ~3 ms for
    151 MP, where ``(mask > 0).any(axis=1)`` takes 50 ms and a 151 MB temporary)."""
    if mask.dtype == np.uint8 and mask.flags.c_contiguous and mask.shape[1]:
        for wide in (np.uint64, np.uint32, np.uint16):
            if mask.shape[1] % np.dtype(wide).itemsize == 0:
                return np.asarray(mask.view(wide).max(axis=1) > 0)
    return np.asarray(mask.max(axis=1, initial=0) > 0)


def _occupied_tiles(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tile rows, tile columns) of the 16 px tiles holding masked pixels; only the
    bands of rows with paint are read beyond the one row scan."""
    h, w = mask.shape
    th, tw = -(-h // _TILE), -(-w // _TILE)
    rows = np.zeros(th * _TILE, dtype=bool)
    rows[:h] = painted_rows(mask)
    bands = np.flatnonzero(rows.reshape(th, _TILE).any(axis=1))
    ys: list[np.ndarray] = []
    xs: list[np.ndarray] = []
    cols = np.zeros(tw * _TILE, dtype=bool)
    for ty in bands.tolist():
        band = mask[ty * _TILE : min(h, (ty + 1) * _TILE)]
        cols[:w] = band.max(axis=0) > 0
        tx = np.flatnonzero(cols.reshape(tw, _TILE).any(axis=1))
        ys.append(np.full(len(tx), ty))
        xs.append(tx)
    if not ys:
        return np.zeros(0, int), np.zeros(0, int)
    return np.concatenate(ys), np.concatenate(xs)


def region_boxes(mask: np.ndarray, margin: int = 0) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) around groups of masked pixels, grown by ``margin`` and
    merged where they overlap. Works on 16 px tiles, reading only the bands of rows
    that hold paint, so its cost follows the painted area."""
    h, w = mask.shape
    ys, xs = _occupied_tiles(mask)
    if len(ys) == 0:
        return []
    # connected components over occupied tiles (8-neighbourhood), by OpenCV on the grid
    # of the occupied tiles' bounding box: a Python search over 15k tiles (a 2000 px
    # region of a 100 MP photo) held the interpreter lock for ~60 ms
    ty0, tx0 = int(ys.min()), int(xs.min())
    grid = np.zeros((int(ys.max()) - ty0 + 1, int(xs.max()) - tx0 + 1), np.uint8)
    grid[ys - ty0, xs - tx0] = 1
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    boxes: list[list[int]] = []
    for gx, gy, gw, gh, _area in stats[1:count].tolist():  # label 0 is the background
        x0, y0 = tx0 + gx, ty0 + gy
        boxes.append(
            [
                max(0, x0 * _TILE - margin),
                max(0, y0 * _TILE - margin),
                min(w, (x0 + gw) * _TILE + margin),
                min(h, (y0 + gh) * _TILE + margin),
            ]
        )
    # merge overlapping grown boxes until stable
    merged = True
    while merged:
        merged = False
        out: list[list[int]] = []
        for b in boxes:
            for o in out:
                if b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3]:
                    o[0], o[1] = min(o[0], b[0]), min(o[1], b[1])
                    o[2], o[3] = max(o[2], b[2]), max(o[3], b[3])
                    merged = True
                    break
            else:
                out.append(b)
        boxes = out
    return [tuple(b) for b in sorted(boxes)]  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class FilledRegion:
    """One filled neighbourhood: ``pixels`` (h x w x 3 uint8) is the photo's crop at
    ``box`` (x0, y0, x1, y1) with the ``hole`` (h x w bool) pixels filled."""

    box: tuple[int, int, int, int]
    pixels: np.ndarray
    hole: np.ndarray

    def paste(self, image: np.ndarray) -> None:
        """Write the filled pixels into ``image`` (the photo or a copy of it)."""
        x0, y0, x1, y1 = self.box
        image[y0:y1, x0:x1, :3][self.hole] = self.pixels[self.hole]

    def overlay(self, crop: np.ndarray, box: tuple[int, int, int, int]) -> None:
        """Write the filled pixels that fall inside ``box`` into ``crop`` (its pixels)."""
        x0, y0 = max(box[0], self.box[0]), max(box[1], self.box[1])
        x1, y1 = min(box[2], self.box[2]), min(box[3], self.box[3])
        if x0 >= x1 or y0 >= y1:
            return
        mine = (
            slice(y0 - self.box[1], y1 - self.box[1]),
            slice(x0 - self.box[0], x1 - self.box[0]),
        )
        theirs = crop[y0 - box[1] : y1 - box[1], x0 - box[0] : x1 - box[0]]
        theirs[self.hole[mine]] = self.pixels[mine][self.hole[mine]]


def contextual_fill(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: int = 42,
    patch_size: int = 3,
    context: float = 1.0,
) -> np.ndarray:
    """Fill the masked pixels of ``image`` (H x W x 3/4 uint8) from their surroundings.

    ``mask`` is H x W uint8, non-zero = hole. Pixels outside the mask are returned
    unchanged (bit-identical); alpha, if any, is kept. ``seed`` picks the variant.
    The result is a full-size copy; ``fill_regions`` gives only the filled crops.
    """
    regions = fill_regions(image, mask, seed=seed, patch_size=patch_size, context=context)
    result = image.copy()
    for region in regions:
        region.paste(result)
    return result


def fill_regions(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: int = 42,
    patch_size: int = 3,
    context: float = 1.0,
) -> list[FilledRegion]:
    """The filled neighbourhood of each masked region of ``image``, in paste order
    (a later region's crop already sees the earlier fills). Reads only the regions'
    crops of ``image`` (which may be a read-only view) and never copies it whole."""
    if mask.shape != image.shape[:2]:
        raise EditorError(
            f"The mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
            f"{image.shape[1]}x{image.shape[0]}; they must match."
        )
    boxes = region_boxes(mask)
    if not boxes:
        return []
    pm = _patchmatch()
    h, w = mask.shape
    done: list[FilledRegion] = []
    crops = np.zeros((len(boxes), 4), dtype=np.int64)  # the crop boxes filled so far
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        side = max(x1 - x0, y1 - y0)
        # context follows the hole's thickness: a long thin stroke needs a band around
        # it, not a square as large as its length
        thickness = int(np.count_nonzero(mask[y0:y1, x0:x1])) / side
        margin = int(min(max(32.0, min(side, 2 * thickness) * context), _MAX_MARGIN))
        box = (max(0, x0 - margin), max(0, y0 - margin), min(w, x1 + margin), min(h, y1 + margin))
        cx0, cy0, cx1, cy1 = box
        crop_hole = mask[cy0:cy1, cx0:cx1] > 0
        crop = np.array(image[cy0:cy1, cx0:cx1, :3], dtype=np.uint8, order="C", copy=True)
        crops[i] = box
        seen = crops[:i]
        for k in np.flatnonzero(
            (seen[:, 0] < cx1) & (seen[:, 2] > cx0) & (seen[:, 1] < cy1) & (seen[:, 3] > cy0)
        ):
            done[k].overlay(crop, box)
        if crop_hole.all():
            # the crop spans the tiles of one connected region plus its margin, so it is
            # all hole only when the whole photo is: nothing to copy from, mid-grey
            crop[crop_hole] = 127
            done.append(FilledRegion(box, crop, crop_hole))
            continue
        filled = _fill_crop(pm, crop, crop_hole, seed=seed, patch_size=patch_size)
        crop[crop_hole] = filled[crop_hole]
        done.append(FilledRegion(box, crop, crop_hole))
    return done


def _fill_crop(
    pm, crop: np.ndarray, crop_hole: np.ndarray, *, seed: int, patch_size: int
) -> np.ndarray:
    """Smooth tone plus PatchMatch texture where the surroundings are smooth; PatchMatch
    on the photo itself where an edge (a horizon, a wall, a defocused outline) meets
    the region, as a smooth tone cannot continue an edge. (No mix of the two: averaging
    two fills halves their grain.)

    Smooth case: the hole's tone is the thin-plate continuation of the surrounding tone
    (smoothfill), and PatchMatch fills only the residual (crop minus that tone), so it
    continues grain, pores and weave without copying tone: no pinwheel of flat sectors
    on gradients, no tone step at the hole's edge."""
    base, edge = smooth_base(crop, crop_hole)
    if edge > EDGE_LIMIT:
        return _patchmatch_at_scale(pm, crop, crop_hole, seed=seed, patch_size=patch_size)
    # the residual, centred on mid-grey, is what PatchMatch sees and copies; detail
    # stronger than +-127 levels (hard black/white edges) is clipped
    residual = crop.astype(np.float32)
    residual -= base
    residual += 128.0
    encoded = np.clip(residual, 0, 255, out=residual).round().astype(np.uint8)
    del residual
    texture = _patchmatch_at_scale(pm, encoded, crop_hole, seed=seed, patch_size=patch_size)
    if not texture.flags.writeable:  # scaled back up by Pillow: a read-only view
        texture = texture.copy()
    # only the hole's pixels are used by the caller
    filled = base[crop_hole] + texture[crop_hole].astype(np.float32) - 128.0
    texture[crop_hole] = np.clip(filled, 0, 255).round().astype(np.uint8)
    return texture


def _patchmatch_at_scale(
    pm, crop: np.ndarray, crop_hole: np.ndarray, *, seed: int, patch_size: int
) -> np.ndarray:
    """PatchMatch on ``crop``, at a reduced scale when the crop is larger than
    WORK_PIXELS (the fill is scaled back up; only hole pixels are used from it)."""
    h, w = crop_hole.shape
    scale = min(1.0, (WORK_PIXELS / (h * w)) ** 0.5)
    work, work_hole = crop, crop_hole.astype(np.uint8) * 255
    if scale < 1.0:
        sw, sh = max(8, round(w * scale)), max(8, round(h * scale))
        work = np.asarray(Image.fromarray(crop).resize((sw, sh), Image.Resampling.BOX))
        # any hole pixel under a small pixel makes it a hole: no unmasked colour leaks in
        small_hole = np.asarray(Image.fromarray(work_hole).resize((sw, sh), Image.Resampling.BOX))
        work_hole = (small_hole > 0).astype(np.uint8) * 255
        if work_hole.all():
            work_hole[0, 0] = 0
    with _seed_lock:
        pm.set_random_seed(int(seed) % 2**32)
        out = pm.inpaint(np.ascontiguousarray(work), work_hole, patch_size=patch_size)
    if scale < 1.0:
        out = np.asarray(Image.fromarray(out).resize((w, h), Image.Resampling.BICUBIC))
    return out
