"""Exporting a variant as PNG at any photo size (prints figures, asserts nothing).

Run: python tests/benchmarks/bench_export.py --size 14204x10652

Writes one photo-sized RGB variant the way "Export all variants" does, in a worker
thread (as the window does), both ways in one run, alternating:
- streamed: ``export_image`` now, the PNG written band by band into the file;
- through Pillow: what it did before (Pillow's own 4-byte-a-pixel copy of the image,
  the encoded bytes gathered in memory, then written).
For each: seconds, how far the process's resident memory rose above the variant
(sampled every 0.5 ms), and the longest gap of a thread standing in for the UI thread
(which waits while the encoder holds the interpreter lock).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from benchsize import figure, megapixels, photo_size

from editor.ui.export import encode_image, export_image, write_file

RUNS = 2


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def variant(w: int, h: int) -> np.ndarray:
    """A photo-like RGB image (gradients and noise, built in bands)."""
    img = np.empty((h, w, 3), np.uint8)
    rng = np.random.default_rng(0)
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
    for y0 in range(0, h, 512):
        rows = min(512, h - y0)
        y = np.linspace(y0 / h * 255, (y0 + rows) / h * 255, rows, dtype=np.float32)[:, None]
        img[y0 : y0 + rows, :, 0] = (x + rng.integers(0, 12, (rows, w))).clip(0, 255)
        img[y0 : y0 + rows, :, 1] = np.broadcast_to(y, (rows, w))
        img[y0 : y0 + rows, :, 2] = ((x + y) / 2).astype(np.uint8)
    return img


def measured(work: Callable[[], object]) -> tuple[float, float, float]:
    """Run ``work`` in a thread: (seconds, RSS rise in MB, longest main-thread gap in ms)."""
    base = rss_mb()
    done = threading.Event()

    def run() -> None:
        try:
            work()
        finally:
            done.set()

    thread = threading.Thread(target=run)
    t0 = last = time.perf_counter()
    peak, gap = base, 0.0
    thread.start()
    while not done.is_set():
        time.sleep(0.0005)
        now = time.perf_counter()
        gap, last = max(gap, now - last), now
        peak = max(peak, rss_mb())
    thread.join()
    return time.perf_counter() - t0, peak - base, gap * 1000


def main() -> None:
    w, h = photo_size()
    img = variant(w, h)
    meta = {"Prompt": "a red scarf", "Seed": "42"}
    print(f"export benchmark at {w}x{h} ({megapixels((w, h))}), {img.nbytes / 1e6:.0f} MB variant")
    ways = {
        "streamed": lambda path: export_image(img, path, meta),
        "through Pillow (before)": lambda path: write_file(path, encode_image(img, "png", meta)),
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in ways}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(RUNS):
            for name, way in ways.items():
                path = Path(folder) / f"{run}-{len(sizes)}.png"
                results[name].append(measured(lambda way=way, path=path: way(path)))
                sizes[name] = path.stat().st_size
                path.unlink()
    for name, rows in results.items():
        seconds, rise, gap = (statistics.median(col) for col in zip(*rows, strict=True))
        figure(f"export a variant PNG, {name}", seconds, "s")
        figure(f"export a variant PNG, {name}: memory above the variant", rise, "MB")
        figure(f"export a variant PNG, {name}: longest UI-thread gap", gap, "ms")
        figure(f"export a variant PNG, {name}: file size", sizes[name] / 1e6, "MB")
    new, old = (statistics.median(r[1] for r in results[n]) for n in ways)
    figure("export memory, streamed vs through Pillow, in this run", new / old, "x")


if __name__ == "__main__":
    main()
