"""Object from a box: GrabCut on a downscaled copy, refined at full resolution near the edge.

GrabCut (OpenCV) costs ~3 s per megapixel for 5 iterations on a noisy photo here,
so it runs on the box (plus a margin of background) scaled to about ``WORK_PIXELS``.
The coarse mask is scaled back up; only the pixels within a few source pixels of its
edge (the band where scaling blurs the outline) are decided again at full resolution,
each by whether its colour is nearer the object's or the background's local mean
colour (means taken from the coarse result over a small neighbourhood). Where the two
means are too alike to tell apart, the scaled coarse edge stands. Brush hints
(``refine_object``) go back to GrabCut as certain object / certain background and
override its result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from editor.core.selection.region import Box, Selection, SelectionError, clamp_box, rgb, shrink

WORK_PIXELS = 160_000  # ~0.5 s of GrabCut (5 iterations) on this machine
_TILE = 256
_MEAN_WINDOW = 7  # neighbourhood (work pixels) of the local object / background means
_MIN_CONTRAST = 12.0  # RGB distance between the means below which the coarse edge stands


@dataclass(frozen=True, slots=True)
class ObjectProposal:
    """A GrabCut proposal: the ``selection`` (0/255, full resolution) plus what
    ``refine_object`` needs to continue from it."""

    selection: Selection
    box: Box  # the box the user dragged (clamped)
    crop: Box  # the source region GrabCut saw: the box plus a margin
    scale: float  # work size / source size
    labels: np.ndarray  # GrabCut's labels (cv2.GC_*) at work size
    bgd_model: np.ndarray
    fgd_model: np.ndarray


def object_from_box(
    image: np.ndarray,
    box: Box,
    *,
    iterations: int = 5,
    work_pixels: int = WORK_PIXELS,
) -> ObjectProposal:
    """Segment the object inside ``box`` (x0, y0, x1, y1): GrabCut at about
    ``work_pixels``, then the edge refined at full resolution."""
    pixels = rgb(image)
    x0, y0, x1, y1 = clamp_box(pixels.shape, box)
    h, w = pixels.shape[:2]
    margin = max(16, round(0.1 * max(x1 - x0, y1 - y0)))
    crop = (max(0, x0 - margin), max(0, y0 - margin), min(w, x1 + margin), min(h, y1 + margin))
    cx0, cy0, cx1, cy1 = crop
    scale = min(1.0, (work_pixels / float((cx1 - cx0) * (cy1 - cy0))) ** 0.5)
    small = _work_image(pixels, crop, scale)
    sh, sw = small.shape[:2]
    rx0, ry0 = int((x0 - cx0) * scale), int((y0 - cy0) * scale)
    rx1, ry1 = min(sw, int(np.ceil((x1 - cx0) * scale))), min(sh, int(np.ceil((y1 - cy0) * scale)))
    if rx1 - rx0 < 2 or ry1 - ry0 < 2:
        raise SelectionError("The box is too small to find an object in; drag a larger box.")
    labels = np.zeros((sh, sw), dtype=np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    rect = (rx0, ry0, rx1 - rx0, ry1 - ry0)
    if rect == (0, 0, sw, sh):  # the box is the whole photo: keep a 1 px background rim
        rect = (1, 1, sw - 2, sh - 2)
    try:
        cv2.grabCut(small, labels, rect, bgd, fgd, int(iterations), cv2.GC_INIT_WITH_RECT)
    except cv2.error:
        raise SelectionError(
            "Could not tell an object from its background in this box; "
            "drag a box with some background around the object."
        ) from None
    selection = _finish(pixels, crop, scale, small, labels, None, None)
    return ObjectProposal(selection, (x0, y0, x1, y1), crop, scale, labels, bgd, fgd)


def refine_object(
    image: np.ndarray,
    proposal: ObjectProposal,
    *,
    keep: np.ndarray | None = None,
    drop: np.ndarray | None = None,
    iterations: int = 2,
) -> ObjectProposal:
    """Run GrabCut again with brush hints: ``keep`` / ``drop`` are full-size masks
    (non-zero = painted) of what surely belongs to the object / the background. Hints
    count inside ``proposal.crop`` (the box plus its margin); beyond it, drag a new box."""
    pixels = rgb(image)
    for hint in (keep, drop):
        if hint is not None and hint.shape != pixels.shape[:2]:
            raise SelectionError("The hint strokes must be painted at the photo's size.")
    small = _work_image(pixels, proposal.crop, proposal.scale)
    labels = proposal.labels.copy()
    keep_win, drop_win = _hint(keep, proposal), _hint(drop, proposal)
    for win, label in ((keep_win, cv2.GC_FGD), (drop_win, cv2.GC_BGD)):
        if win is not None:
            small_hint = cv2.resize(
                win, (labels.shape[1], labels.shape[0]), interpolation=cv2.INTER_AREA
            )
            labels[small_hint > 0] = label
    bgd, fgd = proposal.bgd_model.copy(), proposal.fgd_model.copy()
    if np.any((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)):
        try:
            cv2.grabCut(
                small, labels, (0, 0, 0, 0), bgd, fgd, int(iterations), cv2.GC_INIT_WITH_MASK
            )
        except cv2.error:
            pass  # one label class left: the hints alone decide
    selection = _finish(pixels, proposal.crop, proposal.scale, small, labels, keep_win, drop_win)
    return replace(proposal, selection=selection, labels=labels, bgd_model=bgd, fgd_model=fgd)


def _hint(hint: np.ndarray | None, proposal: ObjectProposal) -> np.ndarray | None:
    if hint is None:
        return None
    cx0, cy0, cx1, cy1 = proposal.crop
    win = np.ascontiguousarray(hint[cy0:cy1, cx0:cx1], dtype=np.uint8)
    return win if cv2.countNonZero(win) else None


def _work_image(pixels: np.ndarray, crop: Box, scale: float) -> np.ndarray:
    cx0, cy0, cx1, cy1 = crop
    region = pixels[cy0:cy1, cx0:cx1]
    if scale >= 1.0:
        return np.ascontiguousarray(region)
    return shrink(region, scale)


def _finish(
    pixels: np.ndarray,
    crop: Box,
    scale: float,
    small: np.ndarray,
    labels: np.ndarray,
    keep: np.ndarray | None,
    drop: np.ndarray | None,
) -> Selection:
    cx0, cy0, cx1, cy1 = crop
    cw, ch = cx1 - cx0, cy1 - cy0
    fg = np.where((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD), np.uint8(255), np.uint8(0))
    if scale >= 1.0:
        out = fg
    else:
        coarse = cv2.resize(fg, (cw, ch), interpolation=cv2.INTER_LINEAR)
        # OpenCV rather than numpy on the crop (27 MP at 100 MP): it frees the GIL
        out = cv2.threshold(coarse, 127, 255, cv2.THRESH_BINARY)[1]
        _refine_edge(pixels[cy0:cy1, cx0:cx1], out, small, fg, scale)
    if keep is not None:
        out = cv2.bitwise_or(out, cv2.threshold(keep, 0, 255, cv2.THRESH_BINARY)[1])
    if drop is not None:
        out = cv2.bitwise_and(out, cv2.threshold(drop, 0, 255, cv2.THRESH_BINARY_INV)[1])
    return Selection.of(out, (cx0, cy0), pixels.shape[:2])


def _local_mean(small: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean colour of the pixels with ``weight`` 1 around each work pixel, and how much
    of the neighbourhood they fill (0 = none: no mean)."""
    k = (_MEAN_WINDOW, _MEAN_WINDOW)
    share = cv2.blur(weight, k)
    total = cv2.blur(small.astype(np.float32) * weight[..., None], k)
    mean = total / np.maximum(share, 1e-6)[..., None]
    return mean, share


def _at(arr: np.ndarray, maps: tuple[np.ndarray, np.ndarray], interp: int = 1) -> np.ndarray:
    """``arr`` (work size) sampled at the source pixels of a tile (``maps``)."""
    return cv2.remap(arr, maps[0], maps[1], interp, borderMode=cv2.BORDER_REPLICATE)


def _refine_edge(
    region: np.ndarray, out: np.ndarray, small: np.ndarray, fg: np.ndarray, scale: float
) -> None:
    """Decide again, at full resolution, the pixels of ``out`` near the scaled-up edge."""
    kernel = np.ones((3, 3), np.uint8)
    edge = cv2.dilate(fg, kernel) != cv2.erode(fg, kernel)
    band_small = cv2.dilate(edge.astype(np.uint8), kernel)
    if not band_small.any():
        return
    is_fg = (fg > 0).astype(np.float32)
    fg_mean, fg_share = _local_mean(small, is_fg)
    bg_mean, bg_share = _local_mean(small, 1.0 - is_fg)
    contrast = ((fg_mean - bg_mean) ** 2).sum(axis=2)
    # where both sides are near and tell apart: the colour decides; elsewhere in the
    # band only the clean-up (median) acts on the scaled-up edge
    decidable = (band_small > 0) & (fg_share > 0.05) & (bg_share > 0.05)
    decidable &= contrast > _MIN_CONTRAST**2
    decidable_small = decidable.astype(np.uint8)
    ch, cw = out.shape
    sh, sw = fg.shape
    for ty in range(0, ch, _TILE):
        for tx in range(0, cw, _TILE):
            ty1, tx1 = min(ch, ty + _TILE), min(cw, tx + _TILE)
            # the work pixels under this tile (plus one for interpolation)
            sy0, sx0 = max(0, int(ty * scale) - 1), max(0, int(tx * scale) - 1)
            sy1, sx1 = min(sh, int(ty1 * scale) + 2), min(sw, int(tx1 * scale) + 2)
            if not band_small[sy0:sy1, sx0:sx1].any():
                continue
            xs = ((np.arange(tx, tx1, dtype=np.float32) + 0.5) * scale - 0.5)[None, :]
            ys = ((np.arange(ty, ty1, dtype=np.float32) + 0.5) * scale - 0.5)[:, None]
            shape = (ty1 - ty, tx1 - tx)
            maps = (np.broadcast_to(xs, shape).copy(), np.broadcast_to(ys, shape).copy())
            band = _at(band_small, maps, cv2.INTER_NEAREST) > 0
            if not band.any():
                continue
            tile = out[ty:ty1, tx:tx1]
            new = tile.copy()
            decide = _at(decidable_small, maps, cv2.INTER_NEAREST) > 0
            ys_d, xs_d = np.nonzero(decide)
            if ys_d.size:
                px = region[ty:ty1, tx:tx1][ys_d, xs_d].astype(np.float32)
                # the means sampled at the decided pixels only (an N x 1 map)
                at_d = (maps[0][ys_d, xs_d][:, None], maps[1][ys_d, xs_d][:, None])
                d_fg = ((px - _at(fg_mean, at_d)[:, 0]) ** 2).sum(axis=1)
                d_bg = ((px - _at(bg_mean, at_d)[:, 0]) ** 2).sum(axis=1)
                new[ys_d, xs_d] = np.where(d_fg < d_bg, np.uint8(255), np.uint8(0))
            new = cv2.medianBlur(new, 3)
            tile[band] = new[band]
