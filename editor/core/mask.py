"""The edit mask: H x W uint8 at the source's exact size, 255 = edit, 0 = keep.

Every function returns a new array and leaves its input untouched. Morphology works
on a crop around the masked pixels, so its cost follows the mask, not the photo.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from editor.core.mask_blur import HALF_FROM, blur_reach, blurred, kernel
from editor.core.mask_files import (  # noqa: F401  (the mask's file side, one import away)
    ALPHA_CUTOUT,
    ALPHA_PAINTED,
    ALPHA_TRANSPARENT,
    EDIT,
    GRAYSCALE,
    KEEP,
    THRESHOLD,
    binarise,
    load_mask,
    mask_reading,
    save_mask,
    to_fashn_png,
    to_openai_png,
)
from editor.core.mask_tiles import Rect, edge_rects, window
from editor.core.threads import pixel_map

_EXACT_DISC_MAX = 3  # radii up to this use an exact disc; larger ones an octagon
FEATHER_BAND_PIXELS = 8_000_000  # larger feathers are worked out in bands of rows
GROW_TILED_FROM = 4_000_000  # larger masks grow tile by tile, only near their edges
GROW_TILE = 256  # the farthest reach worked out tile by tile (beyond: bands of rows)
FEATHER_TILE = 16  # a feather's flatness grid: finer than a grow's (its pixels cost more)


def new_mask(h: int, w: int) -> np.ndarray:
    """An empty (all keep) mask of ``h`` x ``w``."""
    return np.zeros((int(h), int(w)), dtype=np.uint8)


def clear(mask: np.ndarray) -> np.ndarray:
    """An empty mask of the same size."""
    return np.zeros_like(mask, dtype=np.uint8)


def fill(mask: np.ndarray) -> np.ndarray:
    """A mask of the same size with everything marked for editing."""
    return np.full(mask.shape, EDIT, dtype=np.uint8)


def invert(mask: np.ndarray) -> np.ndarray:
    """Swap edit and keep (255 - value, so feathered edges stay smooth)."""
    return (EDIT - mask.astype(np.uint8)).astype(np.uint8)


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the non-zero pixels, end-exclusive; None when empty."""
    rows = np.flatnonzero(_rows_with_paint(mask))
    if rows.size == 0:
        return None
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(_columns_with_paint(mask[y0:y1]))
    return int(cols[0]), y0, int(cols[-1]) + 1, y1


def _columns_with_paint(mask: np.ndarray) -> np.ndarray:
    """Which columns hold a non-zero byte: the rows OR'ed 8 bytes at a time (each byte
    of the result is the OR of its column) where the rows allow."""
    if mask.dtype == np.uint8 and mask.flags.c_contiguous and mask.shape[1] % 8 == 0:
        return np.bitwise_or.reduce(mask.view(np.uint64), axis=0).view(np.uint8) != 0
    return np.asarray(mask.any(axis=0))


def _rows_with_paint(mask: np.ndarray) -> np.ndarray:
    """Which rows hold a non-zero byte, reading 8 bytes at a time where the row allows."""
    if mask.dtype == np.uint8 and mask.flags.c_contiguous:
        for wide in (np.uint64, np.uint32, np.uint16):
            if mask.shape[1] % np.dtype(wide).itemsize == 0:
                return np.asarray(mask.view(wide).any(axis=1))
    return np.asarray(mask.any(axis=1))


def snapshot(mask: np.ndarray) -> np.ndarray:
    """A copy of ``mask`` cheap enough for the UI thread: only the rows holding edit
    pixels are written into fresh zeroed memory (which the OS maps lazily), so a small
    mask on a 24 MP photo costs a few ms instead of a 24 MB copy's page faults."""
    out = np.zeros(mask.shape, dtype=mask.dtype)
    rows = np.flatnonzero(_rows_with_paint(mask)) if mask.ndim == 2 else np.arange(len(mask))
    if rows.size:
        y0, y1 = int(rows[0]), int(rows[-1]) + 1
        out[y0:y1] = mask[y0:y1]
    return out


def coverage(mask: np.ndarray) -> float:
    """Fraction (0..1) of the pixels marked for editing (>= 128)."""
    if mask.size == 0:
        return 0.0
    return float(np.count_nonzero(mask >= THRESHOLD)) / float(mask.size)


# --- morphology -----------------------------------------------------------------

_DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))  # (dy, dx): horizontal, vertical, diagonals


def _segments(px: int) -> list[tuple[tuple[int, int], int]]:
    """Line segments whose Minkowski sum is a near-regular octagon of inradius ``px``."""
    diag = min(round(px * (1 - 1 / math.sqrt(2))), max(0, (px - 1) // 2))
    straight = px - 2 * diag
    return [(d, straight if d[0] == 0 or d[1] == 0 else diag) for d in _DIRECTIONS]


def _segment_kernel(direction: tuple[int, int], half: int) -> np.ndarray:
    """The centred segment of ``2 * half + 1`` pixels along ``direction`` as a kernel."""
    n = 2 * half + 1
    if direction == (0, 1):
        return np.ones((1, n), np.uint8)
    if direction == (1, 0):
        return np.ones((n, 1), np.uint8)
    diagonal = np.eye(n, dtype=np.uint8)
    return diagonal if direction == (1, 1) else np.ascontiguousarray(diagonal[:, ::-1])


def _disc_kernel(r: int) -> np.ndarray:
    d = np.arange(-r, r + 1)
    return (d[:, None] ** 2 + d[None, :] ** 2 <= r * r).astype(np.uint8)


def _morph(work: np.ndarray, r: int, dilate: bool) -> np.ndarray:
    """Dilate (max) or erode (min) ``work`` by a disc-like shape of radius ``r``: an
    exact disc up to ``_EXACT_DISC_MAX``, else the octagon as four segments in a row
    (their Minkowski sum). OpenCV does the pixel work (it releases the interpreter lock);
    its default border leaves pixels outside the array out of the max / min."""
    op = cv2.dilate if dilate else cv2.erode
    if r <= _EXACT_DISC_MAX:
        return np.asarray(op(work, _disc_kernel(r)))
    # erosion applies the segments in reverse order: the adjoint of the dilation
    segments = _segments(r) if dilate else list(reversed(_segments(r)))
    for direction, half in segments:
        if half > 0:
            work = op(work, _segment_kernel(direction, half))
    return np.asarray(work)


def grow(mask: np.ndarray, px: int) -> np.ndarray:
    """Grow the edit area by ``px`` pixels (a disc for small px, a near-regular octagon
    beyond); negative shrinks. Outside the image counts as "same as the border", so
    shrinking does not eat in from the image's edges."""
    px = int(px)
    if mask.size > GROW_TILED_FROM and _reach(abs(px)) <= GROW_TILE:
        return _grow_tiles(mask, px)
    return _grow_crop(mask, px)


def _grow_crop(mask: np.ndarray, px: int) -> np.ndarray:
    """``grow`` worked out on the crop around the mask's bounding box."""
    out = np.array(mask, dtype=np.uint8, copy=True)
    box = bounding_box(mask) if px else None
    if box is None:
        return out
    r = abs(px)
    h, w = mask.shape
    x0, y0, x1, y1 = box
    cx0, cy0 = max(0, x0 - r - 1), max(0, y0 - r - 1)
    cx1, cy1 = min(w, x1 + r + 1), min(h, y1 + r + 1)
    # pad by r where the crop meets the image edge, with the operation's neutral value,
    # so every path of the structuring element stays inside the working array
    pad = (
        (r if cy0 == 0 else 0, r if cy1 == h else 0),
        (r if cx0 == 0 else 0, r if cx1 == w else 0),
    )
    work = np.pad(out[cy0:cy1, cx0:cx1], pad, constant_values=0 if px > 0 else 255)
    work = _morph(work, r, dilate=px > 0)
    out[cy0:cy1, cx0:cx1] = work[
        pad[0][0] : work.shape[0] - pad[0][1], pad[1][0] : work.shape[1] - pad[1][1]
    ]
    return out


def _reach(r: int) -> int:
    """How far a grow by r looks: the octagon's circumradius (1.0824 r) and a margin."""
    return math.ceil(1.09 * r) + 2


def _grow_tiles(mask: np.ndarray, px: int) -> np.ndarray:
    """``grow`` of a large mask only near its edges (see ``mask_tiles``)."""
    out = np.array(mask, dtype=np.uint8, copy=True)
    if px:
        rects = edge_rects(mask, _reach(abs(px)))
        for (x0, y0, x1, y1), values in zip(
            rects, pixel_map(lambda rect: _grown_rect(mask, rect, px), rects), strict=True
        ):
            out[y0:y1, x0:x1] = values
    return out


def _grown_rect(mask: np.ndarray, rect: Rect, px: int) -> np.ndarray:
    """``grow(mask, px)`` inside ``rect`` only, to the bit: the window ``_reach`` wider
    grown as it is (every pixel on the paths of the rectangle's octagons lies inside it),
    padded like ``_grow_crop`` only where it meets the image's edges."""
    r = abs(px)
    x0, y0, x1, y1 = rect
    wx0, wy0, wx1, wy1 = window(rect, _reach(r), mask.shape)
    h, w = mask.shape
    area = mask[wy0:wy1, wx0:wx1]
    pad = ((r * (wy0 == 0), r * (wy1 == h)), (r * (wx0 == 0), r * (wx1 == w)))
    if any(pad[0] + pad[1]):
        area = np.pad(area, pad, constant_values=0 if px > 0 else 255)
    done = _morph(area, r, dilate=px > 0)
    oy, ox = wy0 - pad[0][0], wx0 - pad[1][0]
    return done[y0 - oy : y1 - oy, x0 - ox : x1 - ox]


def edge_changes(name: str, mask: np.ndarray, px: int) -> list[tuple[Rect, np.ndarray]] | None:
    """A grow, shrink, feather, clear or fill of a large mask as the rectangles where it
    may differ from ``mask`` and their new values (the same pixels as the full result;
    elsewhere it equals ``mask``), so a caller can write and record only those; a clear
    or fill as the whole mask of one value repeated without storage (``np.broadcast_to``,
    see ``mask_records.constant``). None where the operation has no such path (another
    operation, a small mask, a reach beyond ``GROW_TILE``)."""
    px = int(px)
    if mask.size <= GROW_TILED_FROM:
        return None
    if name in ("clear", "fill"):
        value = np.uint8(KEEP if name == "clear" else EDIT)
        return [((0, 0, mask.shape[1], mask.shape[0]), np.broadcast_to(value, mask.shape))]
    if px <= 0:
        return None
    if name in ("grow", "shrink"):
        signed = px if name == "grow" else -px
        if _reach(px) > GROW_TILE:
            return None
        rects = edge_rects(mask, _reach(px))
        values = pixel_map(lambda rect: _grown_rect(mask, rect, signed), rects)
        return list(zip(rects, values, strict=True))
    if name != "feather" or _reach(px) > GROW_TILE:
        return None
    return _feather_changes(mask, px)  # an empty area is flat: no crop to the mask first


def shrink(mask: np.ndarray, px: int) -> np.ndarray:
    """Shrink the edit area by ``px`` pixels (same as ``grow(mask, -px)``)."""
    return grow(mask, -int(px))


def feather(mask: np.ndarray, px: int) -> np.ndarray:
    """Soften the edges over about ``px`` pixels (Gaussian blur, sigma = px / 3; from
    ``mask_blur.HALF_FROM`` px on worked out at half resolution, within 1.5 levels).

    The result is 0 everywhere farther than ``px`` from the mask, so a blend through it
    never touches pixels beyond that distance.
    """
    out = np.zeros(mask.shape, dtype=np.uint8)
    window = feather_window(mask, px)
    if window is not None:
        (x0, y0, x1, y1), alpha = window
        out[y0:y1, x0:x1] = alpha
    return out


def feather_window(
    mask: np.ndarray, px: int
) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """``feather(mask, px)`` without the full-size array: ((x0, y0, x1, y1), values) of a
    window outside which the feathered mask is 0; None for an empty mask. Its cost
    follows the mask's bounding box, not the image."""
    px = int(px)
    box = bounding_box(mask)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    if px <= 0:
        return box, np.array(mask[y0:y1, x0:x1], dtype=np.uint8, copy=True)
    h, w = mask.shape
    margin = 3 * px + 8 + px % 2  # even, as is the crop's corner: the blur's 2x2 blocks
    cx0, cy0 = max(0, x0 - margin) // 2 * 2, max(0, y0 - margin) // 2 * 2
    cx1, cy1 = min(w, x1 + margin), min(h, y1 + margin)
    crop = np.ascontiguousarray(mask[cy0:cy1, cx0:cx1], dtype=np.uint8)
    if crop.size <= FEATHER_BAND_PIXELS:
        return (cx0, cy0, cx1, cy1), _feathered(crop, px)
    if _reach(px) <= GROW_TILE:  # only near the edges
        alpha = crop.copy()
        for (ax0, ay0, ax1, ay1), values in _feather_changes(crop, px):
            alpha[ay0:ay1, ax0:ax1] = values
        return (cx0, cy0, cx1, cy1), alpha
    # a large mask: in bands of rows (an even number), each worked out with `margin` rows
    # around it (the blur and the reach look no farther), so the temporaries follow a
    # band, not the photo
    out = np.empty(crop.shape, np.uint8)
    rows = max(2, FEATHER_BAND_PIXELS // crop.shape[1] // 2 * 2)
    for b0 in range(0, crop.shape[0], rows):
        b1 = min(crop.shape[0], b0 + rows)
        w0, w1 = max(0, b0 - margin), min(crop.shape[0], b1 + margin)
        out[b0:b1] = _feathered(crop[w0:w1], px)[b0 - w0 : b1 - w0]
    return (cx0, cy0, cx1, cy1), out


def _feathered(crop: np.ndarray, px: int) -> np.ndarray:
    crop = np.ascontiguousarray(crop)
    # the blur (``mask_blur``: a Gaussian of sigma px / 3 cut at px, its border repeating
    # the edge pixels, so a flat area stays flat up to the image's edge), cut to 0 beyond
    # px from the mask
    if px < HALF_FROM:  # one call: OpenCV keeps the float rows to a few of them
        taps = kernel(px)
        soft = cv2.sepFilter2D(crop, -1, taps, taps, borderType=cv2.BORDER_REPLICATE)
    else:
        soft = blurred(crop, (0, 0, crop.shape[1], crop.shape[0]), px)
    reach = grow(crop, px) > 0
    return np.where(reach, soft, np.uint8(0))


def _feather_changes(mask: np.ndarray, px: int) -> list[tuple[Rect, np.ndarray]]:
    """``_feathered(mask, px)`` as the rectangles where it may differ from ``mask`` and
    their values, exactly. The feather at a pixel depends only on the pixels at most
    ``blur_reach(px)`` (about px) away along each axis (the blur's window; the reach's
    octagon of inradius px lies inside the square of side 2 px + 1), and keeps a flat
    neighbourhood's value, so the tiles whose neighbourhood is flat keep theirs."""
    taps = kernel(px)
    rects = edge_rects(mask, max(px, blur_reach(px)), FEATHER_TILE)
    values = pixel_map(lambda rect: _feather_rect(mask, rect, px, taps), rects)
    return list(zip(rects, values, strict=True))


def _feather_rect(mask: np.ndarray, rect: Rect, px: int, taps: np.ndarray) -> np.ndarray:
    """``_feathered(mask, px)`` inside ``rect`` only, to the bit: the blur from its own
    window (``mask_blur.blurred``), the reach from the window px wider dilated without
    padding: OpenCV's dilate leaves pixels outside the array out of the max, and every
    pixel on the paths of a rectangle's octagons lies inside it, except past the
    image's edges."""
    x0, y0, x1, y1 = rect
    soft = blurred(mask, rect, px, taps)
    wx0, wy0, wx1, wy1 = window(rect, px, mask.shape)
    area = mask[wy0:wy1, wx0:wx1]
    inner = (slice(y0 - wy0, y1 - wy0), slice(x0 - wx0, x1 - wx0))
    h, w = mask.shape
    # at the image's edges an octagon's path may leave the image: pad there (0, neutral)
    pad = ((px * (wy0 == 0), px * (wy1 == h)), (px * (wx0 == 0), px * (wx1 == w)))
    if any(pad[0] + pad[1]):
        area = np.pad(area, pad)
        inner = (
            slice(y0 - wy0 + pad[0][0], y1 - wy0 + pad[0][0]),
            slice(x0 - wx0 + pad[1][0], x1 - wx0 + pad[1][0]),
        )
    reach = cv2.threshold(_morph(area, px, dilate=True)[inner], 0, 255, cv2.THRESH_BINARY)[1]
    return np.asarray(cv2.bitwise_and(soft, reach))
