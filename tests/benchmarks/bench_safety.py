"""Prints (never asserts) the cost of autosave, session files and redaction at one
photo size (default 24 MP).

Run: python tests/benchmarks/bench_safety.py [--size 11648x8736]
"""

from __future__ import annotations

import base64
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchsize import figure, megapixels, photo_size


def main() -> None:
    w, h = photo_size()
    tmp = Path(tempfile.mkdtemp(prefix="bench-safety-"))
    try:
        run(tmp, w, h)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, w: int, h: int) -> None:
    os.environ["MASK_EDITOR_DATA_DIR"] = str(tmp / "data")
    from editor.core.autosave import Autosaver
    from editor.core.redact import redact
    from editor.core.session import JobRecord, Session, load_session, save_session

    print(f"{megapixels((w, h))} photo: {w}x{h}")
    rng = np.random.default_rng(0)
    xs = (np.arange(w) % 256).astype(np.uint8)
    ys = (np.arange(h) % 256).astype(np.uint8)[:, None]
    photo = np.empty((h, w, 3), np.uint8)
    photo[..., 0] = xs
    photo[..., 1] = ys
    np.add(xs, ys, out=photo[..., 2])  # wraps at 256, as (xs + ys) % 256
    for c in range(3):
        photo[..., c] += rng.integers(0, 12, (h, w), dtype=np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[h // 4 : h // 4 + 800, w // 3 : w // 3 + 1500] = 255

    saver = Autosaver(tmp / "autosave", delay=0.0)
    saver.save_source(photo, "/x.jpg")
    saver.flush(timeout=None)
    calls = []
    for i in range(20):
        mask[i, :] = 255
        t = time.perf_counter()
        saver.save_mask(mask)
        calls.append(time.perf_counter() - t)
        saver.flush(timeout=None)
    figure("autosave save_mask, caller cost (median of 20)", statistics.median(calls) * 1e3)
    writes = []
    for _ in range(5):
        saver.save_mask(mask)
        t = time.perf_counter()
        saver.flush(timeout=None)
        writes.append(time.perf_counter() - t)
    size = (saver.folder / "mask.png").stat().st_size
    figure(
        "autosave mask write on the worker (PNG + fsync + rename)",
        statistics.median(writes) * 1e3,
        note=f"{size / 1024:.0f} kB",
    )
    saver.close()

    variants = [np.minimum(photo, 255 - k * 9) + np.uint8(k * 9) for k in (1, 2)]
    session = Session(photo, mask, "/x.jpg", "sky", {"resolution": "2k"},
                      jobs=[JobRecord("j", "sky", {}, variants, "completed")])  # fmt: skip
    t = time.perf_counter()
    path = save_session(session, tmp / "s.mesession")
    saved = time.perf_counter() - t
    t = time.perf_counter()
    load_session(path)
    loaded = time.perf_counter() - t
    figure(
        "save_session source + mask + 2 variants",
        saved * 1e3,
        note=f"{path.stat().st_size / 2**20:.0f} MB",
    )
    figure("load_session source + mask + 2 variants", loaded * 1e3)

    body = '{"image": "data:image/jpeg;base64,' + base64.b64encode(os.urandom(30_000_000)).decode()
    t = time.perf_counter()
    out = redact(body + '"}')
    figure("redact a 40 MB JSON body", (time.perf_counter() - t) * 1e3, note=repr(out))


if __name__ == "__main__":
    main()
