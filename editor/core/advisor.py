"""Resolution advisor: how much of the source's detail survives in the masked region,
before any credit is spent, and the cheapest settings that keep all of it.

The service works on the region ``core.prepare`` sends (the whole photo, or with Focus
the mask's box plus its margin) and answers at its own output size; the result is
scaled back onto the source. So every source pixel of the region gets
``output pixels / region pixels`` output pixels (at most 1: scaling up adds no detail).
Output sizes: FASHN ``1k``/``2k``/``4k`` are ~1/4/16 MP (seed 001) and never more than
the image sent (longest edge 2000/4000/6000, ``prepare.fashn_max_edge``); the legacy
inpaint schema answers up to 1.05 MP (seed 000); GPT image models answer 1024x1024,
1536x1024 or 1024x1536 by aspect, dall-e-2 a 1024 square holding the padded region
(API notes); the local engine works on the source's own pixels.

Prices come from a ``CreditRule`` (``core.credits``; the caller may pass an engine's
spec rule), so this module needs nothing above ``core``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from editor.core import credits
from editor.core.errors import ValidationError
from editor.core.mask import bounding_box
from editor.core.prepare import fashn_max_edge, fit_size, pad_box

FULL_DETAIL = 0.995  # at or above this share of source detail counts as "full detail"
_TIER_PIXELS = {"1k": 1024 * 1024, "2k": 2048 * 2048, "4k": 4096 * 4096}
_LEGACY_PIXELS = 1_050_000
_GPT_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))
_DALLE2_SIDE = 1024

Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class DetailOption:
    """One choice of settings and what it gives: ``detail`` = output pixels per source
    pixel in the masked region (0..1), ``credits`` per job, ``region`` sent (source px)."""

    resolution: str
    focus: bool
    detail: float
    credits: int
    region: Box
    output_pixels: int

    @property
    def full(self) -> bool:
        return self.detail >= FULL_DETAIL

    def label(self, tiers: bool = True) -> str:
        """ "Focus at 2k", "2k", "Focus" (``tiers`` False: the tier goes unsaid), or ""."""
        tier = self.resolution if tiers else ""
        if self.focus and tier:
            return f"Focus at {tier}"
        return "Focus" if self.focus else tier


@dataclass(frozen=True, slots=True)
class DetailAdvice:
    """The current settings' option, every option, the cheapest one keeping full
    detail (None when none does), and the one-line ``message`` for the user."""

    current: DetailOption
    options: tuple[DetailOption, ...]
    best: DetailOption | None
    message: str


def _region(box: Box, shape: tuple[int, int], focus: bool, margin: float) -> Box:
    return pad_box(box, shape, margin) if focus else (0, 0, shape[1], shape[0])


def output_pixels(
    engine: str,
    resolution: str,
    region_size: tuple[int, int],
    *,
    schema: str = "current",
    model: str = "gpt-image-1",
) -> int:
    """Output pixels the service spends on a region of ``region_size`` = (w, h)."""
    rw, rh = region_size
    if engine == "local":
        return rw * rh
    if engine == "openai":
        if model.strip().lower() == "dall-e-2":
            fw, fh = fit_size(rw, rh, _DALLE2_SIDE)
            if max(rw, rh) < _DALLE2_SIDE:  # small regions are scaled up to the square
                s = _DALLE2_SIDE / max(rw, rh)
                fw, fh = round(rw * s), round(rh * s)
            return fw * fh
        aspect = math.log(rw / rh)
        ow, oh = min(_GPT_SIZES, key=lambda s: abs(math.log(s[0] / s[1]) - aspect))
        return ow * oh
    if schema == "legacy-inpaint":
        sw, sh = fit_size(rw, rh, fashn_max_edge("1k"))
        return min(_LEGACY_PIXELS, sw * sh)
    sw, sh = fit_size(rw, rh, fashn_max_edge(resolution))
    return min(_TIER_PIXELS[resolution], sw * sh)


def advise_resolution(
    mask: np.ndarray,
    *,
    engine: str = "fashn",
    resolution: str = "1k",
    focus: bool = False,
    focus_margin: float = 0.5,
    mode: str = "auto",
    num_images: int = 1,
    schema: str = "current",
    model: str = "gpt-image-1",
    credit_rule: credits.CreditRule | None = None,
    name: str = "masked area",
) -> DetailAdvice:
    """Advice for ``mask`` (H x W, 255 = edit) with these request settings, e.g.
    "masked area: 0.31x of source detail at 1k; Focus or 2k gives 1.0x"."""
    box = bounding_box(mask) if mask.ndim == 2 else None
    if box is None:
        raise ValidationError("Paint a mask first: the advisor measures the masked area.")
    return advise_box(
        box,
        (mask.shape[0], mask.shape[1]),
        engine=engine,
        resolution=resolution,
        focus=focus,
        focus_margin=focus_margin,
        mode=mode,
        num_images=num_images,
        schema=schema,
        model=model,
        credit_rule=credit_rule,
        name=name,
    )


def advise_box(
    box: Box,
    shape: tuple[int, int],
    *,
    engine: str = "fashn",
    resolution: str = "1k",
    focus: bool = False,
    focus_margin: float = 0.5,
    mode: str = "auto",
    num_images: int = 1,
    schema: str = "current",
    model: str = "gpt-image-1",
    credit_rule: credits.CreditRule | None = None,
    name: str = "masked area",
) -> DetailAdvice:
    """``advise_resolution`` from the mask's bounding ``box`` (x0, y0, x1, y1) and the
    photo's ``shape`` (h, w): all it needs, so a window can keep the box, not the mask."""
    if box[0] >= box[2] or box[1] >= box[3]:
        raise ValidationError("Paint a mask first: the advisor measures the masked area.")
    if engine not in ("fashn", "openai", "local"):
        raise ValidationError(f"Unknown engine {engine!r}; choose fashn, openai or local.")
    tiers: tuple[str, ...] = ("1k", "2k", "4k")
    if engine != "fashn" or schema == "legacy-inpaint":
        tiers = (resolution,)  # one size: only Focus changes anything
    rule = credit_rule

    def price(tier: str) -> int:
        if rule is not None:
            est = rule(schema=schema, resolution=tier, mode=mode, num_images=num_images)
        else:
            est = credits.estimate_credits(
                backend=engine, schema=schema, resolution=tier, mode=mode, num_images=num_images
            )
        return est.credits

    if resolution not in tiers and engine == "fashn":
        raise ValidationError(f"Unknown resolution {resolution!r}; choose 1k, 2k or 4k.")
    options = []
    for tier in tiers:
        cost = price(tier)
        for with_focus in (False, True):
            x0, y0, x1, y1 = _region(box, shape, with_focus, focus_margin)
            out = output_pixels(engine, tier, (x1 - x0, y1 - y0), schema=schema, model=model)
            detail = min(1.0, out / float((x1 - x0) * (y1 - y0)))
            options.append(DetailOption(tier, with_focus, detail, cost, (x0, y0, x1, y1), out))
    current = next(o for o in options if o.resolution == resolution and o.focus == bool(focus))
    keeping = [o for o in options if o.full]
    # cheapest; then the smaller tier (faster); then the current Focus setting
    best = min(
        keeping,
        key=lambda o: (o.credits, tiers.index(o.resolution), o.focus != bool(focus)),
        default=None,
    )
    return DetailAdvice(current, tuple(options), best, _message(name, current, options, best))


def _fmt(detail: float) -> str:
    return "1.0x" if detail >= FULL_DETAIL else f"{detail:.2f}x"


def _credits(n: int) -> str:
    return f"{n} credit" if n == 1 else f"{n} credits"


def _message(
    name: str,
    current: DetailOption,
    options: list[DetailOption],
    best: DetailOption | None,
) -> str:
    tiered = len({o.resolution for o in options}) > 1
    priced = any(o.credits for o in options)

    def named(o: DetailOption) -> str:
        label = o.label(tiered and o.resolution != current.resolution) or "these settings"
        return f"{label} ({_credits(o.credits)})" if priced else label

    setting = current.label(tiered)
    where = f" with {setting}" if current.focus else f" at {setting}" if setting else ""
    head = f"{name}: {_fmt(current.detail)} of source detail{where}"
    if current.full:
        return f"{head}; full detail"
    if best is None:
        top = max(options, key=lambda o: (o.detail, -o.credits))
        if top.detail <= current.detail:
            return f"{head}; no setting gives more"
        return f"{head}; the most is {_fmt(top.detail)} with {named(top)}"
    # the cheapest choice, and the cheapest one keeping the current Focus setting
    picks = [best]
    same_focus = [o for o in options if o.full and o.focus == current.focus]
    if best.focus != current.focus and same_focus:
        picks.append(min(same_focus, key=lambda o: o.credits))
    return f"{head}; {' or '.join(named(o) for o in picks)} gives 1.0x"
