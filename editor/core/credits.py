"""Credit and time estimates for an edit, from the FASHN `edit` pages (seeds 000/001/002)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from editor.core.errors import ValidationError
from editor.core.request import GENERATION_MODES, RESOLUTIONS

# seed 001: credits per output image, generation_mode x resolution
CREDIT_TABLE: dict[str, dict[str, int]] = {
    "fast": {"1k": 1, "2k": 2, "4k": 3},
    "balanced": {"1k": 2, "2k": 3, "4k": 4},
    "quality": {"1k": 3, "2k": 4, "4k": 5},
}
LEGACY_CREDITS = 1  # seed 000: 1 credit per output
LEGACY_SECONDS = 12.0  # seed 000: "Processing Time: 12 seconds"
# seed 001: fast + 1k "under 20 s", quality + 4k "up to 120 s"; linear in between by cost
_FASTEST_S, _SLOWEST_S = 20.0, 120.0


@dataclass(frozen=True, slots=True)
class CreditEstimate:
    """``credits`` the job will cost and a one-line ``explanation`` to show the user."""

    credits: int
    explanation: str

    def __str__(self) -> str:
        return self.explanation


def billed_mode(resolution: str, mode: str) -> str:
    """The generation mode FASHN bills: 'auto' (omitted) is fast at 1k, quality above."""
    if mode == "auto":
        return "fast" if resolution == "1k" else "quality"
    return mode


def _check(resolution: str, mode: str) -> None:
    if resolution not in RESOLUTIONS:
        raise ValidationError(f"Unknown resolution {resolution!r}; choose 1k, 2k or 4k.")
    if mode not in GENERATION_MODES:
        raise ValidationError(
            f"Unknown generation mode {mode!r}; choose auto, fast, balanced or quality."
        )


class CreditRule(Protocol):
    """How an engine prices one job (an engine's spec names its rule)."""

    def __call__(
        self, *, schema: str, resolution: str, mode: str, num_images: int
    ) -> CreditEstimate: ...


def fashn_estimate(
    *, schema: str = "current", resolution: str = "1k", mode: str = "auto", num_images: int = 1
) -> CreditEstimate:
    """FASHN's price list (seeds 000/001): per image, by generation mode and resolution."""
    n = max(1, int(num_images))
    times = f", x{n}" if n > 1 else ""
    if schema == "legacy-inpaint":
        total = LEGACY_CREDITS * n
        return CreditEstimate(total, f"{_credits(total)}: legacy inpaint, 1 per image{times}")
    _check(resolution, mode)
    billed = billed_mode(resolution, mode)
    total = CREDIT_TABLE[billed][resolution] * n
    how = f"auto (billed as {billed})" if mode == "auto" else billed
    return CreditEstimate(total, f"{_credits(total)}: {how} at {resolution}{times}")


def offline_estimate(
    *, schema: str = "current", resolution: str = "1k", mode: str = "auto", num_images: int = 1
) -> CreditEstimate:
    """The offline fill costs nothing."""
    return CreditEstimate(0, "0 credits: the offline fill is free and runs on this computer")


def server_billed_estimate(
    *, schema: str = "current", resolution: str = "1k", mode: str = "auto", num_images: int = 1
) -> CreditEstimate:
    """An OpenAI-compatible server bills by its own pricing, not in FASHN credits."""
    return CreditEstimate(
        0, "0 FASHN credits: the OpenAI-compatible server bills this job by its own pricing"
    )


_RULES: dict[str, CreditRule] = {
    "local": offline_estimate,
    "fashn": fashn_estimate,
    "openai": server_billed_estimate,
}


def estimate_credits(
    *,
    backend: str = "fashn",
    schema: str = "current",
    resolution: str = "1k",
    mode: str = "auto",
    num_images: int = 1,
) -> CreditEstimate:
    """What a job costs, e.g. ``CreditEstimate(6, "6 credits: balanced at 2k, x2")``.
    Engines without a rule of their own are priced like FASHN."""
    rule = _RULES.get(backend, fashn_estimate)
    return rule(schema=schema, resolution=resolution, mode=mode, num_images=num_images)


def _credits(n: int) -> str:
    return f"{n} credit" if n == 1 else f"{n} credits"


def expected_seconds(
    resolution: str = "1k", mode: str = "auto", *, schema: str = "current"
) -> float:
    """Typical FASHN processing time in seconds for one job (seed 001: 20 s for fast at 1k
    up to 120 s for quality at 4k, interpolated by cost; legacy inpaint: 12 s)."""
    if schema == "legacy-inpaint":
        return LEGACY_SECONDS
    _check(resolution, mode)
    cost = CREDIT_TABLE[billed_mode(resolution, mode)][resolution]
    lo, hi = CREDIT_TABLE["fast"]["1k"], CREDIT_TABLE["quality"]["4k"]
    return _FASTEST_S + (cost - lo) * (_SLOWEST_S - _FASTEST_S) / (hi - lo)
