"""OpenAI-compatible backend over real HTTP against the sandbox's /v1/images/edits."""

from __future__ import annotations

import numpy as np
import pytest
from backend_helpers import SANDBOX_KEY, box_mask, completed, outside, photo, request, run

from editor.backends import make_backend
from editor.backends.base import JobProgress
from editor.backends.errors import (
    AuthenticationError,
    OutOfCreditsError,
    ServiceError,
    SubmissionUncertainError,
)
from editor.backends.openai_wire import pick_size
from editor.core.request import OpenAIOptions


def openai(sandbox, **options):
    options.setdefault("api_key", SANDBOX_KEY)
    return make_backend("openai", base_url=sandbox.url, **options)


def oa_request(model="gpt-image-1", **kw):
    opts = kw.pop("openai", None) or OpenAIOptions(model=model)
    return request(openai=opts, **kw)


def test_gpt_image_edit_is_scaled_back_and_pasted(sandbox):
    req = oa_request(num_images=2)
    done = completed(run(openai(sandbox), req))
    assert len(done.images) == 2
    keep = outside(req.mask, req.feather_px + 2)
    for image in done.images:
        assert image.shape == req.image.shape
        assert np.array_equal(image[keep], req.image[keep])
    assert sandbox.stats.openai_requests == 1


def test_base_url_with_v1_suffix_also_works(sandbox):
    backend = make_backend("openai", base_url=sandbox.url + "/v1", api_key=SANDBOX_KEY)
    completed(run(backend, oa_request()))


def test_size_follows_the_aspect_ratio():
    assert pick_size("gpt-image-1", 400, 300) == "1536x1024"
    assert pick_size("gpt-image-1", 300, 400) == "1024x1536"
    assert pick_size("gpt-image-1", 500, 480) == "1024x1024"
    assert pick_size("dall-e-2", 400, 300) == "1024x1024"


def test_dall_e_2_gets_a_padded_square_png_and_results_fit_the_source(sandbox):
    req = oa_request(model="dall-e-2", image=photo(300, 500), mask=box_mask(300, 500))
    done = completed(run(openai(sandbox), req))
    assert done.images[0].shape == (300, 500, 3)
    keep = outside(req.mask, req.feather_px + 2)
    assert np.array_equal(done.images[0][keep], req.image[keep])


def test_url_answers_are_downloaded(sandbox):
    req = oa_request(model="dall-e-2")
    done = completed(run(openai(sandbox, prefer_urls=True), req))
    assert done.images[0].shape == req.image.shape
    assert sandbox.stats.output_requests == 1


def test_context_image_goes_as_image_array(sandbox):
    req = oa_request(image_context=photo(100, 100, seed=5))
    completed(run(openai(sandbox), req))


def test_streaming_partial_images_are_progress_events(sandbox):
    opts = OpenAIOptions(model="gpt-image-1", stream=True, partial_images=2)
    req = oa_request(openai=opts)
    events = run(openai(sandbox), req)
    partials = [e for e in events if isinstance(e, JobProgress) and e.partial is not None]
    assert len(partials) == 2
    assert all(p.partial.shape == req.image.shape for p in partials)
    done = completed(events)
    assert done.images[0].shape == req.image.shape


def test_stream_error_event_is_mapped(sandbox):
    sandbox.inject("stream_error", after=1)
    opts = OpenAIOptions(model="gpt-image-1", stream=True, partial_images=2)
    with pytest.raises(ServiceError):
        run(openai(sandbox), oa_request(openai=opts))


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        ("unauthorized", AuthenticationError, "OPENAI_API_KEY"),
        ("out_of_credits", OutOfCreditsError, "quota"),
        ("server_error", ServiceError, "billed"),
        ("html_error", ServiceError, "HTML page"),
        ("not_image_output", ServiceError, "BadOutput"),
        ("malformed_json", ServiceError, "BadAnswer"),
    ],
)
def test_errors_are_mapped_and_never_resent(sandbox, fault, error, text):
    sandbox.inject(fault, on="openai") if fault != "not_image_output" else sandbox.inject(fault)
    with pytest.raises(error, match=text):
        run(openai(sandbox), oa_request())
    assert sandbox.stats.openai_requests == 1


def test_rate_limit_is_retried(sandbox):
    sandbox.inject("rate_limit", on="openai", retry_after=1)
    completed(run(openai(sandbox), oa_request()))
    assert sandbox.stats.openai_requests == 2


def test_reset_after_body_is_uncertain_and_not_resent(sandbox):
    sandbox.inject("reset_after_body", on="openai")
    with pytest.raises(SubmissionUncertainError, match="billed"):
        run(openai(sandbox), oa_request())
    assert sandbox.stats.openai_requests == 1


def test_error_body_names_the_service_error_and_request_id(sandbox):
    req = oa_request(openai=OpenAIOptions(model="gpt-image-1", size="999x999"))
    with pytest.raises(ServiceError) as info:
        run(openai(sandbox), req)
    assert "request req_" in str(info.value)
