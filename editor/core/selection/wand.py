"""Magic wand and colour range: selections by colour, on the source's own pixels.

Magic wand: every pixel whose channels each differ from the clicked colour by at most
``tolerance`` (OpenCV's fixed-range flood fill for a contiguous region, ``inRange`` for
the whole photo). Both run at full resolution: measured on this machine, a fill of
80 MP of a 100 MP photo costs ~0.2 s and ``inRange`` ~0.13 s, so a downscaled copy
would only lose thin details without saving noticeable time.

Colour range: a soft mask, 255 at the picked colour falling linearly to 0 at a CIELAB
distance (Delta E 1976) of ``fuzziness``. ``colour_range_preview`` runs on a ``Preview``
(a downscaled copy, ~25 ms at 1 MP) for a live slider; ``colour_range`` computes the
same rule at full resolution in bands of rows, so its memory stays a few MB above the
result and OpenCV (which releases the interpreter lock) does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from editor.core.selection.region import (
    Preview,
    Selection,
    SelectionCancelled,
    SelectionError,
    clamp_point,
    rgb,
)

_BAND_PIXELS = 1 << 18  # a band's float32 temporaries stay a few MB (in cache)
Colour = tuple[int, int, int]


def sample_colour(image: np.ndarray, x: float, y: float, radius: int = 0) -> Colour:
    """The RGB colour at (x, y), averaged over a (2 * radius + 1) square when radius > 0."""
    ix, iy = clamp_point(image.shape, x, y)
    h, w = image.shape[:2]
    r = max(0, int(radius))
    patch = rgb(image[max(0, iy - r) : min(h, iy + r + 1), max(0, ix - r) : min(w, ix + r + 1)])
    mean = patch.reshape(-1, 3).mean(axis=0)
    return round(float(mean[0])), round(float(mean[1])), round(float(mean[2]))


def _check_tolerance(tolerance: int) -> int:
    tol = int(tolerance)
    if not 0 <= tol <= 255:
        raise SelectionError(f"Tolerance {tol} is out of range; use 0 to 255.")
    return tol


def magic_wand(
    image: np.ndarray,
    x: float,
    y: float,
    *,
    tolerance: int = 32,
    contiguous: bool = True,
    sample_radius: int = 0,
) -> Selection:
    """Pixels similar to the colour at (x, y): each channel within ``tolerance`` (0-255)
    of it. ``contiguous`` keeps only the 4-connected region around the click; otherwise
    every such pixel of the photo. Full resolution; the result is 0/255."""
    tol = _check_tolerance(tolerance)
    ix, iy = clamp_point(image.shape, x, y)
    pixels = rgb(image)
    h, w = pixels.shape[:2]
    colour = sample_colour(pixels, ix, iy, sample_radius)
    if not contiguous:
        lo = tuple(max(0, c - tol) for c in colour)
        hi = tuple(min(255, c + tol) for c in colour)
        return Selection.of(cv2.inRange(pixels, lo, hi), (0, 0), (h, w))
    if sample_radius > 0:
        # the fill compares against the seed pixel: start it from one inside the range
        # of the averaged colour, the nearest to the click
        seed = _nearest_in_range(pixels, ix, iy, colour, tol)
        if seed is None:  # nothing near the click is within tolerance of its average
            return Selection.empty((h, w))
        ix, iy = seed
    seed_colour = pixels[iy, ix].astype(int)
    lo_diff = tuple(
        float(max(0, s - max(0, c - tol))) for s, c in zip(seed_colour, colour, strict=True)
    )
    hi_diff = tuple(
        float(max(0, min(255, c + tol) - s)) for s, c in zip(seed_colour, colour, strict=True)
    )
    fill = np.zeros((h + 2, w + 2), dtype=np.uint8)
    flags = 4 | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (255 << 8)
    _, _, _, (bx, by, bw, bh) = cv2.floodFill(pixels, fill, (ix, iy), 0, lo_diff, hi_diff, flags)
    values = fill[by + 1 : by + 1 + bh, bx + 1 : bx + 1 + bw]
    return Selection.of(values, (bx, by), (h, w))


def _nearest_in_range(
    pixels: np.ndarray, x: int, y: int, colour: Colour, tol: int
) -> tuple[int, int] | None:
    h, w = pixels.shape[:2]
    for r in (0, 1, 2, 4, 8):
        y0, x0 = max(0, y - r), max(0, x - r)
        win = pixels[y0 : min(h, y + r + 1), x0 : min(w, x + r + 1)].astype(np.int16)
        ok = (np.abs(win - np.array(colour, dtype=np.int16)) <= tol).all(axis=2)
        ys, xs = np.nonzero(ok)
        if ys.size:
            k = int(np.argmin((ys + y0 - y) ** 2 + (xs + x0 - x) ** 2))
            return int(xs[k] + x0), int(ys[k] + y0)
    return None


def _lab(colour: Colour) -> tuple[int, int, int]:
    """The colour in OpenCV's 8-bit Lab (what the photo's pixels are compared in)."""
    px = np.array([[colour]], dtype=np.uint8)
    lab = cv2.cvtColor(px, cv2.COLOR_RGB2Lab).reshape(3)
    return int(lab[0]), int(lab[1]), int(lab[2])


def _square_table() -> np.ndarray:
    # OpenCV's 8-bit Lab stores L * 255 / 100 and a, b + 128: the table gives each
    # channel's squared difference in Delta E units (the a, b offsets cancel)
    d = np.arange(256, dtype=np.float32)
    weights = ((100.0 / 255.0) ** 2, 1.0, 1.0)
    return np.stack([w * d * d for w in weights], axis=-1).reshape(256, 1, 3).astype(np.float32)


_SQUARES = _square_table()
_SUM = np.ones((1, 3), dtype=np.float32)


def _soft_values(pixels: np.ndarray, target: tuple[int, int, int], fuzziness: float) -> np.ndarray:
    lab = cv2.cvtColor(pixels, cv2.COLOR_RGB2Lab)
    scalar = (float(target[0]), float(target[1]), float(target[2]), 0.0)
    diff = cv2.absdiff(lab, scalar)  # type: ignore[call-overload]  # stubs lack Scalar
    dist = cv2.transform(cv2.LUT(diff, _SQUARES), _SUM)  # squared Delta E
    cv2.sqrt(dist, dst=dist)
    if fuzziness <= 0:
        return np.where(dist < 0.5, np.uint8(255), np.uint8(0)).reshape(dist.shape[:2])
    # 255 * (1 - d / fuzziness), from 0 at d >= fuzziness (convertScaleAbs takes |x|)
    np.minimum(dist, np.float32(fuzziness), out=dist)
    return cv2.convertScaleAbs(dist, alpha=-255.0 / fuzziness, beta=255.0).reshape(dist.shape[:2])


def _check_fuzziness(fuzziness: float) -> float:
    f = float(fuzziness)
    if not 0.0 <= f <= 200.0:
        raise SelectionError(f"Fuzziness {f:g} is out of range; use 0 to 200.")
    return f


def colour_range_preview(preview: Preview, colour: Colour, fuzziness: float = 40.0) -> np.ndarray:
    """The colour range mask of the downscaled ``preview`` (its size, not the source's):
    cheap enough to recompute on every slider move."""
    fuzz = _check_fuzziness(fuzziness)
    return _soft_values(preview.image, _lab(colour), fuzz)


def colour_range(
    image: np.ndarray,
    colour: Colour,
    fuzziness: float = 40.0,
    *,
    stop: Callable[[], bool] | None = None,
) -> Selection:
    """Soft selection of the pixels near ``colour``: 255 at the colour, falling linearly
    to 0 at a CIELAB distance of ``fuzziness`` (0-200). Full resolution, in bands;
    ``stop`` is asked between bands (a newer slider value) and True raises
    ``SelectionCancelled``."""
    fuzz = _check_fuzziness(fuzziness)
    pixels = rgb(image)
    h, w = pixels.shape[:2]
    target = _lab(colour)
    out = np.empty((h, w), dtype=np.uint8)
    rows = max(1, _BAND_PIXELS // w)
    for y in range(0, h, rows):
        if stop is not None and stop():
            raise SelectionCancelled("The colour range was cancelled.")
        out[y : y + rows] = _soft_values(pixels[y : y + rows], target, fuzz)
    return Selection.of(out, (0, 0), (h, w))
