"""Offline contextual fill (PatchMatch) whose cost follows the hole, not the photo.

Each masked region is filled on a crop around it (the hole plus a context margin sized
by the hole's thickness), then pasted back through the mask, so a 200x200 hole costs the
same in a 6 MP and a 24 MP photo. A crop larger than ``WORK_PIXELS`` is filled at a
reduced scale and the fill scaled back up, so a long brush stroke across a 24 MP photo
costs seconds and a few hundred MB, not a minute and gigabytes. Pure numpy + Pillow +
pypatchmatch: no Qt, no network. CPU-heavy: call it from a worker thread.
"""

from __future__ import annotations

import threading

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


def region_boxes(mask: np.ndarray, margin: int = 0) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) around groups of masked pixels, grown by ``margin`` and
    merged where they overlap. Works on 16 px tiles so it is fast on 24 MP masks."""
    h, w = mask.shape
    th, tw = -(-h // _TILE), -(-w // _TILE)
    padded = np.zeros((th * _TILE, tw * _TILE), dtype=bool)
    padded[:h, :w] = mask > 0
    tiles = padded.reshape(th, _TILE, tw, _TILE).any(axis=(1, 3))
    ys, xs = np.nonzero(tiles)
    if len(ys) == 0:
        return []
    # connected components over occupied tiles (8-neighbourhood)
    occupied = set(zip(ys.tolist(), xs.tolist(), strict=True))
    boxes: list[list[int]] = []
    while occupied:
        start = occupied.pop()
        stack = [start]
        y0 = y1 = start[0]
        x0 = x1 = start[1]
        while stack:
            ty, tx = stack.pop()
            y0, y1, x0, x1 = min(y0, ty), max(y1, ty), min(x0, tx), max(x1, tx)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    n = (ty + dy, tx + dx)
                    if n in occupied:
                        occupied.remove(n)
                        stack.append(n)
        boxes.append(
            [
                max(0, x0 * _TILE - margin),
                max(0, y0 * _TILE - margin),
                min(w, (x1 + 1) * _TILE + margin),
                min(h, (y1 + 1) * _TILE + margin),
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
    """
    if mask.shape != image.shape[:2]:
        raise EditorError(
            f"The mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
            f"{image.shape[1]}x{image.shape[0]}; they must match."
        )
    result = image.copy()
    hole = mask > 0
    if not hole.any():
        return result
    pm = _patchmatch()
    for x0, y0, x1, y1 in region_boxes(mask):
        side = max(x1 - x0, y1 - y0)
        # context follows the hole's thickness: a long thin stroke needs a band around
        # it, not a square as large as its length
        thickness = int(np.count_nonzero(hole[y0:y1, x0:x1])) / side
        margin = int(min(max(32.0, min(side, 2 * thickness) * context), _MAX_MARGIN))
        cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
        cx1, cy1 = min(image.shape[1], x1 + margin), min(image.shape[0], y1 + margin)
        crop_hole = hole[cy0:cy1, cx0:cx1]
        if crop_hole.all():
            # nothing to copy from: fall back to the mean colour of the whole image
            fill_value = image[..., :3][~hole].mean(axis=0) if (~hole).any() else 127
            result[cy0:cy1, cx0:cx1, :3][crop_hole] = np.asarray(fill_value, dtype=np.uint8)
            continue
        crop = np.ascontiguousarray(result[cy0:cy1, cx0:cx1, :3])
        filled = _fill_crop(pm, crop, crop_hole, seed=seed, patch_size=patch_size)
        target = result[cy0:cy1, cx0:cx1, :3]
        target[crop_hole] = filled[crop_hole]
    return result


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
