"""Offline fill quality, old (PatchMatch on the photo) vs new (smooth tone + PatchMatch
texture), on generated photos with an object removed. Prints a table, never asserts.

Run: python tests/benchmarks/bench_fill_quality.py [--no-timing | --timing-only] [--png PATH]
        [--size 11648x8736]

The quality table is at 640x480; the timing (old and new on a 200x200 hole in a sky,
the size-bound part) runs at ``--size`` (default 6000x4000) and reports through figure().

Each scene is a background (the ground truth) with a disc-shaped "object" pasted on it;
the mask covers the object plus a 5 px margin, as a user paints it. Metrics inside the
hole, mean over 2 variants of the scene x 2 seeds (levels are 0-255):
  lf     tone error: mean |blur(result) - blur(truth)|, Gaussian sigma 4 px
  halo   the same on the ring 0-6 px inside the hole's edge (sigma 2 px)
  seam   mean gradient magnitude across the edge (+-1 px), result / truth (1 = no seam)
  hf     texture: high-frequency std (image - blur sigma 1.5), result / truth (1 = kept)
  ms     time per fill at 640x480
  edge   the largest edge strength the new fill measured (> fill.EDGE_LIMIT: PatchMatch
         alone, as before)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchsize import figure, megapixels, photo_size

from editor.core import fill, smoothfill
from editor.core.fill import contextual_fill

H, W = 480, 640
CENTRE, RADIUS, MARGIN = (330, 250), 72, 5
PNG_SCENE = "clean gradient"


def _field(rng: np.random.Generator, sigma: float) -> np.ndarray:
    """A smooth random field in about -1..1 (blurred white noise)."""
    f = cv2.GaussianBlur(rng.normal(0, 1, (H, W)).astype(np.float32), (0, 0), sigma)
    return f / (np.abs(f).max() + 1e-9)


def _grain(rng: np.random.Generator, std: float, blur: float = 0.0) -> np.ndarray:
    g = rng.normal(0, 1, (H, W, 3)).astype(np.float32)
    if blur:
        g = cv2.GaussianBlur(g, (0, 0), blur)
    return g * (std / g.std())


SCENES = (
    "sky gradient",
    "clean gradient",
    "studio falloff",
    "vignette",
    "skin",
    "fabric",
    "gradient + grain",
    "horizon",
    "soft edge",
)


def scene(name: str, variant: int = 0) -> np.ndarray:
    """A deterministic background (uint8 H x W x 3): the ground truth of one case;
    ``variant`` draws another grain and tone pattern of the same kind."""
    rng = np.random.default_rng([SCENES.index(name), variant])
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    t = (0.85 * yy + 0.35 * xx) / (0.85 * H + 0.35 * W)
    sky = np.stack([40 + 170 * t, 90 + 130 * t, 190 + 55 * t], -1)
    if name == "sky gradient":
        out = sky + _grain(rng, 1.2)
    elif name == "clean gradient":  # a rendered or denoised backdrop
        out = sky + _grain(rng, 0.4)
    elif name == "studio falloff":
        r = np.hypot(xx - 180, yy - 140) / 520
        out = np.array([150, 160, 175]) * (1.15 - 0.9 * r**1.6)[..., None] + _grain(rng, 1.5)
    elif name == "vignette":
        rv = np.hypot(xx - W / 2, yy - H / 2) / np.hypot(W / 2, H / 2)
        out = np.array([215, 185, 150]) * (1 - 0.75 * rv**2)[..., None] + _grain(rng, 1.5)
    elif name == "skin":  # low-frequency tone, fine pores noise, a few darker pores
        tone = 1 + 0.07 * _field(rng, 45) + 0.03 * _field(rng, 12)
        pores = _grain(rng, 5.0, 0.8)[..., :1] * np.array([1.0, 0.9, 0.85], np.float32)
        dots = cv2.GaussianBlur((rng.random((H, W)) < 0.004).astype(np.float32), (0, 0), 1.2)
        out = np.array([205, 152, 128]) * tone[..., None] + pores - 140 * dots[..., None]
    elif name == "fabric":  # plain weave, 8 px threads, a soft fold, grain
        period = 8.0
        warp = np.sin(np.pi * xx / period) ** 2
        weft = np.sin(np.pi * yy / period) ** 2
        over = ((np.floor(xx / period) + np.floor(yy / period)) % 2).astype(np.float32)
        weave = over * warp + (1 - over) * weft
        fold = 1 + 0.12 * _field(rng, 60)
        out = np.array([70, 95, 150]) * ((0.7 + 0.45 * weave) * fold)[..., None]
        out = out + _grain(rng, 3.0)
    elif name == "gradient + grain":
        out = sky * 0.8 + 30 + _grain(rng, 7.0, 0.7)
    elif name == "horizon":  # a hard, slightly tilted edge right through the hole
        below = np.clip(yy - (250 + 0.08 * (xx - 330)) + 0.5, 0, 1)[..., None]
        upper = np.stack([120 + 0.1 * yy, 160 + 0.1 * yy, 220 + 0 * yy], -1)
        lower = np.stack([30 + 0.05 * yy, 70 + 0.05 * yy, 110 + 0 * yy], -1)
        out = upper * (1 - below) + lower * below + _grain(rng, 2.0)
    else:  # soft edge: a defocused background edge, 40 levels over ~25 px, across the hole
        a = (1 / (1 + np.exp(-(xx - 300) / 6)))[..., None]
        out = np.array([150, 140, 130]) - np.array([40, 40, 30]) * a + _grain(rng, 1.5)
    return np.clip(out, 0, 255).round().astype(np.uint8)


def with_object(truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(photo with a dark antialiased disc pasted on, mask = disc + MARGIN px)."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    d = np.hypot(xx - CENTRE[0], yy - CENTRE[1])
    alpha = np.clip(RADIUS + 0.5 - d, 0, 1)[..., None]
    obj = np.array([35, 30, 25], np.float32) + 20 * np.sin(xx / 5)[..., None]
    photo = (truth * (1 - alpha) + obj * alpha).round().astype(np.uint8)
    mask = ((d <= RADIUS + MARGIN) * 255).astype(np.uint8)
    return photo, mask


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigma)


def metrics(result: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    hole = mask > 0
    inside = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 5)
    outside = cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, 5)
    ring = hole & (inside <= 6)
    edge = ((inside > 0) & (inside <= 1.5)) | ((outside > 0) & (outside <= 1.5))
    core = inside > 3

    def grad(img: np.ndarray) -> np.ndarray:
        g = img.astype(np.float32).mean(axis=2)
        return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))

    def hf(img: np.ndarray) -> float:
        g = img.astype(np.float32).mean(axis=2)
        return float((g - _blur(g, 1.5))[core].std())

    return {
        "lf": float(np.abs(_blur(result, 4) - _blur(truth, 4))[hole].mean()),
        "halo": float(np.abs(_blur(result, 2) - _blur(truth, 2))[ring].mean()),
        "seam": float(grad(result)[edge].mean() / grad(truth)[edge].mean()),
        "hf": hf(result) / hf(truth),
    }


@contextmanager
def old_algorithm() -> Iterator[None]:
    """The fill as it was: PatchMatch on the photo itself (no smooth tone base)."""
    new = fill._fill_crop
    fill._fill_crop = fill._patchmatch_at_scale
    try:
        yield
    finally:
        fill._fill_crop = new


EDGES: list[float] = []  # edge strength of each region the new fill saw


def _recording_smooth_base(crop: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, float]:
    base, edge = smoothfill.smooth_base(crop, hole)
    EDGES.append(edge)
    return base, edge


def run(algorithm: str, image: np.ndarray, mask: np.ndarray, seed: int) -> np.ndarray:
    if algorithm == "old":
        with old_algorithm():
            return contextual_fill(image, mask, seed=seed)
    fill.smooth_base = _recording_smooth_base
    try:
        return contextual_fill(image, mask, seed=seed)
    finally:
        fill.smooth_base = smoothfill.smooth_base


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def quality_table() -> dict[str, np.ndarray]:
    print(
        f"{'scene':<18} {'algo':<4} {'lf':>6} {'halo':>6} {'seam':>6} {'hf':>6} {'ms':>6}"
        f" {'edge':>5}"
    )
    gradient: dict[str, np.ndarray] = {}
    for name in SCENES:
        for algorithm in ("old", "new"):
            rows, times = [], []
            EDGES.clear()
            for variant, seed in ((0, 1), (0, 2), (1, 3), (1, 4)):
                truth = scene(name, variant)
                photo, mask = with_object(truth)
                t0 = time.perf_counter()
                result = run(algorithm, photo, mask, seed)
                times.append((time.perf_counter() - t0) * 1000)
                rows.append(metrics(result, truth, mask))
                if name == PNG_SCENE and seed == 1:
                    gradient[algorithm] = result
                    gradient["truth"], gradient["photo"] = truth, photo
            m = {k: statistics.mean(r[k] for r in rows) for k in rows[0]}
            print(
                f"{name:<18} {algorithm:<4} {m['lf']:6.2f} {m['halo']:6.2f} {m['seam']:6.2f}"
                f" {m['hf']:6.2f} {statistics.median(times):6.0f}"
                + (f" {max(EDGES):5.1f}" if EDGES else "")
            )
    return gradient


def timing(size: tuple[int, int]) -> None:
    """A 200x200 hole in a sky of ``size`` (the new fill takes its smooth path there);
    old and new runs interleave, as the machine is shared."""
    rng = np.random.default_rng(0)
    w, h = size
    t = 0.7 * np.linspace(0, 1, h, dtype=np.float32)[:, None]
    t = t + 0.3 * np.linspace(0, 1, w, dtype=np.float32)[None, :]
    photo = np.empty((h, w, 3), np.uint8)
    for c, (low, span) in enumerate(((40, 170), (90, 130), (190, 55))):
        noise = rng.normal(0, 1.2, (h, w)).astype(np.float32)
        photo[..., c] = np.clip(low + span * t + noise, 0, 255).astype(np.uint8)
        del noise
    del t
    mask = np.zeros((h, w), np.uint8)
    mask[h // 2 - 100 : h // 2 + 100, w // 2 - 100 : w // 2 + 100] = 255
    times: dict[str, list[float]] = {"old": [], "new": []}
    for _ in range(3):
        for algorithm, runs in times.items():
            runs.append(median_ms(lambda a=algorithm: run(a, photo, mask, 1), 1))
    print(f"{megapixels(size)} photo ({w}x{h}), 200x200 hole in a sky, median of 3:")
    for algorithm, runs in times.items():
        figure(
            f"fill a 200x200 hole in a sky, {algorithm} algorithm",
            statistics.median(runs),
            "ms",
            note=f"min {min(runs):.0f} ms",
        )


def save_side_by_side(gradient: dict[str, np.ndarray], path: Path) -> None:
    """Truth | with object | old | new around the hole; second row: the tone error
    (blurred difference from the truth, sigma 2 px) x12, mid-grey = exact, which shows
    the pinwheel and halo plainly."""
    cx, cy = CENTRE
    half = RADIUS + 48
    box = (slice(cy - half, cy + half), slice(cx - half, cx + half))
    tiles = [gradient[k][box] for k in ("truth", "photo", "old", "new")]
    truth = gradient["truth"][box].astype(np.float32)
    diffs = [
        np.clip((t.astype(np.float32) - truth) * 8 + 128, 0, 255).astype(np.uint8) for t in tiles
    ]
    gap = np.full((2 * half, 6, 3), 255, np.uint8)

    def row(items: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([x for t in items for x in (t, gap)][:-1], axis=1)

    top, bottom = row(tiles), row(diffs)
    sheet = np.concatenate([top, np.full((6, top.shape[1], 3), 255, np.uint8), bottom], axis=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).save(path)
    print(f"saved {path} (truth | with object | old | new; row 2: tone error x12)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = photo_size()
    parser.add_argument("--no-timing", action="store_true", help="skip the timing at --size")
    parser.add_argument("--timing-only", action="store_true", help="only the timing at --size")
    parser.add_argument(
        "--png",
        type=Path,
        default=Path(__file__).resolve().parents[2]
        / "docs/screenshots/fill-gradient-before-after.png",
    )
    args = parser.parse_args()
    if not args.timing_only:
        gradient = quality_table()
        save_side_by_side(gradient, args.png)
    if not args.no_timing:
        timing(size)


if __name__ == "__main__":
    main()
