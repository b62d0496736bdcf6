"""Putting a service's result back into the source photo.

The result is scaled to the size of the region it covers (the whole source or the
focus crop) and blended in through the feathered mask, so every pixel farther than
``feather_px`` from the mask stays bit-identical to the source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from editor.core.errors import EditorError
from editor.core.mask import bounding_box, feather
from editor.core.prepare import Box, resize_pixels

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
    return np.asarray(im.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS, box=box))


def _blend(src: np.ndarray, res: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha.astype(np.uint32)[..., None]
    mixed = src.astype(np.uint32) * (255 - a) + res.astype(np.uint32) * a + 127
    return (mixed // 255).astype(np.uint8)


def paste_back(
    source: np.ndarray,
    result: np.ndarray,
    mask: np.ndarray,
    *,
    feather_px: int,
    crop: Box | None = None,
) -> np.ndarray:
    """Blend ``result`` (any size; covers ``crop`` or the whole source) into a copy of
    ``source`` through ``mask`` feathered by ``feather_px``. Output size == source size."""
    h, w = source.shape[:2]
    if mask.shape != (h, w):
        raise EditorError(
            f"The mask is {mask.shape[1]}x{mask.shape[0]} but the image is {w}x{h}; "
            "they must match."
        )
    out = source.copy()
    cx0, cy0, cx1, cy1 = crop or (0, 0, w, h)
    alpha = feather(mask, feather_px)[cy0:cy1, cx0:cx1]
    part = bounding_box(alpha)
    if part is None:
        return out
    x0, y0, x1, y1 = part
    res = scale_result(result, (cx1 - cx0, cy1 - cy0), part)
    # blend the colour; blend alpha only when both have it (else the source's is kept)
    channels = 4 if source.shape[2] == 4 and res.ndim == 3 and res.shape[2] == 4 else 3
    window = out[cy0 + y0 : cy0 + y1, cx0 + x0 : cx0 + x1, :channels]
    window[...] = _blend(window, _match_channels(res, channels), alpha[y0:y1, x0:x1])
    return out


def finish_result(request: EditRequest, prepared: PreparedUpload, raw: np.ndarray) -> np.ndarray:
    """Turn a decoded service output into an image at the source's size: pasted back
    through the feathered mask when ``request.wants_composite``, else scaled to fit
    (a focus crop is then placed back as a rectangle)."""
    source = request.image
    channels = source.shape[2]
    if request.wants_composite and request.mask is not None:
        return paste_back(
            source, raw, request.mask, feather_px=request.feather_px, crop=prepared.crop
        )
    if prepared.crop is None:
        h, w = source.shape[:2]
        return np.array(resize_pixels(raw, (w, h)))  # keeps the result's own alpha, if any
    x0, y0, x1, y1 = prepared.crop
    out = source.copy()
    out[y0:y1, x0:x1] = _match_channels(resize_pixels(raw, (x1 - x0, y1 - y0)), channels)
    return out
