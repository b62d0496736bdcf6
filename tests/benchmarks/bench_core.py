"""Core speed figures for a 24 MP photo. Prints, never asserts.

Run: python tests/benchmarks/bench_core.py
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from editor.core import mask as masks
from editor.core.composite import finish_result
from editor.core.fill import contextual_fill
from editor.core.image import decode_image_bytes, load_image
from editor.core.prepare import fashn_max_edge, prepare_upload
from editor.core.request import EditRequest


def photo(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A photo-like test image: smooth colour fields plus sensor-like noise."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (max(2, height // 100), max(2, width // 100), 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(base).resize((width, height), Image.Resampling.BICUBIC))
    noise = rng.integers(-12, 13, (height, width, 1), dtype=np.int16)
    return np.clip(smooth.astype(np.int16) + noise, 0, 255).astype(np.uint8)


class Timing(float):
    """Median milliseconds; formats as "median ms (min N)" since the machine is shared."""

    best: float

    def __format__(self, spec: str) -> str:
        return f"{float(self):{spec}} ms (min {self.best:{spec}})"


def median_ms(fn: Callable[[], object], runs: int) -> Timing:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    timing = Timing(statistics.median(times))
    timing.best = min(times)
    return timing


def main() -> None:
    w, h = 6000, 4000
    src = photo(w, h)
    buf = io.BytesIO()
    Image.fromarray(src).save(buf, format="JPEG", quality=92)
    jpeg = buf.getvalue()
    print(f"24 MP test JPEG: {w}x{h}, {len(jpeg) / 1e6:.1f} MB")
    if hasattr(os, "getloadavg"):
        print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    print(f"decode 24 MP JPEG (load_image): {median_ms(lambda: load_image(jpeg), 3):.0f}")
    pixels = load_image(jpeg).pixels

    mask = masks.new_mask(h, w)
    mask[1500:2100, 2500:3300] = 255
    for res in ("1k", "2k", "4k"):
        req = EditRequest(image=pixels, mask=mask, prompt="a red scarf", resolution=res)

        def prep(req: EditRequest = req, res: str = res) -> None:
            up = prepare_upload(req, target="fashn", max_edge=fashn_max_edge(res))
            up.image.data_uri()
            assert up.mask is not None
            up.mask.data_uri()

        print(
            f"prepare FASHN {res} request (crop off, with data URIs): "
            f"{median_ms(prep, 5):.0f} (median of 5)"
        )
    focus_req = EditRequest(image=pixels, mask=mask, prompt="a red scarf", focus=True)
    print(
        "prepare FASHN 1k request, focus on mask: "
        f"{median_ms(lambda: prepare_upload(focus_req, target='fashn', max_edge=2000), 5):.0f}"
    )
    req = EditRequest(image=pixels, mask=mask, prompt="a red scarf")
    up = prepare_upload(req, target="fashn", max_edge=2000)
    raw = decode_image_bytes(up.image.data)
    print(
        "paste back a 1k result into 24 MP (finish_result): "
        f"{median_ms(lambda: finish_result(req, up, raw), 3):.0f}"
    )
    full = masks.fill(mask)
    print(f"grow a full 24 MP mask by 20 px: {median_ms(lambda: masks.grow(full, 20), 3):.0f}")
    print(f"feather a full 24 MP mask by 8 px: {median_ms(lambda: masks.feather(full, 8), 3):.0f}")
    print(f"FASHN mask PNG of 24 MP: {median_ms(lambda: masks.to_fashn_png(mask), 3):.0f}")

    for label, (fw, fh) in (("6 MP", (3000, 2000)), ("24 MP", (6000, 4000))):
        img = pixels if (fw, fh) == (w, h) else photo(fw, fh, seed=1)
        hole = masks.new_mask(fh, fw)
        cy, cx = fh // 2, fw // 2
        hole[cy - 100 : cy + 100, cx - 100 : cx + 100] = 255
        ms = median_ms(lambda img=img, hole=hole: contextual_fill(img, hole, seed=1), 3)
        print(f"offline fill of a 200x200 hole in a {label} photo: {ms:.0f} (median of 3)")


if __name__ == "__main__":
    main()
