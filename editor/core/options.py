"""Engine options declared once: one ``OptionSpec`` per option.

Read by the request model (``value_of`` / ``request_values``), validation
(``check_options``), the wire modules (``wire_fields``), the engine specs (which controls
an engine shows), the controls panel (its rows and widgets), the saved panel state, the
CLI (its flags) and the job settings recorded with results and in the job journal.

Adding an option: one ``OptionSpec`` in ``OPTIONS`` below. An option that is not an
``EditRequest`` field travels in ``EditRequest.options``; give it a dedicated field only
when code other than the wire reads it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from editor.core.errors import ValidationError

OptionKind = Literal["choice", "int", "bool"]
OptionValue = str | int | bool

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One engine option, everywhere it appears."""

    name: str  # EditRequest field or key of EditRequest.options; also the settings key
    label: str  # row label in the controls panel
    noun: str  # in messages: "Unknown {noun} ...; choose ..."
    kind: OptionKind
    default: OptionValue
    # engine kind -> the request schemas that accept it
    engines: Mapping[str, tuple[str, ...]]
    # engine kind -> the field name on the wire (engines accepting it but absent here
    # send it their own way, e.g. OpenAI's dall-e-2 rules)
    wire: Mapping[str, str]
    choices: tuple[str, ...] = ()
    choice_labels: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    low: int = 0  # range of an "int" option
    high: int = 0
    omit: OptionValue | None = None  # this value is not sent (the service chooses)
    tooltip: str = ""
    cli_flag: str = ""  # "" = no flag
    cli_help: str = ""
    control: str = ""  # name of its row in the controls panel ("" = the name)
    after: str = ""  # the row it follows in the panel ("" = before the checkboxes)
    saved: bool = True  # recorded with the job's settings (results, journal)
    remember: bool = True  # the panel keeps its last value per engine across restarts

    @property
    def row(self) -> str:
        return self.control or self.name

    def accepts(self, engine: str, schema: str = "current") -> bool:
        return schema in self.engines.get(engine, ())

    def check(self, value: object) -> None:
        """Raise ValidationError (one line) when ``value`` is not allowed."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ValidationError(
                    f"Unknown {self.noun} {value!r}; choose {_one_of(self.choices)}."
                )
        elif self.kind == "int":
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not self.low <= value <= self.high
            ):
                raise ValidationError(
                    f"The {self.noun} must be a whole number from {self.low} to {self.high}; "
                    f"got {value!r}."
                )
        elif not isinstance(value, bool):
            raise ValidationError(f"The {self.noun} must be on or off; got {value!r}.")


def _one_of(names: Iterable[str]) -> str:
    items = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


_FASHN_CURRENT = MappingProxyType({"fashn": ("current",)})

OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        name="resolution",
        label="Resolution",
        noun="resolution",
        kind="choice",
        default="1k",
        choices=("1k", "2k", "4k"),
        engines=_FASHN_CURRENT,
        wire=MappingProxyType({"fashn": "resolution"}),
        tooltip="Output size: 1k about 1 MP, 2k about 4 MP, 4k about 16 MP",
        cli_flag="--resolution",
        after="reference",
    ),
    OptionSpec(
        name="generation_mode",
        label="Mode",
        noun="generation mode",
        kind="choice",
        default="auto",
        choices=("auto", "fast", "balanced", "quality"),
        engines=_FASHN_CURRENT,
        wire=MappingProxyType({"fashn": "generation_mode"}),
        omit="auto",
        tooltip="auto lets FASHN choose (billed as fast at 1k, as quality at 2k and 4k)",
        cli_flag="--mode",
        control="mode",
        after="resolution",
    ),
    OptionSpec(
        name="aspect_ratio",
        label="Aspect ratio",
        noun="aspect ratio",
        kind="choice",
        default="auto",
        choices=("auto", "21:9", "1:1", "4:3", "3:2", "2:3", "5:4", "4:5", "3:4", "16:9", "9:16"),
        choice_labels=MappingProxyType({"auto": "auto (the photo's)"}),
        engines=_FASHN_CURRENT,
        wire=MappingProxyType({"fashn": "aspect_ratio"}),
        omit="auto",
        tooltip="Shape of the output; auto keeps the photo's",
        cli_flag="--aspect-ratio",
        cli_help="output shape, e.g. 16:9 (FASHN; default: the photo's)",
        control="aspect",
        after="mode",
    ),
    OptionSpec(
        name="output_format",
        label="Format",
        noun="output format",
        kind="choice",
        default="png",
        choices=("png", "jpeg"),
        engines=MappingProxyType({"fashn": ("current", "legacy-inpaint"), "openai": ("current",)}),
        wire=MappingProxyType({"fashn": "output_format", "openai": "output_format"}),
        cli_flag="--format",
        control="format",
        after="seed",
    ),
)

BY_NAME: Mapping[str, OptionSpec] = MappingProxyType({spec.name: spec for spec in OPTIONS})


def option(name: str) -> OptionSpec:
    return BY_NAME[name]


def _request_fields(request: object) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(request))  # type: ignore[arg-type]


def value_of(request: object, spec: OptionSpec) -> Any:
    """The option's value in ``request`` (its field, else its ``options`` entry, else
    the default)."""
    if spec.name in _request_fields(request):
        return getattr(request, spec.name)
    extra: Mapping[str, Any] = getattr(request, "options", None) or {}
    return extra.get(spec.name, spec.default)


def is_field(spec: OptionSpec, request_type: type) -> bool:
    return spec.name in {f.name for f in dataclasses.fields(request_type)}


def split_values(
    values: Mapping[str, Any], request_type: type
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keyword arguments for ``request_type``, its ``options`` mapping) from option
    values by name; an ``options`` value equal to the option's ``omit`` is left out."""
    fields = {f.name for f in dataclasses.fields(request_type)}
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in values.items():
        spec = BY_NAME.get(name)
        if spec is None:
            continue
        if name in fields:
            kwargs[name] = value
        elif spec.omit is None or value != spec.omit:
            extra[name] = value
    return kwargs, extra


def options_for(engine: str, schema: str = "current") -> list[OptionSpec]:
    """The options ``engine`` accepts with ``schema``, in panel order."""
    return [spec for spec in OPTIONS if spec.accepts(engine, schema)]


def controls_for(engine: str, schema: str = "current") -> frozenset[str]:
    """Names of the panel rows of the options ``engine`` accepts with ``schema``."""
    return frozenset(spec.row for spec in options_for(engine, schema))


def check_options(request: object, engine: str, schema: str) -> None:
    """Check every option ``engine`` accepts (choices, ranges); refuse extra options it
    does not accept. One-line ValidationError."""
    for spec in options_for(engine, schema):
        spec.check(value_of(request, spec))
    extra: Mapping[str, Any] = getattr(request, "options", None) or {}
    for name, value in extra.items():
        known = BY_NAME.get(name)
        if known is None:
            raise ValidationError(f"Unknown option {name!r}; leave it out.")
        if not known.accepts(engine, schema) and value != known.omit:
            raise ValidationError(
                f"The {known.noun} is not an option of this engine or schema; leave it out."
            )


def wire_fields(request: object, engine: str, schema: str) -> list[tuple[str, Any]]:
    """(wire name, value) of the table's options ``engine`` sends for ``schema``,
    leaving out values the service chooses itself."""
    out = []
    for spec in options_for(engine, schema):
        wire_name = spec.wire.get(engine)
        value = value_of(request, spec)
        if wire_name and not (spec.omit is not None and value == spec.omit):
            out.append((wire_name, value))
    return out


def saved_values(request: object) -> dict[str, Any]:
    """The options recorded with a job (journal, result settings), by name."""
    return {spec.name: value_of(request, spec) for spec in OPTIONS if spec.saved}
