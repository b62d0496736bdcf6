"""Selection, combine and advisor timings at one photo size (default 24 MP, 6000x4000).

Synthetic photos with clear objects (tests/core/selection_scenes.py: a red disc and a
green block on a blue, noisy background). Prints median (and best) wall time of each
tool; never asserts. The machine is shared: read the min as the unloaded figure.

Run: python tests/benchmarks/bench_selection.py [--size 11648x8736] [--gil]
With --gil each tool also runs once in a worker thread while the main thread (standing
in for the UI) wakes every 0.5 ms: "UI stall" is its longest gap (gil_probe.py).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from benchsize import figure, megapixels, photo_size  # noqa: E402
from selection_scenes import DISC, block_box, disc_mask, iou, scene  # noqa: E402

from editor.core.advisor import advise_resolution  # noqa: E402
from editor.core.combine import SourceInfo, VariantCombiner  # noqa: E402
from editor.core.selection import (  # noqa: E402
    Preview,
    apply_selection,
    colour_range,
    colour_range_preview,
    difference_mask,
    magic_wand,
    object_from_box,
    refine_object,
)

PROBE = "--gil" in sys.argv


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times), out


def row(name: str, fn: Callable[[], object], runs: int = 3) -> object:
    med, best, out = timed(fn, runs)
    stall = ""
    if PROBE:
        from gil_probe import longest_gap

        stall = f"; UI stall {longest_gap(fn)[0]:.0f} ms"
    figure(name, med, "ms", note=f"min {best:.0f} ms{stall}")
    return out


def bench(w: int, h: int) -> None:
    print(f"{megapixels((w, h))}: {w}x{h}", flush=True)
    t0 = time.perf_counter()
    photo = scene(w, h)
    truth = disc_mask(w, h)
    print(f"  (scene built in {time.perf_counter() - t0:.1f} s)")
    mask = np.zeros((h, w), dtype=np.uint8)
    r = h // 4

    sel = row(
        "magic wand, contiguous (the disc)", lambda: magic_wand(photo, w // 2, h // 2, tolerance=24)
    )
    print(f"    IoU with the true disc {iou(sel.full(), truth):.4f}")  # type: ignore[union-attr]
    row(
        "magic wand, contiguous (the background)", lambda: magic_wand(photo, 5, h - 5, tolerance=24)
    )
    row(
        "magic wand, global",
        lambda: magic_wand(photo, w // 2, h // 2, tolerance=24, contiguous=False),
    )
    row("apply_selection add (one undo record)", lambda: apply_selection(mask, sel, "add"))  # type: ignore[arg-type]

    preview = row("Preview.of (1 MP copy, once per photo)", lambda: Preview.of(photo), runs=2)
    row("colour range preview (1 MP)", lambda: colour_range_preview(preview, DISC, 30), runs=5)  # type: ignore[arg-type]
    sel_cr = row("colour range, full resolution", lambda: colour_range(photo, DISC, 30), runs=2)
    print(f"    IoU with the true disc {iou(sel_cr.full(), truth):.4f}")  # type: ignore[union-attr]

    box = (w // 2 - r - r // 8, h // 2 - r - r // 8, w // 2 + r + r // 8, h // 2 + r + r // 8)
    prop = row(
        "object from a box (GrabCut + full-res edge)", lambda: object_from_box(photo, box), runs=2
    )
    print(f"    IoU with the true disc {iou(prop.selection.full(), truth):.4f}")  # type: ignore[union-attr]
    keep = np.zeros((h, w), dtype=np.uint8)
    x0, y0, x1, y1 = block_box(w, h)
    keep[h // 2 - 20 : h // 2 + 20, w // 2 - 20 : w // 2 + 20] = 255
    row("refine_object with a brush hint", lambda: refine_object(photo, prop, keep=keep), runs=2)  # type: ignore[arg-type]

    variant = photo.copy()
    variant[y0:y1, x0:x1] = (240, 230, 40)  # the block repainted
    variant[h // 2 - r // 2 : h // 2 + r // 2, w // 2 - r // 2 : w // 2 + r // 2] //= 2  # a leak
    mask[y0:y1, x0:x1] = 255
    row("mask from a difference", lambda: difference_mask(photo, variant), runs=2)
    row(
        "mask from a difference, leak only",
        lambda: difference_mask(photo, variant, outside=mask),
        runs=2,
    )

    second = photo.copy()
    second[..., 0] //= 2
    infos = [
        SourceInfo("original"),
        SourceInfo("variant 1", "job-a", 1),
        SourceInfo("variant 2", "job-b", 2),
    ]
    comb = row(
        "VariantCombiner(3 sources) (copies the original)",
        lambda: VariantCombiner([photo, variant, second], infos),
        runs=1,
    )
    stroke_r = max(40, w // 60)
    yy, xx = np.mgrid[-stroke_r : stroke_r + 1, -stroke_r : stroke_r + 1]
    dab = np.where(yy * yy + xx * xx <= stroke_r * stroke_r, 255, 0).astype(np.uint8)

    def stroke() -> object:
        s = comb.stroke(1)  # type: ignore[union-attr]
        for x in range(w // 4, 3 * w // 4, stroke_r):
            s.add(dab, (x - stroke_r, h // 2 - stroke_r))
        return s.finish()

    spots = iter(range(10, w - 2 * stroke_r - 10, 2 * stroke_r + 1))

    def one_dab() -> object:  # a new place each run, so every dab changes pixels
        s = comb.stroke(2)  # type: ignore[union-attr]
        s.add(dab, (next(spots), h // 8))
        return s.finish()

    n_dabs = len(range(w // 4, 3 * w // 4, stroke_r))
    print(f"    a dab is r={stroke_r} px (1/60 of the width, at least 40); {n_dabs} in the stroke")
    row("combine: one dab, incremental", one_dab, runs=3)
    row("combine: a stroke across half the photo, incremental", stroke, runs=1)
    row("combine: full build for export", lambda: comb.build(), runs=1)  # type: ignore[union-attr]
    meta = row("combine: provenance metadata", lambda: comb.metadata(), runs=3)  # type: ignore[union-attr]
    print(f"    {meta['Combined']}")  # type: ignore[index]

    hat = np.zeros((h, w), dtype=np.uint8)
    hat[h // 3 : h // 3 + h // 10, w // 2 : w // 2 + w // 12] = 255
    advice = row("resolution advisor", lambda: advise_resolution(hat, name="hat"), runs=3)
    print(f"    {advice.message}")  # type: ignore[union-attr]


def main() -> None:
    bench(*photo_size())


if __name__ == "__main__":
    main()
