"""FASHN backend over real HTTP against the sandbox: both schemas, events, journal, credits."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from backend_helpers import SANDBOX_KEY, box_mask, completed, fashn, outside, photo, request, run

from editor.backends.base import JobCompleted, JobStatus, JobSubmitted
from editor.backends.errors import AuthenticationError
from editor.backends.fashn_wire import build_body
from editor.backends.journal import Journal
from editor.core.errors import ValidationError
from editor.core.prepare import prepare_upload


def test_current_schema_round_trip(sandbox):
    req = request(num_images=2, resolution="1k", generation_mode="balanced", seed=7)
    events = run(fashn(sandbox, journal=Journal()), req)
    assert isinstance(events[0], JobSubmitted)
    job = sandbox.jobs[events[0].job_id]
    assert job.schema == "current"
    assert job.inputs["mode"] == "balanced" and job.inputs["num_images"] == 2
    assert job.inputs["seed"] == 7 and job.inputs["prompt"] == "add a red hat"
    done = completed(events)
    assert done.job_id == events[0].job_id
    assert len(done.images) == 2 and len(done.raw) == 2
    for image in done.images:
        assert image.shape == req.image.shape
        keep = outside(req.mask, req.feather_px + 2)
        assert np.array_equal(image[keep], req.image[keep])  # pasted back through the mask
    assert not np.array_equal(done.images[0], done.images[1])  # variants differ
    assert done.credits_used == 4  # balanced 1k = 2 credits x 2
    statuses = [e.status for e in events if isinstance(e, JobStatus)]
    assert statuses[-1] == "completed"
    assert sandbox.stats.run_requests == 1 and sandbox.stats.jobs_created == 1
    assert Journal().entries() == []  # removed once the consumer took the results


def test_legacy_inpaint_schema_sends_mask_image_and_no_prompt(sandbox):
    req = request(prompt="", schema="legacy-inpaint")
    events = run(fashn(sandbox, schema="legacy-inpaint"), req)
    job = sandbox.jobs[events[0].job_id]
    assert job.schema == "legacy" and job.inputs["prompt"] == ""
    done = completed(events)
    assert done.images[0].shape == req.image.shape
    assert done.credits_used == 1


def test_legacy_body_fields_and_current_body_fields():
    req = request(prompt="", schema="legacy-inpaint")
    prepared = prepare_upload(req, target="fashn", max_edge=2000)
    import json

    legacy = json.loads(build_body(req, prepared, "legacy-inpaint"))
    assert legacy["model_name"] == "edit"
    assert set(legacy["inputs"]) == {
        "image",
        "mask_image",
        "seed",
        "output_format",
        "return_base64",
    }
    assert legacy["inputs"]["image"].startswith("data:image/jpeg;base64,")
    assert legacy["inputs"]["mask_image"].startswith("data:image/png;base64,")
    req2 = request(generation_mode="auto", image_context=photo(50, 60, seed=3))
    current = json.loads(
        build_body(req2, prepare_upload(req2, target="fashn", max_edge=2000), "current")
    )
    inputs = current["inputs"]
    assert "generation_mode" not in inputs  # auto = omitted
    assert inputs["mask"].startswith("data:image/png;base64,")
    assert inputs["image_context"].startswith("data:image/jpeg;base64,")
    assert inputs["resolution"] == "1k" and inputs["num_images"] == 1


def test_base64_outputs(sandbox):
    done = completed(run(fashn(sandbox), request(return_base64=True, output_format="jpeg")))
    assert done.raw[0][:3] == b"\xff\xd8\xff"
    assert sandbox.stats.output_requests == 0  # nothing downloaded: data URIs


def test_maskless_instruction_edit_is_scaled_not_composited(sandbox):
    req = request(mask=None, prompt="make it night")
    done = completed(run(fashn(sandbox), req))
    assert done.images[0].shape == req.image.shape


def test_focus_crop_pastes_back_in_place(sandbox):
    img = photo(600, 800)
    mask = box_mask(600, 800, (380, 280, 420, 320))
    req = request(image=img, mask=mask, focus=True)
    events = run(fashn(sandbox), req)
    job = sandbox.jobs[events[0].job_id]
    assert job.inputs["image"].startswith("data:image/jpeg")
    done = completed(events)
    keep = outside(mask, req.feather_px + 2)
    assert np.array_equal(done.images[0][keep], img[keep])


def test_journal_entry_is_on_disk_before_job_submitted_is_seen(sandbox):
    req = request()
    seen = {}

    async def go():
        backend = fashn(sandbox, journal=Journal(), out_dir="/tmp/out")
        async for event in backend.run(req):
            if isinstance(event, JobSubmitted):
                entries = Journal().entries()
                seen["entries"] = entries
                folder = Journal().dir / entries[0].token
                seen["files"] = sorted(p.name for p in folder.iterdir())
            if isinstance(event, JobCompleted):
                seen["during"] = [e.job_id for e in Journal().entries()]
        await backend.aclose()

    asyncio.run(go())
    entry = seen["entries"][0]
    assert entry.service == "fashn" and entry.base_url == sandbox.url
    assert entry.settings["prompt"] == "add a red hat" and entry.out_dir == "/tmp/out"
    assert entry.source_size == [400, 300]
    assert seen["files"] == ["claim.lock", "entry.json", "mask.npz", "sending.json", "source.npy"]
    assert seen["during"] == [entry.job_id]  # still there while results are handled
    assert Journal().entries() == []


def test_credits_balance(sandbox):
    backend = fashn(sandbox)
    assert asyncio.run(backend.credits()) == 100
    run(fashn(sandbox), request(resolution="2k", generation_mode="fast"))
    assert asyncio.run(fashn(sandbox).credits()) == 98


def test_wrong_key_is_an_authentication_error_without_the_key(sandbox):
    with pytest.raises(AuthenticationError) as info:
        run(fashn(sandbox, api_key="sk-wrong-secret-key"), request())
    assert "sk-wrong-secret-key" not in str(info.value)
    assert "UnauthorizedAccess" in str(info.value)
    assert sandbox.stats.jobs_created == 0


def test_missing_key_and_plain_http_base_url_are_refused(sandbox):
    with pytest.raises(ValidationError, match="FASHN_API_KEY"):
        run(fashn(sandbox, api_key=""), request())
    with pytest.raises(ValidationError, match="https://"):
        fashn(type("S", (), {"url": "http://api.example.com", "key": "k"})())
    # loopback may use http; https is fine anywhere
    fashn(type("S", (), {"url": "https://api.example.com", "key": "k"})())


def test_invalid_request_is_refused_before_anything_is_sent(sandbox):
    with pytest.raises(ValidationError, match="prompt"):
        run(fashn(sandbox), request(prompt=""))
    assert sandbox.stats.run_requests == 0


def test_mask_size_mismatch_is_refused_locally(sandbox):
    with pytest.raises(ValidationError, match="400x300"):
        run(fashn(sandbox), request(mask=np.zeros((10, 10), np.uint8)))


def test_key_is_never_in_repr():
    from editor.backends import make_backend

    backend = make_backend("fashn", base_url="http://127.0.0.1:9", api_key=SANDBOX_KEY)
    assert SANDBOX_KEY not in repr(backend)
