"""Checks an EditRequest against what the chosen backend and schema accept.

Every failure is a ValidationError whose message is one line: what is wrong and what
to do about it. A request that passed is stamped with what was checked, so the one
validation on its way to the wire is not repeated by the next step (``ensure_valid``);
changing any setting afterwards makes the stamp stale and the request is checked again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from editor.core.errors import ValidationError
from editor.core.options import check_options
from editor.core.request import (
    BACKENDS,
    SCHEMAS,
    SEED_MAX,
    EditRequest,
)

OPENAI_PROMPT_MAX = 32000
DALLE2_PROMPT_MAX = 1000
OPENAI_N_MAX = 10
FASHN_NUM_IMAGES_MAX = 4
OPENAI_QUALITIES = ("auto", "high", "medium", "low", "standard")
OPENAI_BACKGROUNDS = ("auto", "transparent", "opaque")
OPENAI_FIDELITIES = ("low", "high")
OUTPUT_FORMATS = ("png", "jpeg")

LOCAL_PROMPT_MESSAGE = (
    "Prompt-guided edits need FASHN or an OpenAI-compatible server; "
    "clear the prompt to fill from the surroundings."
)


def validate_request(request: EditRequest, backend: str) -> None:
    """Raise ValidationError (one human line) if ``request`` cannot go to ``backend``;
    on success, stamp the request as valid for ``backend``."""
    rules = _ENGINE_RULES.get(backend)
    if rules is None:
        raise ValidationError(f"Unknown backend {backend!r}; choose {one_of(BACKENDS)}.")
    _check_image(request)
    _check_common(request)
    rules(request)
    check_options(request, backend, request.schema)
    _check_aspect(request)
    request.validated_as = _fingerprint(request, backend)


def _check_aspect(request: EditRequest) -> None:
    """Results are pasted back at the photo's (or the focus crop's) own size, so an output
    of another shape would be stretched: a paid result no one can use. Only the photo's own
    shape is accepted (2 % tolerance), and only for the whole photo."""
    ratio = request.options.get("aspect_ratio", "auto")
    if ratio in (None, "auto"):
        return
    w_part, _, h_part = str(ratio).partition(":")
    h, w = request.image.shape[:2]
    wanted = float(w_part) / float(h_part)
    if request.focus:
        raise ValidationError(
            f"Aspect ratio {ratio} cannot be combined with Focus (the crop has its own shape); "
            "set the aspect ratio to auto."
        )
    if abs(wanted / (w / h) - 1) > 0.02:
        raise ValidationError(
            f"Aspect ratio {ratio} differs from the photo's ({w}x{h}); the result would be "
            "stretched when pasted back. Set it to auto, or crop the photo to that shape first."
        )


def one_of(names: tuple[str, ...] | list[str]) -> str:
    """``a, b or c`` for a one-line message."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def ensure_valid(request: EditRequest, backend: str) -> None:
    """Validate ``request`` for ``backend`` unless exactly these settings already passed
    (the one check on the way to the wire may happen early, e.g. before a job is shown)."""
    if request.validated_as is None or request.validated_as != _fingerprint(request, backend):
        validate_request(request, backend)


def _fingerprint(request: EditRequest, backend: str) -> tuple[object, ...]:
    """What was checked: every setting, and which arrays (identity and shape; their
    pixels are the caller's snapshot and are not hashed)."""
    parts: list[object] = [backend]
    for f in dataclasses.fields(request):
        if f.name == "validated_as":
            continue
        value = getattr(request, f.name)
        if isinstance(value, np.ndarray):
            parts.append((id(value), value.shape, value.dtype.str))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts.append(dataclasses.astuple(value))
        elif isinstance(value, dict):  # a snapshot: a later edit of the mapping is seen
            parts.append(tuple(sorted(value.items())))
        else:
            parts.append(value)
    return tuple(parts)


def _check_image(request: EditRequest) -> None:
    image = request.image
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValidationError("No image is loaded; open a photo first.")
    if image.dtype != np.uint8 or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValidationError("The image has no usable pixels; open another photo.")
    mask = request.mask
    if mask is not None:
        if not isinstance(mask, np.ndarray) or mask.ndim != 2:
            raise ValidationError("The mask must be a single-channel image; repaint or reload it.")
        h, w = image.shape[:2]
        if mask.shape != (h, w):
            raise ValidationError(
                f"The mask is {mask.shape[1]}x{mask.shape[0]} but the image is {w}x{h}; "
                "use a mask of exactly the image's size."
            )
    ctx = request.image_context
    if ctx is not None and (
        not isinstance(ctx, np.ndarray) or ctx.ndim != 3 or ctx.shape[2] not in (3, 4)
    ):
        raise ValidationError("The context image is not a colour image; choose another one.")


def _check_common(request: EditRequest) -> None:
    seed = request.seed
    if (
        isinstance(seed, bool)
        or not isinstance(seed, (int, np.integer))
        or not (0 <= int(seed) <= SEED_MAX)
    ):
        raise ValidationError(f"The seed must be a whole number from 0 to {SEED_MAX}; got {seed}.")
    n = request.num_images
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < 1:
        raise ValidationError(f"The number of images must be at least 1; got {n}.")
    if request.output_format not in OUTPUT_FORMATS:
        raise ValidationError(
            f"Unknown output format {request.output_format!r}; choose png or jpeg."
        )
    if request.feather_px < 0:
        raise ValidationError("The feather must be 0 px or more; set a smaller softening.")
    if request.focus and not 0 <= request.focus_margin <= 10:
        raise ValidationError("The focus margin must be between 0 and 10; pick a smaller margin.")


def _check_local(request: EditRequest) -> None:
    if request.prompt.strip():
        raise ValidationError(LOCAL_PROMPT_MESSAGE)
    if not request.has_mask:
        raise ValidationError(
            "The offline fill needs a mask; paint over the area to fill from its surroundings."
        )


def _check_fashn(request: EditRequest) -> None:
    if request.schema not in SCHEMAS:
        raise ValidationError(
            f"Unknown FASHN schema {request.schema!r}; choose current or legacy-inpaint."
        )
    if request.schema == "legacy-inpaint":
        if not request.has_mask:
            raise ValidationError(
                "The legacy inpaint service needs a mask; paint the area to change first."
            )
        if request.num_images != 1:
            raise ValidationError(
                "The legacy inpaint service makes 1 image per job; set the number of images to 1."
            )
        return
    if not request.prompt.strip():
        raise ValidationError(
            "FASHN edit needs a prompt; describe the change, or use the offline fill "
            "to erase the masked area."
        )
    # resolution, generation mode and the other table options: core.options
    if request.num_images > FASHN_NUM_IMAGES_MAX:
        raise ValidationError(
            f"FASHN makes 1 to {FASHN_NUM_IMAGES_MAX} images per job; "
            f"lower the number of images from {request.num_images}."
        )


def _check_openai(request: EditRequest) -> None:
    opts = request.openai
    prompt = request.prompt
    if not prompt.strip():
        raise ValidationError(
            "An OpenAI-compatible edit needs a prompt; describe the change, "
            "or use the offline fill to erase the masked area."
        )
    limit = DALLE2_PROMPT_MAX if opts.model == "dall-e-2" else OPENAI_PROMPT_MAX
    if len(prompt) > limit:
        raise ValidationError(
            f"The prompt is {len(prompt)} characters but {opts.model} accepts at most "
            f"{limit}; shorten it."
        )
    if request.num_images > OPENAI_N_MAX:
        raise ValidationError(
            f"OpenAI-compatible servers make 1 to {OPENAI_N_MAX} images per request; "
            f"lower the number of images from {request.num_images}."
        )
    _enum("quality", opts.quality, OPENAI_QUALITIES)
    _enum("background", opts.background, OPENAI_BACKGROUNDS)
    if opts.input_fidelity is not None:
        _enum("input fidelity", opts.input_fidelity, OPENAI_FIDELITIES)
    comp = opts.output_compression
    if comp is not None and (
        isinstance(comp, bool) or not isinstance(comp, int) or not 0 <= comp <= 100
    ):
        raise ValidationError(f"Output compression must be 0 to 100 percent; got {comp}.")
    if not 0 <= opts.partial_images <= 3:
        raise ValidationError(f"Partial images must be 0 to 3; got {opts.partial_images}.")
    if opts.size is not None and opts.size != "auto":
        parts = opts.size.lower().split("x")
        if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
            raise ValidationError(
                f"Unknown image size {opts.size!r}; use WIDTHxHEIGHT such as 1024x1024, or auto."
            )


def _enum(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(f"Unknown {name} {value!r}; choose {', '.join(allowed)}.")


# What each engine (core.request.BackendKind) accepts beyond the common checks.
_ENGINE_RULES: dict[str, Callable[[EditRequest], None]] = {
    "local": _check_local,
    "fashn": _check_fashn,
    "openai": _check_openai,
}
