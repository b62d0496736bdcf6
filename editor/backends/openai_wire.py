"""OpenAI-compatible ``/v1/images/edits`` details: sizes, dall-e-2 squares, form fields,
error mapping and server-sent-event parsing."""

from __future__ import annotations

import io
import json
import math
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from PIL import Image

from editor.backends.errors import (
    AuthenticationError,
    OutOfCreditsError,
    RateLimitError,
    ServiceError,
)
from editor.backends.transport import describe_unreadable, json_object, scrub
from editor.core.codec import encode_png
from editor.core.options import wire_fields
from editor.core.prepare import PreparedImage, PreparedUpload, prepare_upload
from editor.core.redact import server_text
from editor.core.request import EditRequest

SERVICE = "OpenAI"
GPT_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))
DALLE2_SIDES = (1024, 512, 256)
DALLE2_MAX_BYTES = 4 * 1024 * 1024
Box = tuple[int, int, int, int]


def is_dalle2(model: str) -> bool:
    return model.strip().lower() == "dall-e-2"


def pick_size(model: str, width: int, height: int) -> str:
    """The model's allowed size closest to the source's aspect ratio (log scale)."""
    if is_dalle2(model):
        return "1024x1024"
    aspect = math.log(width / height)
    w, h = min(GPT_SIZES, key=lambda s: abs(math.log(s[0] / s[1]) - aspect))
    return f"{w}x{h}"


def form_fields(request: EditRequest, size: str) -> list[tuple[str, str]]:
    """The non-file form fields, only those the model understands."""
    opts = request.openai
    fields = [("prompt", request.prompt), ("model", opts.model), ("n", str(request.num_images))]
    if size:
        fields.append(("size", size))
    if is_dalle2(opts.model):
        fields.append(("response_format", "b64_json"))
        if opts.quality == "standard":
            fields.append(("quality", "standard"))
        return fields
    if opts.quality and opts.quality != "auto":
        fields.append(("quality", opts.quality))
    if opts.background and opts.background != "auto":
        fields.append(("background", opts.background))
    for name, value in wire_fields(request, "openai", "current"):  # core.options
        fields.append((name, str(value)))
    if opts.output_compression is not None and request.output_format != "png":
        fields.append(("output_compression", str(opts.output_compression)))
    if opts.input_fidelity:
        fields.append(("input_fidelity", opts.input_fidelity))
    if opts.stream:
        fields.append(("stream", "true"))
        fields.append(("partial_images", str(opts.partial_images)))
    return fields


def prepare_dalle2(request: EditRequest) -> tuple[PreparedUpload, Box]:
    """A square PNG under 4 MB (padded, never distorted) and its mask, plus the box of
    real content inside the square (to crop the answer back). Worker thread."""
    for side in DALLE2_SIDES:
        prepared = prepare_upload(request, target="openai", max_edge=side)
        with Image.open(io.BytesIO(prepared.image.data)) as im:
            pixels = np.asarray(im.convert("RGBA" if im.mode in ("RGBA", "LA", "P") else "RGB"))
        h, w = pixels.shape[:2]
        s = max(w, h)
        x0, y0 = (s - w) // 2, (s - h) // 2
        pad = ((y0, s - h - y0), (x0, s - w - x0), (0, 0))
        square = np.pad(pixels, pad, mode="edge")
        if prepared.mask is not None:
            with Image.open(io.BytesIO(prepared.mask.data)) as im:
                alpha = np.asarray(im.convert("RGBA"))[..., 3]
        else:  # no mask: the whole picture may change, the padding may not
            alpha = np.zeros((h, w), np.uint8)
        keep = np.full((s, s), 255, np.uint8)
        keep[y0 : y0 + h, x0 : x0 + w] = alpha
        mask_rgba = np.zeros((s, s, 4), np.uint8)
        mask_rgba[..., 3] = keep
        for level in (1, 9):
            image_png = encode_png(square, compress_level=level)
            mask_png = encode_png(mask_rgba, compress_level=level)
            if len(image_png) < DALLE2_MAX_BYTES and len(mask_png) < DALLE2_MAX_BYTES:
                square_upload = PreparedUpload(
                    image=PreparedImage(image_png, "image/png", s, s),
                    mask=PreparedImage(mask_png, "image/png", s, s),
                    image_context=None,
                    crop=prepared.crop,
                    source_size=prepared.source_size,
                )
                return square_upload, (x0, y0, x0 + w, y0 + h)
    raise ServiceError(SERVICE, "ImageTooLarge", "could not fit the image into a 4 MB PNG")


def crop_content(raw: np.ndarray, box: Box, side: int) -> np.ndarray:
    """Cut the real content back out of a square answer of any size."""
    scale = raw.shape[0] / side
    x0, y0, x1, y1 = (round(v * scale) for v in box)
    return raw[y0:y1, x0:x1]


def api_error(response: Any, *, api_key: str | None = None) -> ServiceError:
    """Map ``{"error": {"message", "type", "param", "code"}}`` to a typed error."""
    data = json_object(response)
    code = response.status_code
    err = data.get("error") if data else None
    if isinstance(err, dict):
        name = str(err.get("code") or err.get("type") or f"HTTP {code}")
        message = str(err.get("message") or "")
    elif isinstance(err, str):
        name, message = err, str(data.get("message") or "") if data else ""
    else:
        name, message = f"HTTP {code}", describe_unreadable(response)
    message = server_text(scrub(message, api_key), [api_key])
    name = server_text(scrub(name, api_key), [api_key], limit=80)
    request_id = response.headers.get("x-request-id")
    if request_id:
        message = f"{message.rstrip('.')} (request {server_text(request_id, [api_key], limit=80)})"
    message = message or f"HTTP {code}"
    if code == 401:
        return AuthenticationError(
            SERVICE,
            name,
            message,
            status_code=code,
            hint="Check the key (OPENAI_API_KEY or the key saved in the app).",
        )
    if name == "insufficient_quota" or (code == 429 and "quota" in message.lower()):
        return OutOfCreditsError(
            SERVICE, name, message, status_code=code, hint="Add credit to the account, then retry."
        )
    if code == 429:
        return RateLimitError(SERVICE, name, message, status_code=code)
    hint = "The edit may still be billed; check before sending again." if code >= 500 else ""
    return ServiceError(SERVICE, name, message, status_code=code, hint=hint)


def stream_error(event: dict[str, Any], api_key: str | None = None) -> ServiceError:
    """An ``error`` event inside a stream (its text redacted)."""
    err: dict[str, Any] = event["error"] if isinstance(event.get("error"), dict) else event
    name = server_text(err.get("code") or err.get("type") or "StreamError", [api_key], limit=80)
    message = server_text(err.get("message") or "the stream reported an error", [api_key])
    return ServiceError(SERVICE, name, message)


async def sse_events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """(event name, JSON data) for each server-sent event; ``[DONE]`` ends the stream."""
    name, data = "", list[str]()
    async for line in lines:
        if line == "":
            if data:
                text = "\n".join(data)
                if text.strip() == "[DONE]":
                    return
                try:
                    payload = json.loads(text)
                except ValueError:
                    raise ServiceError(
                        SERVICE, "BadStream", "a streamed event is not JSON"
                    ) from None
                if isinstance(payload, dict):
                    yield name or str(payload.get("type", "")), payload
            name, data = "", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        try:
            payload = json.loads("\n".join(data))
        except ValueError:
            return
        if isinstance(payload, dict):
            yield name or str(payload.get("type", "")), payload
