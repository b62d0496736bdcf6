"""The engine options table (core.options): consistent, and read by validation and the
request model."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.errors import ValidationError
from editor.core.options import (
    BY_NAME,
    OPTIONS,
    check_options,
    controls_for,
    saved_values,
    split_values,
    value_of,
    wire_fields,
)
from editor.core.request import BACKENDS, EditRequest
from editor.core.validation import ensure_valid, validate_request


def _request(**kwargs: object) -> EditRequest:
    image = np.zeros((8, 10, 3), np.uint8)
    mask = np.zeros((8, 10), np.uint8)
    mask[2:5, 2:5] = 255
    return EditRequest(image=image, mask=mask, prompt="a hat", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", OPTIONS, ids=lambda s: s.name)
def test_every_option_is_complete_and_its_default_is_valid(spec) -> None:  # type: ignore[no-untyped-def]
    assert spec.label and spec.noun
    assert set(spec.engines) <= set(BACKENDS)
    assert set(spec.wire) <= set(spec.engines)
    spec.check(spec.default)  # no error
    if spec.kind == "choice":
        assert spec.default in spec.choices
        assert set(spec.choice_labels) <= set(spec.choices)
    if spec.cli_flag:
        assert spec.cli_flag.startswith("--")
    assert len({s.row for s in OPTIONS}) == len(OPTIONS)  # one panel row each


def test_aspect_ratio_is_declared_once_for_fashn_current_only() -> None:
    spec = BY_NAME["aspect_ratio"]
    assert "21:9" in spec.choices and "9:16" in spec.choices
    assert controls_for("fashn", "current") >= {"resolution", "mode", "aspect", "format"}
    assert "aspect" not in controls_for("fashn", "legacy-inpaint")
    assert "aspect" not in controls_for("openai") and not controls_for("local")


def test_options_mapping_travels_to_the_wire_and_the_saved_settings() -> None:
    kwargs, extra = split_values(
        {"resolution": "2k", "aspect_ratio": "16:9", "generation_mode": "auto"}, EditRequest
    )
    assert kwargs == {"resolution": "2k", "generation_mode": "auto"}
    assert extra == {"aspect_ratio": "16:9"}
    assert split_values({"aspect_ratio": "auto"}, EditRequest) == ({}, {})  # omitted
    request = _request(**kwargs)
    request.options.update(extra)
    assert value_of(request, BY_NAME["aspect_ratio"]) == "16:9"
    fields = dict(wire_fields(request, "fashn", "current"))
    assert fields == {"resolution": "2k", "aspect_ratio": "16:9", "output_format": "png"}
    assert "generation_mode" not in fields  # auto: the service chooses
    assert dict(wire_fields(request, "fashn", "legacy-inpaint")) == {"output_format": "png"}
    assert saved_values(request)["aspect_ratio"] == "16:9"
    assert saved_values(_request())["aspect_ratio"] == "auto"


def test_validation_reads_the_table() -> None:
    bad = _request()
    bad.options["aspect_ratio"] = "7:3"
    with pytest.raises(ValidationError) as info:
        validate_request(bad, "fashn")
    assert str(info.value) == (
        "Unknown aspect ratio '7:3'; choose auto, 21:9, 1:1, 4:3, 3:2, 2:3, 5:4, 4:5, "
        "3:4, 16:9 or 9:16."
    )
    with pytest.raises(ValidationError, match="Unknown resolution '8k'; choose 1k, 2k or 4k"):
        validate_request(_request(resolution="8k"), "fashn")
    # an option the engine does not take is refused, not silently dropped
    openai = _request()
    openai.options["aspect_ratio"] = "1:1"
    with pytest.raises(ValidationError, match="aspect ratio is not an option"):
        validate_request(openai, "openai")
    with pytest.raises(ValidationError, match="Unknown option 'tilt'"):
        check_options(_request(options={"tilt": 3}), "fashn", "current")
    ok = _request()  # a 10x8 photo: 5:4 is its own shape, 4:5 would come back stretched
    ok.options["aspect_ratio"] = "4:5"
    with pytest.raises(ValidationError, match="stretched when pasted back"):
        validate_request(ok, "fashn")
    ok.options["aspect_ratio"] = "5:4"
    validate_request(ok, "fashn")
    assert ok.validated_as is not None
    ok.options["aspect_ratio"] = "bogus"  # a later edit of the mapping makes the stamp stale
    with pytest.raises(ValidationError, match="Unknown aspect ratio"):
        ensure_valid(ok, "fashn")
