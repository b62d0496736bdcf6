"""FASHN ``edit`` wire format: request bodies for both schemas and error mapping.

Bodies are assembled as bytes (base64 is plain ASCII, so no JSON escaping is needed for
the images): no intermediate dict of tens of MB, no second copy from ``json=``. Call
``build_body`` from a worker thread.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from editor.backends.errors import (
    AuthenticationError,
    JobFailedError,
    OutOfCreditsError,
    RateLimitError,
    ServiceError,
)
from editor.backends.transport import describe_unreadable, json_object, scrub
from editor.core.options import wire_fields
from editor.core.redact import server_text as _server_text
from editor.core.request import EditRequest

SERVICE = "FASHN"
MODEL_NAME = "edit"
# Only the documented statuses end a job; any other value may still run and be charged.
TERMINAL_FAILED = ("failed", "canceled")
RUNNING = ("starting", "in_queue", "processing")
STATUS_SHOWN_MAX = 60

HINTS = {
    "OutOfCredits": "Top up your FASHN credits, then send again.",
    "UnauthorizedAccess": "Check the FASHN API key (FASHN_API_KEY or the key saved in the app).",
    "RateLimitExceeded": "Too many requests; wait a moment and send again.",
    "ConcurrencyLimitExceeded": "Too many jobs are running; wait for some to finish.",
    "BadRequest": "Check the request settings.",
    "InternalServerError": "The job may still run and be billed; check before sending again.",
    "PipelineError": "Failed jobs are not charged; sending again is safe.",
    "ContentModerationError": "Change the prompt or the image.",
    "ImageLoadError": "The service could not read the image or mask.",
    "InputValidationError": "Check the mask size and the settings.",
}


def _image_json(prepared: Any) -> bytes:
    """A JSON string literal holding a data URI (bytes, no re-encoding of the payload)."""
    return b"".join(
        (
            b'"data:',
            prepared.mime.encode("ascii"),
            b";base64,",
            base64.b64encode(prepared.data),
            b'"',
        )
    )


def _field(key: str, value: Any) -> bytes:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return json.dumps(key).encode() + b":" + raw


def build_inputs(request: EditRequest, prepared: Any, schema: str) -> list[bytes]:
    """The ``inputs`` members as encoded JSON ``"key":value`` fragments."""
    fields = [_field("image", _image_json(prepared.image))]
    if schema == "legacy-inpaint":
        if prepared.mask is None:
            raise ValueError("legacy-inpaint needs a mask")
        fields.append(_field("mask_image", _image_json(prepared.mask)))
        if request.prompt.strip():
            fields.append(_field("prompt", request.prompt))
    else:
        fields.append(_field("prompt", request.prompt))
        if prepared.mask is not None:
            fields.append(_field("mask", _image_json(prepared.mask)))
        if prepared.image_context is not None:
            fields.append(_field("image_context", _image_json(prepared.image_context)))
        fields.append(_field("num_images", int(request.num_images)))
    fields.append(_field("seed", int(request.seed)))
    # resolution, generation_mode, output_format, ...: the options table (core.options)
    fields.extend(_field(name, value) for name, value in wire_fields(request, "fashn", schema))
    fields.append(_field("return_base64", bool(request.return_base64)))
    return fields


def build_body(request: EditRequest, prepared: Any, schema: str) -> bytes:
    """The whole ``POST /v1/run`` body as UTF-8 JSON bytes."""
    inputs = b",".join(build_inputs(request, prepared, schema))
    head = b'{"model_name":' + json.dumps(MODEL_NAME).encode() + b',"inputs":{'
    return b"".join((head, inputs, b"}}"))


def refused_error(response: httpx.Response, *, api_key: str | None = None) -> ServiceError:
    """Map a refused request (HTTP status + ``{"error": NAME, "message"}``) to a typed
    error carrying the service's name and message."""
    data = json_object(response)
    code = response.status_code
    err = data.get("error") if data else None
    if isinstance(err, str) and err:
        name, message = err, str((data or {}).get("message") or (data or {}).get("detail") or "")
    elif isinstance(err, dict):
        name = str(err.get("name") or err.get("type") or f"HTTP {code}")
        message = str(err.get("message") or "")
    elif data and "detail" in data:
        name, message = f"HTTP {code}", str(data["detail"])
    else:
        name, message = f"HTTP {code}", describe_unreadable(response)
    message = server_text(message, api_key) or f"HTTP {code}"
    name = server_text(name, api_key, limit=80)
    if name == "OutOfCredits":
        cls: type[ServiceError] = OutOfCreditsError
    elif name == "UnauthorizedAccess" or code == 401:
        cls = AuthenticationError
    elif name in ("RateLimitExceeded", "ConcurrencyLimitExceeded"):
        cls = RateLimitError
    else:
        cls = ServiceError
    hint = HINTS.get(name, "")
    if not hint and code >= 500:
        hint = HINTS["InternalServerError"]
    return cls(SERVICE, name, message, status_code=code, hint=hint)


def failed_error(
    data: dict[str, Any], job_id: str, *, api_key: str | None = None
) -> JobFailedError:
    """Map ``status: failed`` (``error: {name, message}``) to JobFailedError."""
    err = data.get("error")
    status = str(data.get("status") or "failed")
    if isinstance(err, dict):
        name = str(err.get("name") or "JobFailed")
        message = str(err.get("message") or "")
    elif isinstance(err, str) and err:
        name, message = "JobFailed", err
    else:
        name, message = (
            ("Canceled", "the job was canceled")
            if status.startswith("cancel")
            else (
                "JobFailed",
                f"the job ended with status '{shown_status(status, api_key)}'",
            )
        )
    return JobFailedError(
        SERVICE,
        server_text(name, api_key, limit=80),
        server_text(message, api_key) or f"job {job_id} failed",
        job_id=job_id,
        hint=HINTS.get(name, ""),
    )


def server_text(text: str, api_key: str | None = None, *, limit: int = 500) -> str:
    """Server text with the key (and anything secret-looking) redacted, one line."""
    return _server_text(scrub(str(text), api_key), [api_key], limit=limit)


def shown_status(status: str, api_key: str | None = None) -> str:
    """A status value as shown to the user (redacted, one short line)."""
    return server_text(status, api_key, limit=STATUS_SHOWN_MAX) or "(empty)"


def credits_total(data: dict[str, Any] | None) -> float | None:
    """``{"credits": {"total": ...}}`` (or a bare number) -> total, else None."""
    if not data:
        return None
    value = data.get("credits")
    if isinstance(value, dict):
        value = value.get("total")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None
