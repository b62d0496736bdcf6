"""Prints (never asserts) the cost of autosave, session files and redaction at 24 MP.

Run: python tests/safety/bench_safety.py
"""

from __future__ import annotations

import base64
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-safety-"))
    os.environ["MASK_EDITOR_DATA_DIR"] = str(tmp / "data")
    from editor.core.autosave import Autosaver
    from editor.core.redact import redact
    from editor.core.session import JobRecord, Session, load_session, save_session

    h, w = 4000, 6000
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:h, 0:w]
    photo = np.stack([xs % 256, ys % 256, (xs + ys) % 256], -1).astype(np.uint8)
    photo += rng.integers(0, 12, photo.shape, dtype=np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[1000:1800, 2000:3500] = 255

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
    print(f"save_mask caller cost (24 MP copy), median: {statistics.median(calls) * 1e3:.1f} ms")
    writes = []
    for _ in range(5):
        saver.save_mask(mask)
        t = time.perf_counter()
        saver.flush(timeout=None)
        writes.append(time.perf_counter() - t)
    size = (saver.folder / "mask.png").stat().st_size
    print(f"mask write on the worker (PNG level 1 + fsync + rename), median: "
          f"{statistics.median(writes) * 1e3:.0f} ms, {size / 1024:.0f} kB")  # fmt: skip
    saver.close()

    variants = [np.clip(photo.astype(int) + k * 9, 0, 255).astype(np.uint8) for k in (1, 2)]
    session = Session(photo, mask, "/x.jpg", "sky", {"resolution": "2k"},
                      jobs=[JobRecord("j", "sky", {}, variants, "completed")])  # fmt: skip
    t = time.perf_counter()
    path = save_session(session, tmp / "s.mesession")
    saved = time.perf_counter() - t
    t = time.perf_counter()
    load_session(path)
    loaded = time.perf_counter() - t
    print(f"save_session 24 MP source + mask + 2 variants: {saved:.2f} s, "
          f"{path.stat().st_size / 2**20:.0f} MB; load_session: {loaded:.2f} s")  # fmt: skip

    body = '{"image": "data:image/jpeg;base64,' + base64.b64encode(os.urandom(30_000_000)).decode()
    t = time.perf_counter()
    out = redact(body + '"}')
    print(f"redact a 40 MB JSON body: {(time.perf_counter() - t) * 1e3:.0f} ms -> {out!r}")


if __name__ == "__main__":
    main()
