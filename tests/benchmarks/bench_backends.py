"""Benchmark (prints, no asserts): one whole FASHN job for a JPEG (default 24 MP) against a
zero-delay sandbox, our FashnBackend vs the official ``fashn`` SDK's ``subscribe()`` on
the same payload, in the same run. Targets: <= 0.8x the SDK's time, <= its memory.

Both sides do the same work around the client: decode the JPEG, prepare the upload with
``core.prepare_upload`` (1k: longest edge 2000 px, JPEG q95), send it, wait, download the
outputs, decode them and paste back at full size. Each side runs in its own subprocess
(peak RSS) and again under tracemalloc (peak Python allocations during the job).

    python tests/benchmarks/bench_backends.py [--runs 3] [--resolution 1k] [--size WxH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchsize import figure, megapixels, photo_size

KEY = "sk-bench-0123456789"


def make_jpeg(path: Path, w: int, h: int) -> None:
    """Gradients, waves and noise, built a channel and a band of rows at a time (a
    float image of 151 MP would take gigabytes)."""
    import numpy as np

    from editor.core.codec import encode_jpeg

    rng = np.random.default_rng(1)
    img = np.empty((h, w, 3), np.uint8)
    x = np.arange(w, dtype=np.float32)
    for y0 in range(0, h, 1024):
        y = np.arange(y0, min(h, y0 + 1024), dtype=np.float32)[:, None]
        band = (
            np.broadcast_to(x / w * 255, (len(y), w)),
            np.broadcast_to(y / h * 255, (len(y), w)),
            (np.sin(x / 90) + np.cos(y / 70)) * 60 + 128,
        )
        for c, values in enumerate(band):
            noisy = values + rng.normal(0, 6, (len(y), w)).astype(np.float32)
            img[y0 : y0 + len(y), :, c] = np.clip(noisy, 0, 255)
    path.write_bytes(encode_jpeg(img, 92))


def _request(image_path: str, resolution: str):
    import numpy as np

    from editor.core.image import load_image
    from editor.core.request import EditRequest

    pixels = load_image(image_path).pixels
    h, w = pixels.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    # the same 1200x1000 region at every size (from 24 MP up it is the same garment)
    mask[h // 2 - 500 : h // 2 + 500, w // 2 - 600 : w // 2 + 600] = 255
    return EditRequest(image=pixels, mask=mask, prompt="add a red scarf", resolution=resolution)


async def _ours(url: str, req) -> int:
    from editor.backends import make_backend

    backend = make_backend("fashn", base_url=url, api_key=KEY)
    try:
        async for event in backend.run(req):
            images = getattr(event, "images", None)
            if images is not None:
                return len(images)
    finally:
        await backend.aclose()
    return 0


def _sdk(url: str, req) -> int:
    import httpx
    from fashn import Fashn

    from editor.core.composite import finish_result
    from editor.core.image import decode_image_bytes
    from editor.core.prepare import fashn_max_edge, prepare_upload

    prepared = prepare_upload(req, target="fashn", max_edge=fashn_max_edge(req.resolution))
    inputs = {
        "image": prepared.image.data_uri(),
        "mask": prepared.mask.data_uri(),
        "prompt": req.prompt,
        "resolution": req.resolution,
        "num_images": 1,
        "seed": 42,
        "output_format": "png",
        "return_base64": False,
    }
    client = Fashn(api_key=KEY, base_url=url)
    result = client.predictions.subscribe(model_name="edit", inputs=inputs)
    images = []
    with httpx.Client() as http:
        for ref in result.output or []:
            raw = http.get(ref).content
            images.append(finish_result(req, prepared, decode_image_bytes(raw)))
    client.close()
    return len(images)


def child(side: str, url: str, image_path: str, resolution: str, traced: bool) -> None:
    """One measured job in this (fresh) process; prints a JSON line."""
    req = _request(image_path, resolution)
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    n = asyncio.run(_ours(url, req)) if side == "ours" else _sdk(url, req)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"side": side, "s": seconds, "traced": peak, "rss_kb": rss_kb, "n": n}))


def spawn(side: str, url: str, image_path: str, resolution: str, traced: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", side, "--url", url, "--image", image_path,
           "--resolution", resolution] + (["--traced"] if traced else [])  # fmt: skip
    env = {**os.environ, "MASK_EDITOR_DATA_DIR": tempfile.mkdtemp()}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    size = photo_size()
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--resolution", default="1k")
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--image")
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.image, args.resolution, args.traced)
        return

    from editor.sandbox import Sandbox

    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "photo.jpg"
        make_jpeg(image, *size)
        print(
            f"{megapixels(size)} JPEG ({size[0]}x{size[1]}): {image.stat().st_size / 1e6:.1f} MB,"
            f" resolution {args.resolution}"
        )
        with Sandbox(key=KEY, delays=0, credits=10_000) as sb:
            times: dict[str, list[float]] = {"ours": [], "sdk": []}
            rss: dict[str, list[int]] = {"ours": [], "sdk": []}
            traced: dict[str, int] = {}
            for _ in range(args.runs):
                for side in ("sdk", "ours"):  # interleaved, so drift hits both
                    r = spawn(side, sb.url, str(image), args.resolution, False)
                    assert r["n"] == 1
                    times[side].append(r["s"])
                    rss[side].append(r["rss_kb"])
            for side in ("sdk", "ours"):
                traced[side] = spawn(side, sb.url, str(image), args.resolution, True)["traced"]
    t_ours, t_sdk = statistics.median(times["ours"]), statistics.median(times["sdk"])
    print(f"{'':8}{'median s':>10}{'runs':>28}{'peak RSS MB':>14}{'traced peak MB':>16}")
    for side in ("ours", "sdk"):
        runs = " ".join(f"{t:.2f}" for t in times[side])
        print(
            f"{side:8}{statistics.median(times[side]):>10.2f}{runs:>28}"
            f"{max(rss[side]) / 1024:>14.0f}{traced[side] / 2**20:>16.1f}"
        )
    figure("whole FASHN job, ours", t_ours * 1e3, "ms")
    figure("whole FASHN job, fashn SDK", t_sdk * 1e3, "ms")
    figure("peak RSS of a job process, ours", max(rss["ours"]) / 1024, "MB")
    figure("peak RSS of a job process, fashn SDK", max(rss["sdk"]) / 1024, "MB")
    figure("traced peak of a job, ours", traced["ours"] / 2**20, "MB")
    figure("time ratio ours/SDK", t_ours / t_sdk, "x", note="target <= 0.80x")
    figure(
        "memory ratio ours/SDK (RSS)",
        max(rss["ours"]) / max(rss["sdk"]),
        "x",
        note=f"traced {traced['ours'] / traced['sdk']:.2f}x; target <= 1.00x",
    )


if __name__ == "__main__":
    main()
