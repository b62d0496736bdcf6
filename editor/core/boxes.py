"""Rectangles of one image's pixels, and copying between arrays that hold two of them.

A box is (x0, y0, x1, y1) in the image's pixels, end-exclusive. Crops of a large photo
(a variant's changed window, a selection, an undo tile) are arrays holding one box each;
``paste_overlap`` copies one into another where their boxes overlap. No Qt here.
"""

from __future__ import annotations

import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1, end-exclusive


def paste_overlap(dst: np.ndarray, dst_box: Box, src: np.ndarray, src_box: Box) -> None:
    """Copy ``src`` (the pixels of ``src_box``) into ``dst`` (the pixels of ``dst_box``)
    wherever the two boxes overlap; nothing when they do not."""
    dx0, dy0, dx1, dy1 = dst_box
    sx0, sy0, sx1, sy1 = src_box
    ix0, iy0, ix1, iy1 = max(dx0, sx0), max(dy0, sy0), min(dx1, sx1), min(dy1, sy1)
    if ix0 < ix1 and iy0 < iy1:
        dst[iy0 - dy0 : iy1 - dy0, ix0 - dx0 : ix1 - dx0] = src[
            iy0 - sy0 : iy1 - sy0, ix0 - sx0 : ix1 - sx0
        ]
