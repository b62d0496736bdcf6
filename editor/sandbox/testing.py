"""Small helpers for tests that talk to the sandbox (inputs in the services' formats)."""

from __future__ import annotations

import base64
import io
import time
from typing import Any

import httpx
import numpy as np
from PIL import Image


def sample_image(width: int = 64, height: int = 48, *, seed: int = 1) -> np.ndarray:
    """A textured H x W x 3 uint8 photo stand-in (gradients plus noise)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    red, green = xs * 255 // max(1, width - 1), ys * 255 // max(1, height - 1)
    img = np.stack([red, green, (xs + ys) % 256], -1)
    noise = rng.integers(-12, 12, size=img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def box_mask(width: int, height: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """H x W uint8 mask, 255 inside ``box`` = (x0, y0, x1, y1)."""
    mask = np.zeros((height, width), dtype=np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 255
    return mask


def png_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(arr: np.ndarray, quality: int = 95) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def openai_mask_png(mask: np.ndarray) -> bytes:
    """RGBA PNG whose alpha is 0 where ``mask`` marks the edit (OpenAI convention)."""
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(mask > 0, 0, 255)
    return png_bytes(rgba)


def decode(data: bytes) -> np.ndarray:
    """Decode image bytes (or a data URI's bytes) to an RGB array."""
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def decode_data_uri(uri: str) -> np.ndarray:
    return decode(base64.b64decode(uri.split(",", 1)[1]))


def edit_inputs(
    image: np.ndarray, mask: np.ndarray | None = None, prompt: str = "a red hat", **extra: Any
) -> dict[str, Any]:
    """FASHN ``edit`` inputs (current schema) with PNG data URIs."""
    inputs: dict[str, Any] = {"image": data_uri(png_bytes(image)), "prompt": prompt}
    if mask is not None:
        inputs["mask"] = data_uri(png_bytes(mask))
    inputs.update(extra)
    return inputs


def wait_for_job(
    client: httpx.Client, job_id: str, *, timeout: float = 30.0, interval: float = 0.2
) -> httpx.Response:
    """Poll ``/v1/status/{id}`` (within FASHN's 50 per 10 s) until a terminal status or a
    non-200 answer other than RateLimitExceeded; returns the last response."""
    deadline = time.monotonic() + timeout
    while True:
        resp = client.get(f"/v1/status/{job_id}")
        if resp.status_code == 429 and resp.json().get("error") == "RateLimitExceeded":
            time.sleep(float(resp.headers.get("Retry-After", 1)))
            continue
        if resp.status_code != 200 or resp.json()["status"] in ("completed", "failed", "canceled"):
            return resp
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {resp.json()['status']} after {timeout} s")
        time.sleep(interval)
