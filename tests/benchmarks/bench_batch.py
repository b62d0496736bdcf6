"""Benchmark (prints, no asserts): ``mask-editor-cli batch`` over N same-framed shots
against the sandbox vs running ``mask-editor-cli edit`` N times in a row, each as a real
process, with sandbox delays that make a job take a few seconds (a real FASHN edit takes
10-30 s; the ratio depends on the job time, not on the absolute figures).

    python tests/benchmarks/bench_batch.py [--shots 20] [--processing 2.0] [--offline]
        [--size WxH]

Shots are ``--size`` (default 6000x4000). Prints wall times, shots per minute, the
speed-up ratio, the jobs the sandbox created (must equal the shots: each paid once), the
most status polls in any 10 s (budget 50) and 429s from the sandbox's own limiter; the
size-bound figures (seconds per shot, the ratio) go through figure().
``--offline`` also compares the offline fill.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from benchsize import figure, megapixels, photo_size  # noqa: E402

from editor.sandbox import Sandbox  # noqa: E402
from editor.sandbox.testing import box_mask  # noqa: E402

KEY = "sk-sandbox-bench-0123456789"


def shot(w: int, h: int, seed: int) -> np.ndarray:
    """A photo stand-in (gradients plus noise) built in uint8, a channel at a time: the
    int64 grids of editor.sandbox.testing.sample_image would need gigabytes at 151 MP."""
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.uint8)
    img[..., 0] = (np.arange(w) * 255 // max(1, w - 1)).astype(np.uint8)
    img[..., 1] = (np.arange(h) * 255 // max(1, h - 1)).astype(np.uint8)[:, None]
    np.add((np.arange(w) % 256).astype(np.uint8), (np.arange(h) % 256).astype(np.uint8)[:, None],
           out=img[..., 2])  # fmt: skip
    for c in range(3):
        img[..., c] = np.clip(img[..., c] + rng.integers(-12, 12, (h, w), dtype=np.int16), 0, 255)
    return img


def make_inputs(root: Path, shots: int, w: int, h: int) -> tuple[Path, Path]:
    folder = root / "shots"
    folder.mkdir(parents=True)
    for i in range(shots):
        Image.fromarray(shot(w, h, seed=i)).save(folder / f"look{i:02d}.jpg", quality=92)
    mask = root / "mask.png"
    Image.fromarray(box_mask(w, h, (w // 3, h // 3, w // 2, h // 2))).save(mask)
    return folder, mask


def cli(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "editor.cli", *args], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return time.monotonic() - started


def compare(label: str, root: Path, engine: list[str], env: dict[str, str], shots: int,
            sandbox: Sandbox | None, size: tuple[int, int]) -> None:  # fmt: skip
    folder, mask = make_inputs(root, shots, *size)
    seq_out, batch_out = root / "one-by-one", root / "batch"
    photos = sorted(folder.iterdir())
    before = sandbox.stats.jobs_created if sandbox else 0
    sequential = sum(
        cli(env, "edit", str(p), "--mask", str(mask), *engine, "--out", str(seq_out))
        for p in photos
    )
    made_seq = (sandbox.stats.jobs_created - before) if sandbox else 0
    if sandbox:
        time.sleep(10.5)  # a fresh status-poll window for the batch's own count
        sandbox.stats.status_polls.clear()
    limited = sandbox.stats.rate_limited if sandbox else 0
    batch = cli(env, "batch", str(folder), "--mask", str(mask), *engine, "--yes",
                "--out", str(batch_out))  # fmt: skip
    made_batch = (sandbox.stats.jobs_created - before - made_seq) if sandbox else 0
    saved = len(list(batch_out.glob("*-edit-*"))), len(list(seq_out.glob("*-edit-*")))
    print(f"{label}: {shots} shots of {size[0]}x{size[1]} ({megapixels(size)})")
    print(
        f"  edit x{shots} in a row : {sequential:7.1f} s  {60 * shots / sequential:6.1f} shots/min"
    )
    print(f"  batch              : {batch:7.1f} s  {60 * shots / batch:6.1f} shots/min")
    print(f"  ratio (throughput) : {sequential / batch:7.2f}x")
    figure(f"{label}: edit one by one, per shot", sequential / shots, "s")
    figure(f"{label}: batch, per shot", batch / shots, "s")
    figure(f"{label}: batch throughput / one by one", sequential / batch, "x")
    print(f"  results saved      : batch {saved[0]}, one by one {saved[1]}")
    if sandbox:
        print(f"  jobs created       : batch {made_batch}, one by one {made_seq}")
        print(f"  max polls in 10 s  : {sandbox.stats.max_polls_in_window(10.0)} (budget 50)")
        print(f"  429 from limiter   : {sandbox.stats.rate_limited - limited}")


def main() -> None:
    size = photo_size()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=20)
    parser.add_argument("--processing", type=float, default=2.0, help="sandbox seconds")
    parser.add_argument("--offline", action="store_true", help="also the offline fill")
    args = parser.parse_args()
    delays = {"starting": 0.2, "in_queue": 0.5, "processing": args.processing}
    with tempfile.TemporaryDirectory() as tmp:
        base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        env = {**base, "MASK_EDITOR_DATA_DIR": str(Path(tmp) / "data"), "FASHN_API_KEY": KEY}
        with Sandbox(key=KEY, credits=10_000.0, delays=delays) as sandbox:
            print(f"sandbox delays {delays} (one job ~{sum(delays.values()):.1f} s + polling)")
            engine = ["--prompt", "remove the stand", "--backend", "fashn",
                      "--base-url", sandbox.url]  # fmt: skip
            compare("FASHN (sandbox)", Path(tmp) / "fashn", engine, env, args.shots, sandbox,
                    size)  # fmt: skip
        if args.offline:
            local = ["--backend", "local"]
            compare("offline fill", Path(tmp) / "local", local, env, args.shots, None, size)


if __name__ == "__main__":
    main()
