"""The edit request: everything one job needs.

CONTRACT (shared by core, backends, UI, CLI): field names and types are fixed; engine
options are declared in ``core.options`` (newer ones travel in ``options``). The
rules a request must meet for each engine live in ``core.validation`` (which imports
this module, never the other way round); a backend checks its request there once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from editor.core.options import BY_NAME

Resolution = Literal["1k", "2k", "4k"]
GenerationMode = Literal["auto", "fast", "balanced", "quality"]
Schema = Literal["current", "legacy-inpaint"]
BackendKind = Literal["local", "fashn", "openai"]
OutputFormat = Literal["png", "jpeg"]

# the choices are declared with the options (core.options)
RESOLUTIONS: tuple[str, ...] = BY_NAME["resolution"].choices
GENERATION_MODES: tuple[str, ...] = BY_NAME["generation_mode"].choices
SCHEMAS: tuple[str, ...] = ("current", "legacy-inpaint")
BACKENDS: tuple[str, ...] = ("local", "fashn", "openai")
SEED_MAX = 2**32 - 1


@dataclass(slots=True)
class OpenAIOptions:
    """Extras only an OpenAI-compatible /v1/images/edits server understands."""

    model: str = "gpt-image-1"
    quality: str = "auto"  # auto | high | medium | low | standard (dall-e-2)
    background: str = "auto"  # auto | transparent | opaque
    input_fidelity: str | None = None  # low | high (gpt-image-1 only)
    output_compression: int | None = None  # 0-100, jpeg/webp only
    size: str | None = None  # None: chosen from the model's sizes by aspect ratio
    stream: bool = False
    partial_images: int = 0  # 0-3, with stream


@dataclass(slots=True)
class EditRequest:
    """One masked edit. ``image`` is the oriented source (H x W x 3/4 uint8);
    ``mask`` is H x W uint8 with 255 = edit, exactly the source's size."""

    image: np.ndarray
    mask: np.ndarray | None = None
    prompt: str = ""
    image_context: np.ndarray | None = None
    resolution: Resolution = "1k"
    generation_mode: GenerationMode = "auto"
    num_images: int = 1
    seed: int = 42
    output_format: OutputFormat = "png"
    return_base64: bool = False
    schema: Schema = "current"
    # Paste-back: None = on when a mask is painted, off for maskless edits.
    composite: bool | None = None
    feather_px: int = 4
    # Focus on mask: send only the mask's bounding box plus a margin.
    focus: bool = False
    focus_margin: float = 0.5  # fraction of the box's larger side added on every edge
    openai: OpenAIOptions = field(default_factory=OpenAIOptions)
    # Values of the engine options declared in core.options that have no field here
    # (by option name, e.g. {"aspect_ratio": "16:9"}); absent = the option's default.
    options: dict[str, Any] = field(default_factory=dict)
    # Set by core.validation when these exact settings passed its checks for an engine;
    # not a setting (never in journals, sessions or comparisons).
    validated_as: tuple[object, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def has_mask(self) -> bool:
        return self.mask is not None and bool(self.mask.any())

    @property
    def wants_composite(self) -> bool:
        return self.has_mask if self.composite is None else bool(self.composite and self.has_mask)
