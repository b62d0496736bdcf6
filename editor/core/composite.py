"""Putting a service's result back into the source photo.

The result is scaled to the size of the region it covers (the whole source or the
focus crop) and blended in through the feathered mask, so every pixel farther than
``feather_px`` from the mask stays bit-identical to the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from editor.core.codec import array_of
from editor.core.errors import EditorError
from editor.core.mask import bounding_box, feather_window
from editor.core.prepare import Box, resize_pixels
from editor.core.variant import Variant

_BLEND_BAND_VALUES = 1_500_000  # uint16 values per band (3 MB a temporary)

if TYPE_CHECKING:
    from editor.core.prepare import PreparedUpload
    from editor.core.request import EditRequest


def _match_channels(result: np.ndarray, channels: int) -> np.ndarray:
    if result.ndim == 2:
        result = np.repeat(result[..., None], 3, axis=2)
    if result.shape[2] == channels:
        return result
    if channels == 3:
        return result[..., :3]
    alpha = np.full((*result.shape[:2], 1), 255, dtype=np.uint8)
    return np.concatenate([result[..., :3], alpha], axis=2)


def scale_result(result: np.ndarray, size: tuple[int, int], part: Box | None = None) -> np.ndarray:
    """``result`` scaled (Lanczos) to ``size`` = (w, h); with ``part`` (x0, y0, x1, y1) only
    that window of the scaled image is computed: the same pixels, at a fraction of the cost."""
    w, h = size
    x0, y0, x1, y1 = part or (0, 0, w, h)
    rh, rw = result.shape[:2]
    if (rw, rh) == (w, h):
        return result[y0:y1, x0:x1]
    sx, sy = rw / w, rh / h
    im = Image.fromarray(np.ascontiguousarray(result))
    box = (x0 * sx, y0 * sy, x1 * sx, y1 * sy)
    return array_of(im.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS, box=box))


def _blend(src: np.ndarray, res: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """round((src * (255 - a) + res * a) / 255) per channel, in uint16 (the sum is at
    most 65152): the same integers as a plain division. A band of rows at a time, with
    numpy calls that free the interpreter lock (``np.repeat`` of the alpha, which held
    it for ~30 ms at 100 MP, is a broadcast assignment here)."""
    out = np.empty_like(src)
    channels = src.shape[2]
    step = max(1, _BLEND_BAND_VALUES // max(1, src.shape[1] * channels))
    a = np.empty((min(step, src.shape[0]), src.shape[1], channels), np.uint16)
    mixed = np.empty_like(a)
    for y in range(0, src.shape[0], step):
        n = min(step, src.shape[0] - y)
        ab, mb = a[:n], mixed[:n]
        ab[...] = alpha[y : y + n, :, None]
        mb[...] = src[y : y + n]
        mb *= 255 - ab
        ab *= res[y : y + n]
        mb += ab
        mb += 128
        mb += mb >> 8
        mb >>= 8
        out[y : y + n] = mb
    return out


@dataclass(frozen=True, slots=True)
class FeatheredMask:
    """A mask feathered once and reused for every variant of a job: the feathered values
    inside ``box`` (x0, y0, x1, y1, source pixels), 0 elsewhere; ``box`` None = empty."""

    mask: np.ndarray
    feather_px: int
    box: Box | None
    alpha: np.ndarray | None

    @classmethod
    def of(cls, mask: np.ndarray, feather_px: int) -> FeatheredMask:
        window = feather_window(mask, feather_px)
        box, alpha = window if window is not None else (None, None)
        return cls(mask, int(feather_px), box, alpha)

    def fits(self, mask: np.ndarray, feather_px: int) -> bool:
        return self.mask is mask and self.feather_px == int(feather_px)


def paste_back(
    source: np.ndarray,
    result: np.ndarray,
    mask: np.ndarray,
    *,
    feather_px: int,
    crop: Box | None = None,
    feathered: FeatheredMask | None = None,
) -> np.ndarray:
    """Blend ``result`` (any size; covers ``crop`` or the whole source) into a copy of
    ``source`` through ``mask`` feathered by ``feather_px``. Output size == source size.
    ``feathered`` (``FeatheredMask.of(mask, feather_px)``) saves feathering again."""
    variant = paste_back_variant(
        source, result, mask, feather_px=feather_px, crop=crop, feathered=feathered
    )
    return variant.full(source)


def paste_back_variant(
    source: np.ndarray,
    result: np.ndarray,
    mask: np.ndarray,
    *,
    feather_px: int,
    crop: Box | None = None,
    feathered: FeatheredMask | None = None,
) -> Variant:
    """``paste_back`` kept as a Variant: only the blended window is computed and kept
    (the whole image it stands for is ``variant.full(source)``, bit for bit)."""
    window = _blended_window(source, result, mask, feather_px, crop, feathered)
    if window is None:  # nothing blended: the source itself (one pixel stands for it)
        return Variant((0, 0, 1, 1), source[0:1, 0:1].copy(), tuple(source.shape))
    return Variant(window[0], window[1], tuple(source.shape))


def _blended_window(
    source: np.ndarray,
    result: np.ndarray,
    mask: np.ndarray,
    feather_px: int,
    crop: Box | None,
    feathered: FeatheredMask | None,
) -> tuple[Box, np.ndarray] | None:
    """Where ``paste_back`` changes the source (x0, y0, x1, y1) and that window's new
    pixels (a new array), or None when nothing is blended in."""
    h, w = source.shape[:2]
    if mask.shape != (h, w):
        raise EditorError(
            f"The mask is {mask.shape[1]}x{mask.shape[0]} but the image is {w}x{h}; "
            "they must match."
        )
    if feathered is None or not feathered.fits(mask, feather_px):
        feathered = FeatheredMask.of(mask, feather_px)
    if feathered.box is None or feathered.alpha is None:
        return None
    cx0, cy0, cx1, cy1 = crop or (0, 0, w, h)
    # the feathered window within the crop, in crop coordinates
    fx0, fy0, fx1, fy1 = feathered.box
    ix0, iy0, ix1, iy1 = max(fx0, cx0), max(fy0, cy0), min(fx1, cx1), min(fy1, cy1)
    if ix0 >= ix1 or iy0 >= iy1:
        return None
    alpha = feathered.alpha[iy0 - fy0 : iy1 - fy0, ix0 - fx0 : ix1 - fx0]
    inner = bounding_box(alpha)
    if inner is None:
        return None
    ox, oy = ix0 - cx0, iy0 - cy0
    x0, y0, x1, y1 = inner[0] + ox, inner[1] + oy, inner[2] + ox, inner[3] + oy
    res = scale_result(result, (cx1 - cx0, cy1 - cy0), (x0, y0, x1, y1))
    # blend the colour; blend alpha only when both have it (else the source's is kept)
    channels = 4 if source.shape[2] == 4 and res.ndim == 3 and res.shape[2] == 4 else 3
    box = (cx0 + x0, cy0 + y0, cx0 + x1, cy0 + y1)
    out = source[box[1] : box[3], box[0] : box[2]].copy()
    out[..., :channels] = _blend(
        out[..., :channels],
        _match_channels(res, channels),
        alpha[inner[1] : inner[3], inner[0] : inner[2]],
    )
    return box, out


def finish_result(
    request: EditRequest,
    prepared: PreparedUpload,
    raw: np.ndarray,
    *,
    feathered: FeatheredMask | None = None,
) -> np.ndarray:
    """Turn a decoded service output into an image at the source's size: pasted back
    through the feathered mask when ``request.wants_composite``, else scaled to fit
    (a focus crop is then placed back as a rectangle). Pass ``feathered`` (see
    ``feathered_mask``) when finishing several variants of one request."""
    return finish_variant(request, prepared, raw, feathered=feathered).full(request.image)


def finish_variant(
    request: EditRequest,
    prepared: PreparedUpload,
    raw: np.ndarray,
    *,
    feathered: FeatheredMask | None = None,
) -> Variant:
    """A decoded service output as a Variant over ``request.image`` (worker thread):
    pasted back through the feathered mask when ``request.wants_composite`` (only the
    blended window is made), placed back as a rectangle for a focus crop, else scaled to
    the whole photo once and cut to where it differs."""
    source = request.image
    if request.wants_composite and request.mask is not None:
        return paste_back_variant(
            source,
            raw,
            request.mask,
            feather_px=request.feather_px,
            crop=prepared.crop,
            feathered=feathered,
        )
    if prepared.crop is not None:
        x0, y0, x1, y1 = prepared.crop
        pixels = _match_channels(resize_pixels(raw, (x1 - x0, y1 - y0)), source.shape[2])
        return Variant(prepared.crop, np.array(pixels, np.uint8), tuple(source.shape))
    h, w = source.shape[:2]
    # scaled to the whole photo: keeps the result's own alpha, if any
    return Variant.of(np.array(resize_pixels(raw, (w, h))), source)


def feathered_mask(request: EditRequest) -> FeatheredMask | None:
    """The request's feathered mask, computed once for all its variants (None when the
    results are not pasted back through the mask)."""
    if request.wants_composite and request.mask is not None:
        return FeatheredMask.of(request.mask, request.feather_px)
    return None
