"""Full-mask operations through the document's mask worker, without Qt (prints figures,
asserts nothing): a quicker look at the core side of what bench_canvas.py measures.

Run: python tests/benchmarks/bench_maskops.py --size 11648x8736 [--repeat 3] [--only feather]

The mask is the canvas benchmark's: a feathered ellipse over 70 % of the photo plus 50
soft 60 px strokes. Each operation (cumulative, as in the canvas benchmark) runs through
``MaskWork.edit`` as the canvas starts it (``edge_changes`` where it has a path), then its
undo and its redo; each figure is the median of ``--repeat`` runs (each repeat undoes the
last one first, so every run starts from the same mask). A 1 ms heartbeat thread
measures the longest time the worker kept the interpreter lock from another thread (the
UI thread's share of a stall; the canvas benchmark measures the real one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cv2
import numpy as np
from benchsize import figure, megapixels, photo_size

from editor.core import mask as mask_ops
from editor.core.document import MASK_OPS, Document
from editor.core.mask import edge_changes
from editor.core.mask_records import Rect

W, H = photo_size()
OP_PX = {"grow": 20, "shrink": 20, "feather": 40}


def bench_mask() -> np.ndarray:
    """The canvas benchmark's mask: a feathered ellipse and 50 soft strokes."""
    ellipse = np.zeros((H, W), np.uint8)
    cv2.ellipse(ellipse, (W // 2, H // 2), (int(0.35 * W), int(0.35 * H)), 0, 0, 360, 255, -1)
    mask = mask_ops.feather(ellipse, 30)
    del ellipse
    for k in range(50):
        x = int(200 + (k % 10) * (W - 1000) / 10)
        y = int(300 + (k // 10) * (H - 600) / 5)
        x0, y0, x1, y1 = max(0, x - 40), max(0, y - 40), min(W, x + 540), min(H, y + 41)
        spot = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.line(spot, (x - x0, y - y0), (x + 500 - x0, y - y0), 255, 45)
        spot = cv2.GaussianBlur(spot, (0, 0), 5)
        np.maximum(mask[y0:y1, x0:x1], spot, out=mask[y0:y1, x0:x1])
    return mask


class Beat:
    """A 1 ms sleeper thread: its longest gap is the longest the lock was kept from it."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            self.gaps.append((now - last) * 1000)
            last = now

    def start(self) -> None:
        self.gaps = []
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        return max(self.gaps, default=0.0)


def timed(beat: Beat, start: object, work: object) -> tuple[float, float]:
    beat.start()
    t = time.perf_counter()
    assert callable(start)
    started = start()
    assert started is not False, "the worker did not take the job"
    assert callable(work)
    work()
    ms = (time.perf_counter() - t) * 1000
    return ms, beat.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated operation names")
    args = parser.parse_args()
    names = [n for n in ("invert", "grow", "shrink", "feather", "clear", "fill")]
    only = [n for n in args.only.split(",") if n]
    print(f"mask operations at {W}x{H} ({megapixels((W, H))}), load {os.getloadavg()[0]:.2f}")
    doc = Document()
    doc.set_image(np.zeros((H, W, 3), np.uint8), bench_mask())  # zeros: mapped lazily
    work = doc.mask_work
    beat = Beat()
    for name in names:
        px = OP_PX.get(name, 0)
        func = MASK_OPS[name][1]

        def compute(
            mask: np.ndarray, name: str = name, px: int = px, func: object = func
        ) -> np.ndarray | list[tuple[Rect, np.ndarray]]:
            changes = edge_changes(name, mask, px)
            assert callable(func)
            return func(mask, px) if changes is None else changes

        if only and name not in only:
            # keep the mask sequence of the full run
            work.edit(compute, name, invert=name == "invert")
            work.settle()
            continue
        runs: dict[str, list[tuple[float, float]]] = {"op": [], "undo": [], "redo": []}
        for i in range(args.repeat):
            runs["op"].append(
                timed(
                    beat,
                    lambda c=compute, n=name: work.edit(c, n, invert=n == "invert"),
                    work.settle,
                )
            )
            runs["undo"].append(timed(beat, work.undo, work.settle))
            runs["redo"].append(timed(beat, work.redo, work.settle))
            if i + 1 < args.repeat:
                work.undo()
                work.settle()
        for kind in ("op", "undo", "redo"):
            label = f"{name} full mask" if kind == "op" else f"{kind} {name}"
            figure(label, statistics.median(r[0] for r in runs[kind]), "ms")
            figure(f"{label} longest lock hold", max(r[1] for r in runs[kind]), "ms")


if __name__ == "__main__":
    main()
