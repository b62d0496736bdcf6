"""The mask's edge as the canvas draws it: a dashed black/white line along the 50 %
contour, in widget pixels, kept in a widget-sized ARGB32 cache per view.

The mask is sampled at widget pixel centres (as the zoomed photo and overlay are); a
widget pixel is on the edge where its sample differs from its right or lower
neighbour's. Zoomed in, many widget pixels share one source pixel: the samples come in
runs (a source pixel is a block of about zoom x zoom widget pixels), and two
neighbours can only differ across a run boundary. So the comparison is done once per
run on the small grid of distinct samples, and only the pixels that are on the edge,
a thin line, are worked out in widget pixels. At 400 % a brush dab's dirty rectangle is
16x the dab's source area: this keeps the work near the dab's size, not the rectangle's.
The dash keeps the mask visible on dark and light photos whatever the overlay colour;
its phase is anchored to the image, so a cache shifted by a whole-pixel pan stays exact.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage

from .viewport import Viewport, shift_buffer

_DASH = 4  # screen pixels per dash segment: black, white, black, ...
_DASH_CODE = np.array([1] * _DASH + [2] * _DASH, np.uint8)  # 1 = black, 2 = white
_DASH_COLOUR = np.array([0xFF000000] * _DASH + [0xFFFFFFFF] * _DASH, np.uint32)
Runs = tuple[np.ndarray, np.ndarray, np.ndarray]  # values, first and last positions


def _runs(codes: np.ndarray) -> Runs:
    """Runs of equal values in non-decreasing ``codes``: (their values, first and
    one-past-last positions)."""
    starts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    first = np.concatenate(([0], starts))
    last = np.concatenate((starts, [codes.size]))
    return codes[first], first, last


def _sample_codes(start: int, count: int, offset: float, zoom: float, size: int) -> np.ndarray:
    """Source indices sampled by widget pixels start .. start + count (pixel centres);
    -1 and ``size`` stand for anything left and right of the source (never inside)."""
    idx = np.floor((np.arange(start, start + count) + 0.5 - offset) / zoom).astype(np.intp)
    return np.clip(idx, -1, size, out=idx)


class AxisRuns:
    """The source index each widget position ``0 .. count - 1`` samples along one axis
    (as ``_sample_codes``), as runs of equal values: worked out once per view, so a dirty
    rectangle only slices them."""

    def __init__(self, count: int, offset: float, zoom: float, size: int) -> None:
        self.values, self.first, self.last = _runs(_sample_codes(0, count, offset, zoom, size))
        self.run_of = np.repeat(np.arange(self.values.size), self.last - self.first)

    def part(self, start: int, count: int) -> Runs:
        """The runs of positions ``start .. start + count - 1`` as ``_runs`` gives them
        (positions relative to ``start``)."""
        r0, r1 = int(self.run_of[start]), int(self.run_of[start + count - 1]) + 1
        first = self.first[r0:r1] - start
        last = self.last[r0:r1] - start
        first[0], last[-1] = 0, count
        return self.values[r0:r1], first, last


def _inside(mask: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Whether the mask is >= 128 at every (row, col) of the two ascending code lists
    (codes -1 and the size are outside the source: False)."""
    mh, mw = mask.shape
    grid = np.zeros((rows.size, cols.size), bool)
    ry = np.flatnonzero((rows >= 0) & (rows < mh))
    rx = np.flatnonzero((cols >= 0) & (cols < mw))
    if ry.size == 0 or rx.size == 0:
        return grid
    ys, xs = rows[ry], cols[rx]
    y0, x0 = int(ys[0]), int(xs[0])
    # rows first, then columns: whole rows read in order; compared first where the
    # window sampled is the smaller side (zoomed in)
    window = mask[y0 : int(ys[-1]) + 1, x0 : int(xs[-1]) + 1]
    if window.size <= ys.size * xs.size:
        hit = (window >= 128).take(ys - y0, axis=0).take(xs - x0, axis=1)
    else:  # take() copies a strided array whole first: rows of the whole width it is
        hit = mask[y0 : int(ys[-1]) + 1].take(ys - y0, axis=0).take(xs, axis=1) >= 128
    grid[ry[0] : ry[-1] + 1, rx[0] : rx[-1] + 1] = hit  # in-range codes are contiguous
    return grid


def _where(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a 2-D array (rows, columns), several times faster on small
    arrays by way of the flat indices."""
    rows, cols = np.divmod(np.flatnonzero(flags), flags.shape[1])
    return rows, cols


def sample_runs(
    mask: np.ndarray, vp: Viewport, x0: int, y0: int, w: int, h: int
) -> tuple[Runs, Runs]:
    """The runs of samples of widget pixels x0..x0+w, y0..y0+h (one beyond the rectangle
    on each axis: the last pixel's right and lower neighbours) along x and along y."""
    mh, mw = mask.shape
    z, ox, oy = vp.zoom, vp.offset.x(), vp.offset.y()
    return _runs(_sample_codes(x0, w + 1, ox, z, mw)), _runs(_sample_codes(y0, h + 1, oy, z, mh))


def edge_points(
    mask: np.ndarray,
    vp: Viewport,
    x0: int,
    y0: int,
    w: int,
    h: int,
    runs: tuple[Runs, Runs] | None = None,
    grid: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edge pixels in widget pixels x0..x0+w, y0..y0+h (see the module text): their
    rows and columns (relative to (x0, y0)) and dash phases (index ``_DASH_CODE`` and
    ``_DASH_COLOUR`` with them).
    ``runs`` (as ``sample_runs``) and ``grid`` (whether the mask is inside at each pair of
    runs) may come from a caller that has them already."""
    if runs is None:
        runs = sample_runs(mask, vp, x0, y0, w, h)
    (ux, fx, lx), (uy, fy, ly) = runs
    if grid is None:
        grid = _inside(mask, uy, ux)
    ox, oy = vp.offset.x(), vp.offset.y()
    rows = np.maximum(np.minimum(ly, h) - fy, 0)  # widget rows of each run (below h)
    cols = np.maximum(np.minimum(lx, w) - fx, 0)
    # across a column boundary: run k's last column differs from run k + 1's first;
    # spread over the widget rows of their row runs, then read off where it holds
    ys_a, k = _where(np.repeat(grid[:, :-1] != grid[:, 1:], rows, axis=0))
    xs_a = lx[k] - 1
    # across a row boundary, likewise over the widget columns
    i, xs_b = _where(np.repeat(grid[:-1, :] != grid[1:, :], cols, axis=1))
    ys_b = ly[i] - 1
    ys = np.concatenate((ys_a, ys_b))
    xs = np.concatenate((xs_a, xs_b))
    # the dash, anchored to the image: (x + y) // _DASH & 1 is bit 2 of (x + y) & 7
    dash = (xs + ys + (x0 - round(ox) + y0 - round(oy))) & 7
    return ys, xs, dash


def edge_pixels(mask: np.ndarray, vp: Viewport, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    """Edge of the mask (>= 128) in widget pixels x0..x0+w, y0..y0+h, sampled at pixel
    centres: 0 = none, 1 = black dash, 2 = white dash."""
    ys, xs, dash = edge_points(mask, vp, x0, y0, w, h)
    out = np.zeros((h, w), np.uint8)
    out[ys, xs] = _DASH_CODE[dash]
    return out


def edge_colours(mask: np.ndarray, vp: Viewport, w: int, h: int) -> np.ndarray:
    """The edge cache's pixels for the whole w x h view (premultiplied ARGB32)."""
    ys, xs, dash = edge_points(mask, vp, 0, 0, w, h)
    out = np.zeros((h, w), np.uint32)
    out[ys, xs] = _DASH_COLOUR[dash]
    return out


class EdgeLayer:
    """Widget-sized cache of the mask edge drawn as a black/white dash (ARGB32 premultiplied,
    the format the raster engine blends without conversion)."""

    def __init__(self) -> None:
        self._buf: np.ndarray | None = None
        self.image: QImage | None = None
        self.valid = False
        self._written = False  # anything but zeros written to the buffer

    def invalidate(self) -> None:
        """Forget the cache (view changed): it is rebuilt on the next paint."""
        self.valid = False

    def ensure(self, mask: np.ndarray, vp: Viewport, blank: bool = False) -> None:
        """Rebuild the whole cache if the view changed since it was built (``blank``: the
        mask is known to be all zero, so it has no edge to look for)."""
        w, h = vp.view_size.width(), vp.view_size.height()
        if self._buf is None or self._buf.shape != (h, w):
            self._buf = np.zeros((h, w), dtype=np.uint32)
            fmt = QImage.Format.Format_ARGB32_Premultiplied
            self.image = QImage(self._buf.data, w, h, w * 4, fmt)
            self.valid = self._written = False
        if self.valid:
            return
        if not blank:
            self.update(mask, vp, QRect(0, 0, w, h))
        elif self._written:
            self._buf.fill(0)
            self._written = False
        self.valid = True

    def scroll(self, dx: int, dy: int, mask: np.ndarray | None, vp: Viewport) -> None:
        """The view was panned by whole pixels (dx, dy): shift the cache and compute only
        the uncovered strips (sampling and dash phase move with the image, so this is exact)."""
        if not self.valid or self._buf is None or mask is None:
            return
        strips = shift_buffer(self._buf, dx, dy)
        if strips is None:
            self.valid = False
            return
        for strip in strips:
            self.update(mask, vp, strip)

    def adopt(self, pixels: np.ndarray) -> None:
        """Take ``edge_colours`` of the whole view, worked out elsewhere (a worker), as
        the cache itself: no pixel work on the caller's thread."""
        if self._buf is not None and pixels.shape == self._buf.shape:
            h, w = pixels.shape
            self._buf = pixels
            self._written = True
            fmt = QImage.Format.Format_ARGB32_Premultiplied
            self.image = QImage(pixels.data, w, h, w * 4, fmt)
        else:
            self.valid = False

    def update(
        self,
        mask: np.ndarray,
        vp: Viewport,
        widget_rect: QRect,
        runs: tuple[Runs, Runs] | None = None,
        grid: np.ndarray | None = None,
    ) -> None:
        """Recompute the edge inside ``widget_rect`` (widget pixels): clear it, then set
        the edge pixels only (``runs`` and ``grid`` as ``edge_points``, for exactly this
        rectangle, which must then lie inside the view)."""
        if self._buf is None:
            return
        bh, bw = self._buf.shape
        r = widget_rect.intersected(QRect(0, 0, bw, bh))
        if r.isEmpty():
            return
        x0, y0, w, h = r.left(), r.top(), r.width(), r.height()
        ys, xs, dash = edge_points(mask, vp, x0, y0, w, h, runs, grid)
        self._written = True
        out = self._buf[y0 : y0 + h, x0 : x0 + w]
        out.fill(0)
        out[ys, xs] = _DASH_COLOUR[dash]
