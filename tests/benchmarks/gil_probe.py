"""How long each step of a job keeps another thread from running (prints figures).

    python tests/benchmarks/gil_probe.py [--runs 5] [--switch-ms 5] [--size WxH]

The photo is ``--size`` (default 6000x4000); each step's longest gap goes through
figure() as "UI gap: <step>".

Each step runs in a worker thread while this (main) thread, standing in for the UI
thread, wakes every 0.5 ms; the longest gap between its wake-ups is the worst time the
step made it wait (for the interpreter lock, or for the CPU on this 2-core machine).
"Kept waiting" sums the delays beyond 1 ms: roughly how long the step held the lock.
The same probe with no worker gives the machine's noise floor. Medians over runs.
"""

from __future__ import annotations

import io
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchsize import figure, megapixels, photo_size

from editor.core.composite import finish_result
from editor.core.image import decode_image_bytes
from editor.core.prepare import prepare_upload
from editor.core.request import EditRequest


def longest_gap(fn: Callable[[], object] | None) -> tuple[float, float, float]:
    """(longest main-thread gap, total time the main thread was kept waiting, the step's
    own time), in ms, while ``fn`` runs."""
    done = threading.Event()
    took = [0.0]

    def work() -> None:
        t0 = time.perf_counter()
        if fn is not None:
            fn()
        else:
            time.sleep(0.2)
        took[0] = (time.perf_counter() - t0) * 1000
        done.set()

    worker = threading.Thread(target=work)
    worst = late = 0.0
    last = time.perf_counter()
    worker.start()
    while not done.is_set():
        time.sleep(0.0005)
        now = time.perf_counter()
        worst = max(worst, now - last)
        late += max(0.0, now - last - 0.001)
        last = now
    worker.join()
    return worst * 1000, late * 1000, took[0]


def photo(w: int, h: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    out = np.empty((h, w, 3), np.uint8)
    out[..., 0] = (np.arange(w) * 255 // w).astype(np.uint8)
    out[..., 1] = (np.arange(h) * 255 // h).astype(np.uint8)[:, None]
    out[..., 2] = rng.integers(0, 255, (h, w), dtype=np.uint8)
    return out


def _stage(req: EditRequest, up: object) -> None:
    import tempfile

    from editor.backends.journal import Journal
    from editor.backends.remote_jobs import stage_job

    with tempfile.TemporaryDirectory() as tmp:
        stage_job(Journal(Path(tmp)), req, up)  # type: ignore[arg-type]


def main() -> None:
    w, h = photo_size()
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    if "--switch-ms" in sys.argv:  # try another sys.setswitchinterval (default 5 ms)
        sys.setswitchinterval(float(sys.argv[sys.argv.index("--switch-ms") + 1]) / 1000)
    src = photo(w, h)
    mask = np.zeros((h, w), np.uint8)
    # the same 1100x800 region at every size
    mask[h // 2 - 400 : h // 2 + 400, w // 2 - 550 : w // 2 + 550] = 255
    req = EditRequest(image=src, mask=mask, prompt="a bench", num_images=4)
    up = prepare_upload(req, target="fashn", max_edge=2000)
    result = np.asarray(
        Image.fromarray(src).resize((up.image.width, up.image.height), Image.Resampling.BILINEAR)
    )
    buf = io.BytesIO()
    Image.fromarray(result).save(buf, format="PNG", compress_level=1)
    png = buf.getvalue()
    raw = decode_image_bytes(png)
    final = finish_result(req, up, raw)

    from editor.backends.fashn_wire import build_body
    from editor.ui.imaging import thumbnail

    steps: dict[str, Callable[[], object] | None] = {
        "noise floor (worker sleeps)": None,
        "prepare_upload 1k (resize + JPEG + mask PNG)": lambda: prepare_upload(
            req, target="fashn", max_edge=2000
        ),
        "build_body (base64 + JSON)": lambda: build_body(req, up, "current"),
        "decode a returned 2000 px PNG": lambda: decode_image_bytes(png),
        "finish_result (paste back at full size)": lambda: finish_result(req, up, raw),
        "thumbnail of a full-size variant": lambda: thumbnail(final, 256),
        "copy of the full-size mask": lambda: np.array(mask, copy=True),
        "journal stage_job (source .npy + mask .npz)": lambda: _stage(req, up),
    }
    print(
        f"{megapixels((w, h))} ({w}x{h}); switch interval "
        f"{sys.getswitchinterval() * 1000:.1f} ms; median of {runs} runs"
    )
    for name, fn in steps.items():
        gaps, late, took = zip(*(longest_gap(fn) for _ in range(runs)), strict=True)
        figure(
            f"UI gap: {name}",
            statistics.median(gaps),
            "ms",
            note=f"max {max(gaps):.1f}; kept waiting {statistics.median(late):.1f} ms",
        )
        if fn is not None:
            figure(f"step time: {name}", statistics.median(took), "ms")


if __name__ == "__main__":
    main()
