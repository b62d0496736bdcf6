"""OpenAI-compatible ``POST /v1/images/edits`` (multipart), with optional SSE streaming.

dall-e-2 (default): one square PNG < 4 MB, sizes 256/512/1024, ``response_format``
url | b64_json. GPT image models (``gpt-image-*``): up to 16 png/webp/jpeg images,
sizes 1024x1024 / 1536x1024 / 1024x1536 / auto, always b64_json, ``stream`` with
``partial_images``. The mask is an RGBA PNG whose alpha 0 marks the area to edit.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.sandbox import images, render
from editor.sandbox.fashn import NOT_AN_IMAGE
from editor.sandbox.images import InputError
from editor.sandbox.multipart import MultipartError, Part, parse_multipart
from editor.sandbox.reply import Reply, json_reply, openai_error

if TYPE_CHECKING:
    from PIL import Image

    from editor.sandbox.faults import Fault
    from editor.sandbox.server import Sandbox

DALLE_SIZES = ("256x256", "512x512", "1024x1024")
GPT_SIZES = ("1024x1024", "1536x1024", "1024x1536", "auto")
FILE_FIELDS = frozenset({"image", "image[]", "mask"})
TEXT_FIELDS = frozenset(
    {
        "prompt",
        "model",
        "n",
        "size",
        "quality",
        "response_format",
        "background",
        "output_format",
        "output_compression",
        "input_fidelity",
        "partial_images",
        "stream",
        "user",
        "safety_identifier",
    }
)
MISSING = "missing_required_parameter"
TOO_LONG = "string_above_max_length"
GPT_ONLY = (
    "background",
    "output_format",
    "output_compression",
    "input_fidelity",
    "partial_images",
    "stream",
)


class OAError(Exception):
    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code


@dataclass
class EditSpec:
    model: str
    prompt: str
    image: np.ndarray  # first image, RGB
    edit: np.ndarray | None  # True = edit
    n: int
    size: tuple[int, int]
    response_format: str
    output_format: str
    compression: int | None
    quality: str
    background: str
    stream: bool
    partial_images: int
    n_inputs: int

    @property
    def gpt(self) -> bool:
        return self.model != "dall-e-2"


def _pick(fields: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = fields.get(name, default)
    if value not in allowed:
        raise OAError(
            f"Invalid value for '{name}': {value!r}. Supported values are: "
            + ", ".join(repr(a) for a in allowed)
            + ".",
            name,
            "invalid_value",
        )
    return value


def _int(fields: dict[str, str], name: str, lo: int, hi: int, default: int) -> int:
    raw = fields.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        msg = f"Invalid type for '{name}': expected an integer."
        raise OAError(msg, name, "invalid_type") from None
    if not lo <= value <= hi:
        msg = f"'{name}' must be between {lo} and {hi} (got {value})."
        raise OAError(msg, name, "invalid_value")
    return value


def _bool(fields: dict[str, str], name: str) -> bool:
    raw = fields.get(name, "false").strip().lower()
    if raw not in ("true", "false", "1", "0"):
        raise OAError(f"Invalid type for '{name}': expected a boolean.", name, "invalid_type")
    return raw in ("true", "1")


def _open(part: Part, param: str, index: int) -> Image.Image:
    try:
        return images.open_image(part.data, param)
    except InputError:
        raise OAError(
            f"Invalid input image {index + 1}: it could not be decoded as an image.",
            param,
            "invalid_image_format",
        ) from None


def parse_request(parts: list[Part]) -> EditSpec:
    """Validate a multipart edit request the way the OpenAI endpoint does."""
    fields: dict[str, str] = {}
    files: dict[str, list[Part]] = {"image": [], "mask": []}
    for part in parts:
        if part.name in FILE_FIELDS:
            if not part.is_file:
                msg = f"'{part.name}' must be uploaded as a file."
                raise OAError(msg, part.name, "invalid_type")
            files["mask" if part.name == "mask" else "image"].append(part)
        elif part.name in TEXT_FIELDS:
            fields[part.name] = part.text()
        else:
            raise OAError(f"Unknown parameter: '{part.name}'.", part.name, "unknown_parameter")
    prompt = fields.get("prompt", "")
    if not prompt.strip():
        raise OAError("Missing required parameter: 'prompt'.", "prompt", MISSING)
    if not files["image"]:
        raise OAError("Missing required parameter: 'image'.", "image", MISSING)
    gpt_params = [name for name in GPT_ONLY if name in fields]
    model = fields.get("model") or ("gpt-image-1" if gpt_params else "dall-e-2")
    if model != "dall-e-2" and not model.startswith("gpt-image"):
        raise OAError(f"Invalid value for 'model' = {model}.", "model", "invalid_value")
    gpt = model != "dall-e-2"
    n = _int(fields, "n", 1, 10, 1)
    pics = [_open(p, "image", i) for i, p in enumerate(files["image"])]
    first = pics[0]
    if gpt:
        if len(pics) > 16:
            raise OAError("At most 16 images can be edited at once.", "image", "invalid_value")
        for i, (part, pic) in enumerate(zip(files["image"], pics, strict=True)):
            if pic.format not in ("PNG", "JPEG", "WEBP") or len(part.data) >= 50 * 2**20:
                raise OAError(
                    f"Invalid input image {i + 1}: png, webp or jpg under 50 MB expected.",
                    "image",
                    "invalid_image_format",
                )
        if len(prompt) > 32000:
            raise OAError("'prompt' is longer than 32000 characters.", "prompt", TOO_LONG)
        size_name = _pick(fields, "size", GPT_SIZES, "auto")
        if fields.get("response_format", "b64_json") != "b64_json":
            raise OAError(
                "'response_format' is not supported for GPT image models (always b64_json).",
                "response_format",
                "invalid_value",
            )
        quality = _pick(fields, "quality", ("auto", "low", "medium", "high"), "auto")
        background = _pick(fields, "background", ("auto", "transparent", "opaque"), "auto")
        output_format = _pick(fields, "output_format", ("png", "jpeg", "webp"), "png")
        if background == "transparent" and output_format == "jpeg":
            raise OAError(
                "A transparent background needs output_format png or webp.",
                "background",
                "invalid_value",
            )
        compression = _int(fields, "output_compression", 0, 100, 100)
        _pick(fields, "input_fidelity", ("low", "high"), "low")
        partial = _int(fields, "partial_images", 0, 3, 0)
        stream = _bool(fields, "stream")
        response_format = "b64_json"
    else:
        if gpt_params:
            raise OAError(
                f"'{gpt_params[0]}' is only supported for GPT image models, not dall-e-2.",
                gpt_params[0],
                "unsupported_parameter",
            )
        if len(pics) > 1:
            raise OAError("dall-e-2 edits exactly one image.", "image", "invalid_value")
        if first.format != "PNG" or len(files["image"][0].data) >= 4 * 2**20:
            msg = "The image must be a PNG file under 4 MB."
            raise OAError(msg, "image", "invalid_image_format")
        if first.width != first.height:
            raise OAError(
                f"The image must be square (got {first.width}x{first.height}).",
                "image",
                "invalid_image_size",
            )
        if len(prompt) > 1000:
            raise OAError("'prompt' is longer than 1000 characters.", "prompt", TOO_LONG)
        size_name = _pick(fields, "size", DALLE_SIZES, "1024x1024")
        quality = _pick(fields, "quality", ("auto", "standard"), "auto")
        response_format = _pick(fields, "response_format", ("url", "b64_json"), "url")
        background, output_format, compression, partial, stream = "auto", "png", None, 0, False
    edit = _edit_area(files["mask"], first, gpt)
    if size_name == "auto":
        ratio = first.width / first.height
        size_name = "1536x1024" if ratio > 1.2 else "1024x1536" if ratio < 1 / 1.2 else "1024x1024"
    w, h = (int(v) for v in size_name.split("x"))
    return EditSpec(
        model=model,
        prompt=prompt,
        image=images.to_rgb_array(first),
        edit=edit,
        n=n,
        size=(w, h),
        response_format=response_format,
        output_format=output_format,
        compression=compression if output_format != "png" else None,
        quality=quality,
        background=background,
        stream=stream,
        partial_images=partial,
        n_inputs=len(pics),
    )


def _alpha(img: Image.Image) -> np.ndarray | None:
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        return np.asarray(img.convert("RGBA"))[..., 3]
    return None


def _edit_area(masks: list[Part], first: Image.Image, gpt: bool) -> np.ndarray | None:
    if len(masks) > 1:
        raise OAError("Only one mask can be given.", "mask", "invalid_value")
    if not masks:
        if gpt:
            return None  # the whole image may change
        alpha = _alpha(first)
        if alpha is None or not (alpha == 0).any():
            raise OAError(
                "Without a mask, the image must have fully transparent areas to edit.",
                "image",
                "invalid_image",
            )
        return alpha == 0
    mask = _open(masks[0], "mask", 0)
    if mask.format != "PNG":
        raise OAError("The mask must be a PNG file.", "mask", "invalid_image_format")
    if mask.size != first.size:
        raise OAError(
            f"The mask is {mask.width}x{mask.height} but the image is "
            f"{first.width}x{first.height}; they must have the same dimensions.",
            "mask",
            "invalid_image_size",
        )
    alpha = _alpha(mask)
    if alpha is None:
        raise OAError(
            f"Invalid mask: it must have an alpha channel (got mode {mask.mode}).",
            "mask",
            "invalid_image_format",
        )
    return alpha == 0


def _render(spec: EditSpec, index: int, strength: float = 1.0) -> np.ndarray:
    return render.render_prompted(
        spec.image, spec.edit, prompt=spec.prompt, seed=0, index=index, size=spec.size,
        strength=strength,
    )  # fmt: skip


def _usage(spec: EditSpec) -> dict[str, Any]:
    text, image_tokens, out = len(spec.prompt) // 4 + 1, 194 * spec.n_inputs, 272 * spec.n
    return {
        "total_tokens": text + image_tokens + out,
        "input_tokens": text + image_tokens,
        "output_tokens": out,
        "input_tokens_details": {"text_tokens": text, "image_tokens": image_tokens},
    }


def _b64(spec: EditSpec, arr: np.ndarray, not_image: bool) -> str:
    fmt = spec.output_format
    data = NOT_AN_IMAGE if not_image else images.encode(arr, fmt, compression=spec.compression)
    return base64.b64encode(data).decode("ascii")


def _meta(spec: EditSpec) -> dict[str, Any]:
    return {
        "background": "opaque" if spec.background == "auto" else spec.background,
        "output_format": spec.output_format,
        "size": f"{spec.size[0]}x{spec.size[1]}",
        "quality": "high" if spec.quality == "auto" else spec.quality,
    }


def handle_edits(sb: Sandbox, body: bytes | bytearray, content_type: str, base_url: str) -> Reply:
    """Answer one ``/v1/images/edits`` request (JSON, or an SSE stream)."""
    try:
        spec = parse_request(parse_multipart(body, content_type))
    except MultipartError as exc:
        return openai_error(400, f"Invalid multipart/form-data body: {exc}")
    except OAError as exc:
        return openai_error(400, exc.message, param=exc.param, code=exc.code)
    not_image = sb.faults.take("openai", "result") is not None
    if spec.stream:
        fault = sb.faults.take("openai", "stream")
        return Reply(200, content_type="text/event-stream", stream=_events(spec, not_image, fault))
    arrays = [_render(spec, i) for i in range(spec.n)]
    created = int(time.time())
    if spec.response_format == "url":
        out_id = f"img-{uuid.uuid4().hex}"
        blobs = [NOT_AN_IMAGE if not_image else images.encode(a, "png") for a in arrays]
        sb.store_outputs(out_id, blobs, "image/png")
        data = [{"url": f"{base_url}/outputs/{out_id}/{i}.png"} for i in range(spec.n)]
        return json_reply(200, {"created": created, "data": data})
    data = [{"b64_json": _b64(spec, a, not_image)} for a in arrays]
    body_obj: dict[str, Any] = {"created": created, "data": data}
    if spec.gpt:
        body_obj.update(_meta(spec), usage=_usage(spec))
    return json_reply(200, body_obj)


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _events(spec: EditSpec, not_image: bool, fault: Fault | None) -> Iterator[bytes]:
    """partial_image events (progressively stronger) then one completed event per image."""
    sent = 0
    error_after = int(fault.params["after"]) if fault is not None else -1
    for i in range(spec.n):
        steps = [(k + 1) / (spec.partial_images + 1) for k in range(spec.partial_images)]
        for k, strength in enumerate([*steps, 1.0]):
            if sent == error_after:
                yield _sse(
                    "error",
                    {
                        "type": "error",
                        "error": {
                            "type": "server_error",
                            "code": "server_error",
                            "message": "The image stream was interrupted (sandbox fault).",
                            "param": None,
                        },
                    },
                )
                return
            final = k == len(steps)
            event = {
                "type": "image_edit.completed" if final else "image_edit.partial_image",
                "b64_json": _b64(spec, _render(spec, i, strength), not_image and final),
                "created_at": int(time.time()),
                **_meta(spec),
            }
            if final:
                event["usage"] = _usage(spec)
            else:
                event["partial_image_index"] = k
            yield _sse(str(event["type"]), event)
            sent += 1
