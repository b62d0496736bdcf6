"""One description per engine: who it is, where it lives, how it is unlocked, what it
accepts and what it costs. ``make_backend``, the keys, the preferences, the controls
panel and the CLI all read these; nothing else names an engine's URL, key variable,
display name or "no key" message.

Adding an engine: a ``BackendSpec`` here (plus its kind in ``core.request.BackendKind``)
and the module that implements it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from editor.core import credits, options
from editor.core.errors import ValidationError
from editor.core.request import BackendKind
from editor.core.validation import FASHN_NUM_IMAGES_MAX, OPENAI_N_MAX, one_of

# Names of the controls (settings rows) an engine may show; the controls panel maps each
# to its widget and the request builder sends only what is shown. The rows of engine
# options (resolution, mode, format, ...) come from core.options, which also says which
# engine and schema accepts each.
CONTROL_NAMES = frozenset(spec.row for spec in options.OPTIONS) | frozenset(
    {
        "balance",
        "schema",
        "prompt",
        "reference",
        "variants",
        "seed",
        "model",
        "quality",
        "background",
        "fidelity",
        "stream",
        "focus",
        "composite",
    }
)


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """Everything the app knows about one engine before talking to it."""

    kind: BackendKind
    display_name: str  # shown in the backend menu, job records and Settings
    implementation: str  # "module:Class" of the Backend (imported on first use)
    credit_rule: credits.CreditRule  # what a job costs (core.credits)
    # controls shown per request schema ("current" is also the fallback), besides the
    # rows of the options (core.options) it accepts for that schema
    controls: Mapping[str, frozenset[str]]
    max_images: int  # variants one job may ask for
    default_url: str = ""  # "" for an engine that runs on this computer
    key_env: str = ""  # environment variable holding the API key ("" = needs none)
    no_key_message: str = ""  # one line shown when the key is missing
    # extra controls for models whose name starts with the key (OpenAI-compatible)
    model_controls: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    schemas: tuple[str, ...] = ("current",)
    journaled: bool = False  # its jobs are kept in the job journal until saved (resume)

    @property
    def remote(self) -> bool:
        """True for an engine reached over the network (it needs a base URL and a key)."""
        return bool(self.default_url)

    @property
    def needs_key(self) -> bool:
        return bool(self.key_env)

    def controls_for(self, schema: str = "current", model: str = "") -> frozenset[str]:
        """The controls this engine shows for ``schema`` and (OpenAI) ``model``."""
        schema = schema if schema in self.controls else "current"
        names = self.controls[schema] | options.controls_for(self.kind, schema)
        for prefix, extra in self.model_controls.items():
            if model.startswith(prefix):
                names = names | extra
        return names

    def estimate(
        self,
        *,
        schema: str = "current",
        resolution: str = "1k",
        mode: str = "auto",
        num_images: int = 1,
    ) -> credits.CreditEstimate:
        """What one job with these settings costs on this engine."""
        return self.credit_rule(
            schema=schema, resolution=resolution, mode=mode, num_images=num_images
        )


_COMMON_REMOTE = frozenset({"prompt", "focus", "composite"})

SPECS: Mapping[str, BackendSpec] = MappingProxyType(
    {
        "local": BackendSpec(
            kind="local",
            display_name="Local (offline fill)",
            implementation="editor.backends.local:LocalBackend",
            credit_rule=credits.offline_estimate,
            controls=MappingProxyType({"current": frozenset({"variants", "seed"})}),
            max_images=4,
        ),
        "fashn": BackendSpec(
            kind="fashn",
            display_name="FASHN",
            implementation="editor.backends.fashn:FashnBackend",
            credit_rule=credits.fashn_estimate,
            controls=MappingProxyType(
                {
                    "current": _COMMON_REMOTE
                    | {"schema", "balance", "reference", "variants", "seed"},
                    "legacy-inpaint": _COMMON_REMOTE | {"schema", "balance", "seed"},
                }
            ),
            max_images=FASHN_NUM_IMAGES_MAX,
            default_url="https://api.fashn.ai",
            key_env="FASHN_API_KEY",
            no_key_message="No FASHN API key: set FASHN_API_KEY or save a key in Settings.",
            schemas=("current", "legacy-inpaint"),
            journaled=True,
        ),
        "openai": BackendSpec(
            kind="openai",
            display_name="OpenAI-compatible",
            implementation="editor.backends.openai:OpenAIBackend",
            credit_rule=credits.server_billed_estimate,
            controls=MappingProxyType(
                {
                    "current": _COMMON_REMOTE
                    | {"variants", "model", "quality", "background", "stream"}
                }
            ),
            model_controls=MappingProxyType({"gpt-image": frozenset({"fidelity"})}),
            max_images=OPENAI_N_MAX,
            default_url="https://api.openai.com/v1",
            key_env="OPENAI_API_KEY",
            no_key_message=(
                "No API key for the OpenAI-compatible server: set OPENAI_API_KEY "
                "or save a key in Settings."
            ),
        ),
    }
)


def spec_for(kind: str) -> BackendSpec:
    """The spec of ``kind``; raises ValidationError (one line) for an unknown engine."""
    spec = SPECS.get(kind)
    if spec is None:
        raise ValidationError(f"Unknown backend {kind!r}; choose {one_of(list(SPECS))}.")
    return spec


def display_names() -> dict[str, str]:
    """kind -> display name, in menu order."""
    return {kind: spec.display_name for kind, spec in SPECS.items()}


def remote_specs() -> list[BackendSpec]:
    """The engines reached over the network (they have a base URL and an API key)."""
    return [spec for spec in SPECS.values() if spec.remote]


def key_variables() -> dict[str, str]:
    """kind -> the environment variable holding its API key."""
    return {kind: spec.key_env for kind, spec in SPECS.items() if spec.key_env}
