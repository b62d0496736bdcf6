"""The official ``openai`` SDK's ``images.edit`` works unchanged against the sandbox."""

from __future__ import annotations

import base64

import httpx
import pytest

openai = pytest.importorskip("openai")

from openai import OpenAI  # noqa: E402

from editor.sandbox import Sandbox  # noqa: E402
from editor.sandbox.testing import (  # noqa: E402
    box_mask,
    decode,
    openai_mask_png,
    png_bytes,
    sample_image,
)


@pytest.fixture
def sdk(sandbox: Sandbox):
    client = OpenAI(api_key=sandbox.key, base_url=f"{sandbox.url}/v1", max_retries=0, timeout=20)
    yield client
    client.close()


def files():
    image = ("photo.png", png_bytes(sample_image(64, 64)), "image/png")
    mask = ("mask.png", openai_mask_png(box_mask(64, 64, (16, 16, 48, 48))), "image/png")
    return image, mask


def test_dall_e_2_edit_with_url_and_b64(sdk: OpenAI):
    image, mask = files()
    result = sdk.images.edit(image=image, mask=mask, prompt="a hat", model="dall-e-2",
                             size="256x256", n=2)  # fmt: skip
    assert len(result.data) == 2 and result.data[0].url
    assert decode(httpx.get(result.data[0].url).content).shape == (256, 256, 3)
    result = sdk.images.edit(image=image, mask=mask, prompt="a hat", size="256x256",
                             response_format="b64_json")  # fmt: skip
    assert decode(base64.b64decode(result.data[0].b64_json)).shape == (256, 256, 3)


def test_gpt_image_edit_with_several_images(sdk: OpenAI):
    image, mask = files()
    second = ("ref.png", png_bytes(sample_image(64, 64, seed=9)), "image/png")
    result = sdk.images.edit(
        image=[image, second],
        mask=mask,
        prompt="a hat",
        model="gpt-image-1",
        size="1024x1024",
        quality="medium",
        output_format="webp",
        output_compression=70,
        input_fidelity="high",
    )
    assert result.output_format == "webp" and result.size == "1024x1024"
    assert result.usage is not None and result.usage.total_tokens > 0
    raw = base64.b64decode(result.data[0].b64_json)
    assert raw[:4] == b"RIFF" and decode(raw).shape == (1024, 1024, 3)


def test_streamed_edit_yields_partials_then_completed(sandbox: Sandbox, sdk: OpenAI):
    image, mask = files()
    stream = sdk.images.edit(image=image, mask=mask, prompt="a hat", model="gpt-image-1",
                             stream=True, partial_images=3, size="1024x1024")  # fmt: skip
    events = list(stream)
    assert [e.type for e in events] == ["image_edit.partial_image"] * 3 + ["image_edit.completed"]
    assert [e.partial_image_index for e in events[:3]] == [0, 1, 2]
    final = events[-1]
    assert final.usage.output_tokens > 0
    assert decode(base64.b64decode(final.b64_json)).shape == (1024, 1024, 3)
    assert sandbox.stats.openai_requests == 1


def test_error_event_mid_stream_raises(sandbox: Sandbox, sdk: OpenAI):
    sandbox.inject("stream_error", after=1)
    image, mask = files()
    stream = sdk.images.edit(image=image, mask=mask, prompt="a hat", model="gpt-image-1",
                             stream=True, partial_images=2)  # fmt: skip
    received = []
    with pytest.raises(openai.APIError, match="interrupted"):
        for event in stream:
            received.append(event.type)
    assert received == ["image_edit.partial_image"]


def test_errors_map_to_sdk_exceptions(sandbox: Sandbox, sdk: OpenAI):
    image, _ = files()
    wrong_size_mask = ("m.png", openai_mask_png(box_mask(32, 32, (0, 0, 8, 8))), "image/png")
    with pytest.raises(openai.BadRequestError) as info:
        sdk.images.edit(image=image, mask=wrong_size_mask, prompt="x")
    assert info.value.param == "mask"
    bad = OpenAI(api_key="wrong", base_url=f"{sandbox.url}/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as auth:
        bad.images.edit(image=image, prompt="x")
    assert auth.value.code == "invalid_api_key" and auth.value.request_id
    sandbox.inject("rate_limit", on="openai")
    with pytest.raises(openai.RateLimitError):
        sdk.images.edit(image=image, prompt="x", model="gpt-image-1")
    sandbox.inject("server_error", on="openai", status=503)
    with pytest.raises(openai.InternalServerError):
        sdk.images.edit(image=image, prompt="x", model="gpt-image-1")
