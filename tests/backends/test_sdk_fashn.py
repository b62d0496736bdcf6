"""The official ``fashn`` SDK (0.9) works unchanged against the sandbox."""

from __future__ import annotations

import httpx
import pytest

fashn = pytest.importorskip("fashn")

from fashn import Fashn  # noqa: E402

from editor.sandbox import Sandbox  # noqa: E402
from editor.sandbox.testing import (  # noqa: E402
    box_mask,
    data_uri,
    decode,
    decode_data_uri,
    edit_inputs,
    png_bytes,
    sample_image,
)


@pytest.fixture
def sdk(sandbox: Sandbox):
    client = Fashn(api_key=sandbox.key, base_url=sandbox.url, max_retries=0, timeout=20)
    yield client
    client.close()


def test_subscribe_edit_completes_with_downloadable_outputs(sandbox: Sandbox, sdk: Fashn):
    inputs = edit_inputs(sample_image(32, 24), box_mask(32, 24, (8, 8, 20, 16)), num_images=2,
                         resolution="1k", generation_mode="balanced", seed=5)  # fmt: skip
    queued: list[str] = []
    result = sdk.predictions.subscribe(
        model_name="edit",
        inputs=inputs,
        poll_interval=50,
        on_queue_update=lambda status: queued.append(status.status),
    )
    assert result.status == "completed" and result.error is None
    assert result.credits_used == 4  # balanced at 1k x 2
    assert len(result.output) == 2 and queued[-1] == "completed"
    first = decode(httpx.get(result.output[0]).content)
    assert first.shape[0] * first.shape[1] > 900_000
    assert sandbox.stats.jobs_created == 1 and sandbox.credits == 96


def test_run_and_status_separately_with_base64(sandbox: Sandbox, sdk: Fashn):
    run = sdk.predictions.run(
        model_name="edit", inputs=edit_inputs(sample_image(16, 16), return_base64=True)
    )
    assert run.id in sandbox.jobs and run.error is None
    result = sdk.predictions.subscribe(
        model_name="edit",
        inputs=edit_inputs(sample_image(16, 16), return_base64=True, output_format="jpeg"),
        poll_interval=50,
    )
    assert result.output[0].startswith("data:image/jpeg;base64,")
    assert decode_data_uri(result.output[0]).ndim == 3
    status = sdk.predictions.status(run.id)
    assert status.id == run.id and status.status in ("processing", "completed")


def test_legacy_inpaint_schema_through_the_sdk(sdk: Fashn):
    image, mask = sample_image(32, 32), box_mask(32, 32, (10, 10, 20, 20))
    inputs = {"image": data_uri(png_bytes(image)), "mask_image": data_uri(png_bytes(mask))}
    result = sdk.predictions.subscribe(model_name="edit", inputs=inputs, poll_interval=50)
    assert result.status == "completed" and result.credits_used == 1


def test_failed_job_is_reported_by_the_sdk(sandbox: Sandbox, sdk: Fashn):
    sandbox.inject("job_failed", name="ContentModerationError", message="not allowed")
    result = sdk.predictions.subscribe(
        model_name="edit", inputs=edit_inputs(sample_image(8, 8)), poll_interval=50
    )
    assert result.status == "failed"
    assert result.error.name == "ContentModerationError" and result.credits_used == 0


def test_refusals_map_to_sdk_exceptions(sandbox: Sandbox, sdk: Fashn):
    sandbox.inject("out_of_credits")
    with pytest.raises(fashn.RateLimitError) as info:
        sdk.predictions.run(model_name="edit", inputs=edit_inputs(sample_image(8, 8)))
    assert info.value.body["error"] == "OutOfCredits"
    with pytest.raises(fashn.BadRequestError):
        sdk.predictions.run(model_name="edit", inputs={"image": "x", "prompt": ""})
    bad = Fashn(api_key="wrong", base_url=sandbox.url, max_retries=0)
    with pytest.raises(fashn.AuthenticationError):
        bad.predictions.run(model_name="edit", inputs=edit_inputs(sample_image(8, 8)))
    with pytest.raises(fashn.NotFoundError):
        sdk.predictions.status("no-such-job")
    assert sandbox.stats.jobs_created == 0


def test_the_sdk_resubmits_after_a_dropped_connection(sandbox: Sandbox):
    """What the sandbox exists to catch: the SDK retries POST /v1/run with no
    idempotency key, so a connection dropped after acceptance creates a second job."""
    sdk = Fashn(api_key=sandbox.key, base_url=sandbox.url, max_retries=1, timeout=20)
    sandbox.inject("reset_after_body")
    with sdk:
        run = sdk.predictions.run(model_name="edit", inputs=edit_inputs(sample_image(8, 8)))
    assert run.id in sandbox.jobs
    assert sandbox.stats.run_requests == 2 and sandbox.stats.jobs_created == 2
