"""A request is validated exactly once on its way to the wire, whoever checks it first
(the window before it shows the job, or the backend for the CLI), and a request changed
after that check is checked again. The FASHN schema comes from the request."""

from __future__ import annotations

import pytest
from backend_helpers import SANDBOX_KEY, completed, fashn, request, run

import editor.core.validation as validation
from editor.backends import make_backend
from editor.core.errors import ValidationError
from editor.core.request import OpenAIOptions


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every full validation of a request, by engine."""
    calls: list[str] = []
    real = validation.validate_request

    def counting(req, backend):  # type: ignore[no-untyped-def]
        calls.append(backend)
        return real(req, backend)

    monkeypatch.setattr(validation, "validate_request", counting)
    return calls


def _engines(sandbox):  # type: ignore[no-untyped-def]
    return {
        "local": (lambda: make_backend("local"), request(prompt="")),
        "fashn": (lambda: fashn(sandbox), request()),
        "openai": (
            lambda: make_backend("openai", base_url=sandbox.url, api_key=SANDBOX_KEY),
            request(openai=OpenAIOptions(model="gpt-image-1")),
        ),
    }


@pytest.mark.parametrize("kind", ["local", "fashn", "openai"])
def test_backend_alone_validates_once(sandbox, checks, kind):
    make, req = _engines(sandbox)[kind]
    completed(run(make(), req))
    assert checks == [kind]


@pytest.mark.parametrize("kind", ["local", "fashn", "openai"])
def test_an_early_check_is_the_only_one(sandbox, checks, kind):
    make, req = _engines(sandbox)[kind]
    validation.validate_request(req, kind)  # e.g. the window, before it shows the job
    completed(run(make(), req))
    assert checks == [kind]


def test_a_request_changed_after_its_check_is_checked_again(checks):
    req = request(prompt="")
    validation.validate_request(req, "local")
    req.prompt = "a red hat"  # the offline fill cannot follow a prompt
    with pytest.raises(ValidationError) as info:
        run(make_backend("local"), req)
    assert str(info.value) == validation.LOCAL_PROMPT_MESSAGE
    assert checks == ["local", "local"]


def test_a_check_for_another_engine_does_not_count(sandbox, checks):
    req = request(num_images=6)  # fine for OpenAI (up to 10), too many for FASHN (4)
    validation.validate_request(req, "openai")
    with pytest.raises(ValidationError) as info:
        run(fashn(sandbox), req)
    assert "1 to 4 images" in str(info.value)
    assert checks == ["openai", "fashn"]
    assert sandbox.stats.run_requests == 0  # refused before anything was sent


def test_replacing_the_mask_after_the_check_is_checked_again(checks):
    req = request(prompt="")
    validation.validate_request(req, "local")
    req.mask = None  # nothing to fill any more
    with pytest.raises(ValidationError, match="needs a mask"):
        run(make_backend("local"), req)
    assert checks == ["local", "local"]


def test_the_schema_comes_from_the_request(sandbox, checks):
    backend = fashn(sandbox)  # no schema given to the backend
    events = run(backend, request(prompt="", schema="legacy-inpaint"))
    assert sandbox.jobs[events[0].job_id].schema == "legacy"
    events = run(fashn(sandbox), request(schema="current"))
    assert sandbox.jobs[events[0].job_id].schema == "current"
    assert checks == ["fashn", "fashn"]
