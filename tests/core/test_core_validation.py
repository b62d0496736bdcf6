"""Request validation per backend and schema: one line, what is wrong and what to do."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.errors import ValidationError
from editor.core.request import EditRequest, OpenAIOptions
from editor.core.validation import LOCAL_PROMPT_MESSAGE, validate_request


def image(h: int = 20, w: int = 30) -> np.ndarray:
    return np.zeros((h, w, 3), dtype=np.uint8)


def mask(h: int = 20, w: int = 30, on: bool = True) -> np.ndarray:
    m = np.zeros((h, w), dtype=np.uint8)
    if on:
        m[5:10, 5:10] = 255
    return m


def req(**kw: object) -> EditRequest:
    base: dict[str, object] = {"image": image(), "mask": mask(), "prompt": "add a hat"}
    base.update(kw)
    return EditRequest(**base)  # type: ignore[arg-type]


def refused(request: EditRequest, backend: str, *phrases: str) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_request(request, backend)
    message = str(exc.value)
    assert "\n" not in message
    for phrase in phrases:
        assert phrase in message, message
    return message


def test_valid_requests_pass() -> None:
    validate_request(req(), "fashn")
    validate_request(req(mask=None), "fashn")  # maskless instruction edit
    validate_request(req(prompt="", schema="legacy-inpaint"), "fashn")
    validate_request(req(prompt=""), "local")
    validate_request(req(num_images=10), "openai")


@pytest.mark.parametrize("seed", [0, 42, 2**32 - 1])
def test_seed_range_ok(seed: int) -> None:
    validate_request(req(seed=seed), "fashn")


@pytest.mark.parametrize("seed", [-1, 2**32, True, 1.5])
def test_seed_out_of_range(seed: object) -> None:
    refused(req(seed=seed), "fashn", "seed", "4294967295")


@pytest.mark.parametrize("resolution", ["1k", "2k", "4k"])
def test_current_schema_resolutions(resolution: str) -> None:
    validate_request(req(resolution=resolution), "fashn")


def test_bad_resolution_and_mode() -> None:
    refused(req(resolution="8k"), "fashn", "1k, 2k or 4k")
    refused(req(generation_mode="turbo"), "fashn", "auto, fast, balanced or quality")


def test_fashn_num_images() -> None:
    validate_request(req(num_images=4), "fashn")
    refused(req(num_images=5), "fashn", "1 to 4", "lower")
    refused(req(num_images=0), "fashn", "at least 1")
    refused(req(prompt="", schema="legacy-inpaint", num_images=2), "fashn", "set the number")


def test_fashn_current_needs_prompt() -> None:
    refused(req(prompt="   "), "fashn", "needs a prompt", "offline fill")


def test_legacy_needs_mask() -> None:
    refused(req(schema="legacy-inpaint", mask=None), "fashn", "needs a mask", "paint")
    refused(req(schema="legacy-inpaint", mask=mask(on=False)), "fashn", "needs a mask")


def test_mask_must_match_image_size() -> None:
    refused(req(mask=mask(10, 30)), "fashn", "30x10", "30x20", "exactly")
    refused(req(mask=mask(10, 30)), "local", "30x10")


def test_local_rejects_prompt_and_needs_mask() -> None:
    message = refused(req(), "local")
    assert message == LOCAL_PROMPT_MESSAGE
    assert message == (
        "Prompt-guided edits need FASHN or an OpenAI-compatible server; "
        "clear the prompt to fill from the surroundings."
    )
    refused(req(prompt="", mask=None), "local", "needs a mask", "paint")
    refused(req(prompt="", mask=mask(on=False)), "local", "needs a mask")


def test_openai_rules() -> None:
    refused(req(prompt=""), "openai", "needs a prompt")
    refused(req(num_images=11), "openai", "1 to 10")
    validate_request(req(prompt="x" * 32000), "openai")
    refused(req(prompt="x" * 32001), "openai", "32001", "32000", "shorten")
    dalle = OpenAIOptions(model="dall-e-2", quality="standard")
    validate_request(req(prompt="x" * 1000, openai=dalle), "openai")
    refused(req(prompt="x" * 1001, openai=dalle), "openai", "1000", "dall-e-2")
    refused(req(openai=OpenAIOptions(quality="ultra")), "openai", "quality", "high")
    refused(req(openai=OpenAIOptions(background="green")), "openai", "background", "transparent")
    refused(req(openai=OpenAIOptions(input_fidelity="max")), "openai", "fidelity", "low")
    refused(req(openai=OpenAIOptions(output_compression=101)), "openai", "0 to 100")
    refused(req(openai=OpenAIOptions(partial_images=4)), "openai", "0 to 3")
    refused(req(openai=OpenAIOptions(size="big")), "openai", "1024x1024")
    validate_request(req(openai=OpenAIOptions(size="1536x1024", output_compression=80)), "openai")


def test_hundred_kilobyte_prompt_is_refused_in_one_line() -> None:
    message = refused(req(prompt="é" * 100_000), "openai", "shorten")
    assert len(message) < 200


def test_no_image_and_unknown_backend() -> None:
    refused(req(image=np.zeros((0, 0, 3), dtype=np.uint8), mask=None), "fashn", "open")
    refused(req(image=None, mask=None), "fashn", "open a photo")
    refused(req(), "midjourney", "local, fashn or openai")


def test_other_checks() -> None:
    refused(req(output_format="gif"), "fashn", "png or jpeg")
    refused(req(feather_px=-1), "fashn", "feather")
