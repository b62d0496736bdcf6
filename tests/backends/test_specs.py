"""Each engine is described once (editor.backends.specs) and every reader agrees with it:
make_backend, the keys, the preferences, readiness and the credit estimate."""

from __future__ import annotations

import asyncio

import pytest
from backend_helpers import request

from editor.backends import make_backend
from editor.backends.keys import ENV_VARS, get_api_key
from editor.backends.remote import RemoteBackend
from editor.backends.specs import CONTROL_NAMES, SPECS, spec_for
from editor.core.credits import estimate_credits
from editor.core.errors import ValidationError
from editor.core.request import BACKENDS, GENERATION_MODES, RESOLUTIONS, SCHEMAS

KINDS = list(SPECS)


def test_every_backend_kind_has_exactly_one_spec_in_menu_order():
    assert tuple(SPECS) == BACKENDS
    assert [spec.kind for spec in SPECS.values()] == list(BACKENDS)
    names = [spec.display_name for spec in SPECS.values()]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("kind", KINDS)
def test_make_backend_gives_the_specs_engine(kind):
    spec = SPECS[kind]
    backend = make_backend(kind, api_key="k-test")
    try:
        assert backend.kind == kind and backend.spec is spec
        assert backend.display_name == spec.display_name
        assert isinstance(backend, RemoteBackend) == spec.remote
        if spec.remote:
            assert backend.base_url == spec.default_url  # type: ignore[attr-defined]
    finally:
        asyncio.run(backend.aclose())


@pytest.mark.parametrize("spec", [s for s in SPECS.values() if s.remote], ids=lambda s: s.kind)
def test_a_missing_key_gives_the_specs_one_line_message(spec, monkeypatch):
    monkeypatch.delenv(spec.key_env, raising=False)
    backend = make_backend(spec.kind, api_key="")
    assert asyncio.run(backend.check_ready()) == spec.no_key_message
    with pytest.raises(ValidationError) as info:

        async def go() -> None:
            async for _event in backend.run(request()):
                pass

        asyncio.run(go())
    assert str(info.value) == spec.no_key_message
    assert "\n" not in spec.no_key_message and spec.key_env in spec.no_key_message


@pytest.mark.parametrize("spec", [s for s in SPECS.values() if s.remote], ids=lambda s: s.kind)
def test_the_key_comes_from_the_specs_variable(spec, monkeypatch):
    assert ENV_VARS[spec.kind] == spec.key_env
    monkeypatch.setenv(spec.key_env, "  sk-from-env-123456  ")
    assert get_api_key(spec.kind) == "sk-from-env-123456"
    backend = make_backend(spec.kind)  # no key given: looked up through the spec
    assert asyncio.run(backend.check_ready()) is None


def test_the_local_engine_needs_no_key_and_no_url():
    spec = SPECS["local"]
    assert not spec.remote and not spec.needs_key and spec.kind not in ENV_VARS
    assert asyncio.run(make_backend("local").check_ready()) is None


@pytest.mark.parametrize("kind", KINDS)
def test_the_credit_rule_is_the_one_the_estimate_uses(kind):
    spec = SPECS[kind]
    for schema in SCHEMAS:
        for resolution in RESOLUTIONS:
            for mode in GENERATION_MODES:
                for n in (1, 3):
                    ours = spec.estimate(
                        schema=schema, resolution=resolution, mode=mode, num_images=n
                    )
                    assert ours == estimate_credits(
                        backend=kind, schema=schema, resolution=resolution, mode=mode, num_images=n
                    )
    free = spec.estimate(resolution="4k", mode="quality", num_images=4).credits == 0
    assert free == (kind != "fashn")


def test_controls_are_known_names_and_follow_schema_and_model():
    for spec in SPECS.values():
        for names in spec.controls.values():
            assert names <= CONTROL_NAMES
        assert spec.max_images >= 1
    fashn = SPECS["fashn"]
    assert "resolution" in fashn.controls_for("current")
    assert "resolution" not in fashn.controls_for("legacy-inpaint")
    assert fashn.controls_for("no-such-schema") == fashn.controls_for("current")
    openai = SPECS["openai"]
    assert "fidelity" in openai.controls_for(model="gpt-image-1")
    assert "fidelity" not in openai.controls_for(model="dall-e-2")
    assert SPECS["local"].controls_for() == {"variants", "seed"}


def test_unknown_engine_and_schema_are_one_line_errors():
    with pytest.raises(ValidationError) as info:
        make_backend("midjourney")
    assert "midjourney" in str(info.value) and "choose local, fashn or openai." in str(info.value)
    with pytest.raises(ValidationError):
        spec_for("")
    with pytest.raises(ValidationError) as info:
        make_backend("fashn", api_key="k", schema="v3")
    assert "current or legacy-inpaint" in str(info.value)
