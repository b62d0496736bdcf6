"""FASHN endpoints: ``POST /v1/run``, ``GET /v1/status/{id}``, ``GET /v1/credits``.

Validates ``edit`` inputs like seeds 000 (legacy inpaint, detected by ``mask_image``),
002 and 001 (current): bad parameters are refused with 400 BadRequest and no job;
inputs that cannot be loaded are accepted and then fail (ImageLoadError,
InputValidationError), as the real service does.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from editor.sandbox import images, render
from editor.sandbox.images import InputError
from editor.sandbox.reply import Reply, fashn_error, json_reply
from editor.sandbox.state import Job, job_cost

if TYPE_CHECKING:
    from editor.sandbox.server import Sandbox

CURRENT_KEYS = frozenset(
    {
        "image",
        "prompt",
        "mask",
        "image_context",
        "resolution",
        "generation_mode",
        "num_images",
        "seed",
        "output_format",
        "return_base64",
        "aspect_ratio",
    }
)
LEGACY_KEYS = frozenset({"image", "mask_image", "prompt", "seed", "output_format", "return_base64"})
SEED_MAX = 2**32 - 1
NOT_AN_IMAGE = b"<html><body><h1>Access denied</h1></body></html>\n"


class BadRequest(Exception):
    """A parameter is invalid: 400 BadRequest, no job."""


def _choice(inputs: dict[str, Any], key: str, allowed: tuple[str, ...], default: Any) -> Any:
    value = inputs.get(key)
    if value is None:
        return default
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise BadRequest(f"inputs.{key} must be one of {shown} (got {value!r}).")
    return value


def _int(inputs: dict[str, Any], key: str, lo: int, hi: int, default: int) -> int:
    value = inputs.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise BadRequest(f"inputs.{key} must be an integer from {lo} to {hi} (got {value!r}).")
    return value


def _image_ref(inputs: dict[str, Any], key: str, required: bool) -> str | None:
    value = inputs.get(key)
    if value is None or (value == "" and not required):
        if required:
            raise BadRequest(f"inputs.{key} is required (an image URL or a base64 data URI).")
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"inputs.{key} must be an image URL or a base64 data URI.")
    return value


def validate_inputs(inputs: Any) -> dict[str, Any]:
    """Normalised job spec from ``inputs``; raises BadRequest like the seeds describe."""
    if not isinstance(inputs, dict):
        raise BadRequest("inputs must be a JSON object.")
    legacy = "mask_image" in inputs
    allowed = LEGACY_KEYS if legacy else CURRENT_KEYS
    unknown = sorted(set(inputs) - allowed)
    if unknown:
        schema = "legacy inpaint (mask_image)" if legacy else "edit"
        raise BadRequest(f"Unknown input(s) for the {schema} schema: {', '.join(unknown)}.")
    prompt = inputs.get("prompt", "")
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise BadRequest("inputs.prompt must be a string.")
    if not legacy and not prompt.strip():
        raise BadRequest("inputs.prompt is required for edit.")
    return_base64 = inputs.get("return_base64", False)
    if not isinstance(return_base64, bool):
        raise BadRequest("inputs.return_base64 must be true or false.")
    spec: dict[str, Any] = {
        "schema": "legacy" if legacy else "current",
        "image": _image_ref(inputs, "image", True),
        "mask": _image_ref(inputs, "mask_image" if legacy else "mask", legacy),
        "context": None if legacy else _image_ref(inputs, "image_context", False),
        "prompt": prompt.strip(),
        "seed": _int(inputs, "seed", 0, SEED_MAX, 42),
        "output_format": _choice(inputs, "output_format", ("png", "jpeg"), "png"),
        "return_base64": return_base64,
        "resolution": "1k",
        "mode": None,
        "num_images": 1,
        "aspect": None,
    }
    if not legacy:
        spec["resolution"] = _choice(inputs, "resolution", ("1k", "2k", "4k"), "1k")
        spec["mode"] = _choice(inputs, "generation_mode", ("fast", "balanced", "quality"), None)
        spec["num_images"] = _int(inputs, "num_images", 1, 4, 1)
        spec["aspect"] = _choice(inputs, "aspect_ratio", render.ASPECT_RATIOS, None)
    return spec


def handle_run(sb: Sandbox, key: str, body: bytes | bytearray) -> Reply:
    """Accept a job (200 ``{"id", "error": null}``) or refuse it (4xx, no job)."""
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return fashn_error(400, "BadRequest", "The request body is not valid JSON.")
    try:
        if not isinstance(payload, dict):
            raise BadRequest('The body must be {"model_name": "edit", "inputs": {...}}.')
        if payload.get("model_name") != "edit":
            raise BadRequest(
                f"Unknown model_name {payload.get('model_name')!r}; this sandbox serves 'edit'."
            )
        spec = validate_inputs(payload.get("inputs"))
    except BadRequest as exc:
        return fashn_error(400, "BadRequest", str(exc))
    cost = job_cost(spec["schema"], spec["resolution"], spec["mode"], spec["num_images"])
    with sb.lock:
        running = sum(1 for j in sb.jobs.values() if j.key == key and not j.terminal)
        if running >= sb.concurrency:
            return fashn_error(
                429,
                "ConcurrencyLimitExceeded",
                f"{running} jobs are already running (limit {sb.concurrency}); "
                "wait for one to finish.",
            )
        if sb.balance < cost:
            return fashn_error(
                429,
                "OutOfCredits",
                f"This job costs {cost} credits but only {sb.balance:g} are left.",
            )
        sb.balance -= cost
        job = Job(
            id=f"{uuid.uuid4()}-u1",
            key=key,
            schema=spec["schema"],
            inputs=spec,
            cost=cost,
            num_images=spec["num_images"],
            output_format=spec["output_format"],
            return_base64=spec["return_base64"],
            delays=sb.delays,
        )
        while (fault := sb.faults.take("run", "result")) is not None:
            _attach_fault(job, fault.name, fault.params)
        sb.jobs[job.id] = job
        _prune(sb)
    sb.stats.bump("jobs_created")
    sb.submit_work(process_job, sb, job)
    return json_reply(200, {"id": job.id, "error": None})


def _prune(sb: Sandbox) -> None:
    """Expire the oldest finished jobs beyond ``sb.max_jobs`` (a long ``serve`` session)."""
    excess = len(sb.jobs) - sb.max_jobs
    if excess <= 0:
        return
    for job_id in [j.id for j in sb.jobs.values() if j.done.is_set()][:excess]:
        del sb.jobs[job_id]


def _attach_fault(job: Job, name: str, params: dict[str, Any]) -> None:
    job.faults.append(name)
    if name == "job_failed":
        job.end_state = "failed"
        err = params["name"]
        job.error = {"name": err, "message": params["message"] or f"Injected {err} (sandbox)."}
    elif name == "canceled":
        job.end_state = "canceled"
    elif name == "stuck_processing":
        job.stuck = True
    elif name == "bad_output_url":
        job.output_refs = [params["url"]] * job.num_images


def process_job(sb: Sandbox, job: Job) -> None:
    """The worker: load inputs, check them, render the variants (or fail the job)."""
    try:
        if job.end_state == "completed":
            job.outputs = _render_job(sb, job)
            if "not_image_output" in job.faults:
                job.outputs = [NOT_AN_IMAGE] * len(job.outputs)
    except InputError as exc:
        job.end_state, job.error = "failed", {"name": exc.name, "message": exc.message}
    except Exception as exc:
        job.end_state = "failed"
        job.error = {"name": "PipelineError", "message": f"The pipeline failed ({exc})."}
    finally:
        if job.end_state != "completed":
            with sb.lock:
                sb.balance += job.cost  # failed attempts are not charged
        job.done.set()


def _load(sb: Sandbox, ref: str, what: str):  # -> PIL.Image.Image
    return images.open_image(sb.fetcher.fetch(ref, what, sb.local_output), what)


def _render_job(sb: Sandbox, job: Job) -> list[bytes]:
    spec = job.inputs
    src = _load(sb, spec["image"], "image")
    w, h = src.size
    image = images.to_rgb_array(src)
    mask = None
    if spec["mask"]:
        mask_img = _load(sb, spec["mask"], "mask")
        if mask_img.size != src.size:
            raise InputError(
                "InputValidationError",
                f"The mask is {mask_img.width}x{mask_img.height} but the image is {w}x{h}; "
                "the mask must have the same dimensions as the image.",
            )
        mask = images.mask_array(mask_img)
    context = None
    if spec["context"]:
        context = images.to_rgb_array(_load(sb, spec["context"], "image_context"))
    prompt, seed = spec["prompt"], spec["seed"]
    if job.schema == "legacy":
        assert mask is not None
        if not mask.any():
            raise InputError(
                "InputValidationError", "The mask has no white pixels: there is nothing to edit."
            )
        size = render.legacy_size(w, h)
        if prompt:
            arrays = [
                render.render_prompted(
                    image, mask, prompt=prompt, seed=seed, index=0, size=size, cancel=sb.stopping
                )
            ]
        else:
            arrays = [render.render_fill(image, mask, seed=seed, size=size)]
    else:
        size = render.tier_size(w, h, spec["resolution"], spec["aspect"])
        arrays = [
            render.render_prompted(
                image,
                mask,
                prompt=prompt,
                seed=seed,
                index=i,
                size=size,
                context=context,
                cancel=sb.stopping,
            )
            for i in range(job.num_images)
        ]
    blobs = []
    for arr in arrays:
        if sb.stopping.is_set():
            raise render.Cancelled
        blobs.append(images.encode(arr, job.output_format))
    return blobs


def output_refs(job: Job, base_url: str) -> list[str]:
    """What ``output`` lists: URLs on this server, data URIs, or an injected override."""
    if job.output_refs is not None:
        return list(job.output_refs)
    fmt = job.output_format
    if job.return_base64:
        return [images.data_uri(data, fmt) for data in job.outputs]
    ext = "jpg" if fmt == "jpeg" else "png"
    return [f"{base_url}/outputs/{job.id}/{i}.{ext}" for i in range(len(job.outputs))]


def handle_status(sb: Sandbox, key: str, job_id: str, base_url: str) -> Reply:
    """The job's current state; 404 NotFound when unknown, expired or another key's."""
    job = sb.jobs.get(job_id)
    if job is None or job.expired or job.key != key:
        return fashn_error(404, "NotFound", f"Prediction {job_id!r} was not found or expired.")
    status = job.status
    body: dict[str, Any] = {"id": job.id, "status": status, "output": None, "error": None}
    headers: dict[str, str] = {}
    if status == "completed":
        body["output"] = output_refs(job, base_url)
    elif status in ("failed", "canceled"):
        body["error"] = job.error
    if job.terminal:
        headers["x-fashn-credits-used"] = str(job.credits_used)
    return json_reply(200, body, headers)


def handle_credits(sb: Sandbox) -> Reply:
    """``{"credits": {"total", "subscription", "on_demand"}}``."""
    with sb.lock:
        bal = sb.balance
    total = int(bal) if float(bal).is_integer() else bal
    return json_reply(200, {"credits": {"total": total, "subscription": total, "on_demand": 0}})
