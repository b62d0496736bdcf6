"""The smooth low-frequency base of the offline fill: tone continued across the hole.

PatchMatch alone copies whole patches, tone included: on a smooth gradient each part of
the hole takes the tone of the border it copied from, which leaves a blotchy "pinwheel"
of sectors and a tone step at the hole's edge. The fill therefore splits the crop into
a smooth tone (this module) and a texture residual (crop - tone) that PatchMatch
continues. Inside the hole the tone is the thin-plate (biharmonic) continuation of the
surrounding tone, so gradients, vignettes and studio light fall-off continue with their
slope and curvature and without a seam.

Why a hand-built system, measured on tests/benchmarks/bench_fill_quality.py: OpenCV's
inpainting (Telea, Navier-Stokes) is no such solve and leaves a tone error of 1.6-2.4
levels on a plain linear gradient (the solve here: 0.1); a harmonic (Laplace) fill
misses curvature (vignette: 3.3 levels); scikit-image's biharmonic inpainting needs
SciPy, a large dependency for one small system, and interpolates the grain at the edge
into slopes. The tone is solved on a coarse grid (cells of BASE_CELL px, larger for huge
holes), so the dense system stays small; we write the second-derivative stencils and
the data terms, numpy's LAPACK does the solving.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

BASE_CELL = 8  # px per cell of the tone grid: finer detail is texture (PatchMatch's part)
MAX_UNKNOWNS = 1200  # unknown cells of the dense system (with the band: ~30 MB, ~0.1 s)
BAND = 2  # known cells this close to the hole are smoothed by the spline...
FIDELITY = 1.0  # ...at this cost per level squared of change (bench_fill_quality.py)


_R2 = math.sqrt(2.0)
# (offsets (dy, dx), coefficients): u_xx, u_yy and sqrt(2) u_xy on the cell grid
_STENCILS = (
    (((0, -1), (0, 0), (0, 1)), (1.0, -2.0, 1.0)),
    (((-1, 0), (0, 0), (1, 0)), (1.0, -2.0, 1.0)),
    (((0, 0), (0, 1), (1, 0), (1, 1)), (_R2, -_R2, -_R2, _R2)),
)


def _grid(hole: np.ndarray) -> tuple[int, int, np.ndarray]:
    """(width, height, known cells) of a tone grid with at most MAX_UNKNOWNS unknowns."""
    h, w = hole.shape
    cell = max(BASE_CELL, math.ceil(math.sqrt(np.count_nonzero(hole) / MAX_UNKNOWNS)))
    while True:
        sw, sh = max(1, round(w / cell)), max(1, round(h / cell))
        # a cell is known only when none of its pixels is in the hole
        frac = cv2.resize((~hole).astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
        known = frac > 0.999
        if np.count_nonzero(~known) <= MAX_UNKNOWNS:
            return sw, sh, known
        cell = math.ceil(cell * 1.25)


def biharmonic_fill(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``values`` (h, w, c) float with the unknown cells replaced by a thin-plate
    (biharmonic) continuation of the known ones: the surface with the least bending
    energy, so it continues slopes and curvature (vignettes, light fall-off), not
    only values. Known cells within BAND cells of the hole may move too, at a cost of
    FIDELITY per level squared (a smoothing spline): grain and small tone blotches at
    the edge are then not extrapolated into the hole as slopes. Least squares of the
    discrete second derivatives, solved through their normal equations (LAPACK)."""
    out = values.astype(np.float64, copy=True)
    unknown = ~known
    if not unknown.any():
        return out
    if not known.any():
        out[...] = values.reshape(-1, values.shape[2]).mean(axis=0)
        return out
    h, w = known.shape
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * BAND + 1, 2 * BAND + 1))
    free = cv2.dilate(unknown.astype(np.uint8), square) > 0  # unknowns + the band
    n = int(np.count_nonzero(free))
    index = np.full((h, w), -1, dtype=np.int64)
    ys, xs = np.nonzero(free)
    index[ys, xs] = np.arange(n)
    # thin-plate energy u_xx^2 + 2 u_xy^2 + u_yy^2, one row per stencil that lies inside
    # the grid (no made-up values beyond its border) and touches a free cell
    normal = np.zeros((n, n))
    target = np.zeros((n, values.shape[2]))
    for offsets, coefs in _STENCILS:
        dys, dxs = zip(*offsets, strict=True)
        oy, ox = -min(dys), -min(dxs)  # row anchors so that every offset stays inside
        if h - max(dys) <= oy or w - max(dxs) <= ox:
            continue  # a grid too thin for this stencil (a strip a few cells across)
        ay, ax = np.mgrid[oy : h - max(dys), ox : w - max(dxs)]
        ay, ax = ay.ravel(), ax.ravel()
        cells = np.stack([index[ay + dy, ax + dx] for dy, dx in offsets], axis=1)
        touches = (cells >= 0).any(axis=1)
        cells, ay, ax = cells[touches], ay[touches], ax[touches]
        fixed = np.zeros((len(ay), values.shape[2]))
        for k, (dy, dx) in enumerate(offsets):
            out_k = cells[:, k] < 0
            fixed[out_k] += coefs[k] * values[ay[out_k] + dy, ax[out_k] + dx]
        # accumulate the normal equations from each row's few non-zeros
        for i in range(len(offsets)):
            vi = cells[:, i] >= 0
            np.add.at(target, cells[vi, i], -coefs[i] * fixed[vi])
            for j in range(len(offsets)):
                v = vi & (cells[:, j] >= 0)
                np.add.at(normal, (cells[v, i], cells[v, j]), coefs[i] * coefs[j])
    # data terms: band cells stay near their values; a tiny pull to the mean tone keeps
    # regions with nothing known in reach solvable
    band = known[ys, xs]
    weight = np.where(band, FIDELITY, 1e-6)
    normal[np.arange(n), np.arange(n)] += weight
    target += weight[:, None] * np.where(band[:, None], values[ys, xs], values[known].mean(axis=0))
    out[ys, xs] = np.linalg.solve(normal, target)
    return out


def edge_strength(small: np.ndarray, known: np.ndarray) -> float:
    """The strongest tone edge around the hole, in levels: the largest second difference
    of the (lightly smoothed) known tone grid within a few cells of the hole. Measured
    (bench_fill_quality.py): gradients and vignettes 0.2-0.4, skin tone and heavy grain
    up to 1.9, a defocused edge 3.3, a hard horizon 20. A smooth tone cannot continue
    an edge."""
    weight = cv2.GaussianBlur(known.astype(np.float32), (0, 0), 1.0)
    summed = cv2.GaussianBlur(small * known[..., None], (0, 0), 1.0).reshape(small.shape)
    tone = summed / np.maximum(weight, 1e-6)[..., None]
    square = np.ones((2 * BAND + 5, 2 * BAND + 5), np.uint8)
    ring = (cv2.dilate((~known).astype(np.uint8), square) > 0) & (weight > 0.99)
    strongest = 0.0
    for kernel in (np.array([[1.0, -2.0, 1.0]], np.float32), np.array([[1.0], [-2.0], [1.0]])):
        second = np.abs(cv2.filter2D(tone, -1, kernel.astype(np.float32))).reshape(tone.shape)
        inside = cv2.erode(known.astype(np.uint8), np.ones(kernel.shape, np.uint8)) > 0
        cells = second.max(axis=2)[ring & inside]
        if cells.size:
            strongest = max(strongest, float(cells.max()))
    return strongest


def smooth_base(crop: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, float]:
    """(tone, edge): ``tone`` float32 (h, w, 3) is the low-frequency tone of ``crop``
    (uint8 RGB) with ``hole`` (bool, h x w) filled by the thin-plate continuation of the
    surrounding tone; ``edge`` is ``edge_strength`` around the hole (levels)."""
    h, w = hole.shape
    sw, sh, known = _grid(hole)
    small = cv2.resize(
        np.ascontiguousarray(crop[..., :3], dtype=np.float32),
        (sw, sh),
        interpolation=cv2.INTER_AREA,
    )
    small = small.reshape(sh, sw, 3)
    filled = biharmonic_fill(small, known).astype(np.float32)
    base = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
    return base.reshape(h, w, 3), edge_strength(small, known)
