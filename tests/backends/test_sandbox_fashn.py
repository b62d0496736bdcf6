"""The sandbox speaks FASHN: statuses, outputs, validation, credits, auth (plain httpx)."""

from __future__ import annotations

import http.client
import io
import json
import time

import httpx
import numpy as np
import pytest
from PIL import Image

from editor.sandbox import Sandbox
from editor.sandbox.testing import (
    box_mask,
    data_uri,
    decode,
    decode_data_uri,
    edit_inputs,
    png_bytes,
    sample_image,
    wait_for_job,
)

W, H = 64, 48
BOX = (20, 10, 40, 30)


@pytest.fixture
def client(sandbox: Sandbox):
    headers = {"Authorization": f"Bearer {sandbox.key}"}
    with httpx.Client(base_url=sandbox.url, headers=headers, timeout=20) as c:
        yield c


def submit(client: httpx.Client, inputs: dict, model_name: str = "edit") -> httpx.Response:
    return client.post("/v1/run", json={"model_name": model_name, "inputs": inputs})


def run_job(client: httpx.Client, inputs: dict) -> dict:
    resp = submit(client, inputs)
    assert resp.status_code == 200, resp.text
    assert resp.json()["error"] is None
    final = wait_for_job(client, resp.json()["id"])
    assert final.status_code == 200
    return final.json() | {"credits_used": final.headers.get("x-fashn-credits-used")}


def outputs_of(client: httpx.Client, status: dict) -> list[np.ndarray]:
    out = []
    for ref in status["output"]:
        if ref.startswith("data:"):
            out.append(decode_data_uri(ref))
        else:
            resp = client.get(ref)
            assert resp.status_code == 200
            out.append(decode(resp.content))
    return out


def test_job_walks_through_every_status_then_completes(sandbox: Sandbox, client: httpx.Client):
    sandbox.set_delays(starting=0.15, in_queue=0.15, processing=0.15)
    job_id = submit(client, edit_inputs(sample_image(W, H))).json()["id"]
    seen: list[str] = []
    while not seen or seen[-1] not in ("completed", "failed"):
        status = client.get(f"/v1/status/{job_id}").json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.02)
    assert seen == ["starting", "in_queue", "processing", "completed"]
    assert sandbox.jobs[job_id].status == "completed"


def test_prompted_edit_changes_only_the_masked_area_at_1k(client: httpx.Client):
    image = sample_image(W, H)
    status = run_job(client, edit_inputs(image, box_mask(W, H, BOX)))
    assert status["status"] == "completed" and status["error"] is None
    assert status["output"][0].startswith("http://127.0.0.1:")
    (out,) = outputs_of(client, status)
    oh, ow = out.shape[:2]
    assert 0.9e6 < ow * oh < 1.2e6  # ~1 MP
    assert abs(ow / oh - W / H) < 0.02  # aspect kept
    ref = np.asarray(Image.fromarray(image).resize((ow, oh), Image.Resampling.BILINEAR))
    sx, sy = ow / W, oh / H
    inside = (slice(int(12 * sy), int(28 * sy)), slice(int(22 * sx), int(38 * sx)))
    outside = (slice(int(36 * sy), oh), slice(0, ow))
    diff = np.abs(out.astype(int) - ref.astype(int))
    assert diff[inside].mean() > 30  # clearly visible
    assert diff[outside].mean() < 2  # untouched


def test_no_mask_changes_the_whole_image(client: httpx.Client):
    image = sample_image(W, H)
    (out,) = outputs_of(client, run_job(client, edit_inputs(image)))
    ref = np.asarray(Image.fromarray(image).resize(out.shape[1::-1], Image.Resampling.BILINEAR))
    changed = np.abs(out.astype(int) - ref.astype(int)).sum(axis=2) > 20
    assert changed.mean() > 0.4


def test_variants_differ_and_are_reproducible_by_seed(client: httpx.Client):
    inputs = edit_inputs(sample_image(W, H), box_mask(W, H, BOX), num_images=2, seed=7)
    first = outputs_of(client, run_job(client, inputs))
    again = outputs_of(client, run_job(client, inputs))
    other = outputs_of(client, run_job(client, {**inputs, "seed": 8}))
    assert len(first) == 2
    assert not np.array_equal(first[0], first[1])
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_tiers_render_at_their_sizes(client: httpx.Client):
    one = outputs_of(client, run_job(client, edit_inputs(sample_image(W, H), resolution="1k")))
    two = outputs_of(client, run_job(client, edit_inputs(sample_image(W, H), resolution="2k")))
    px1, px2 = one[0].shape[0] * one[0].shape[1], two[0].shape[0] * two[0].shape[1]
    assert 3.6 < px2 / px1 < 4.4


def test_4k_tier_size_is_about_16_megapixels():
    from editor.sandbox.render import tier_size

    w, h = tier_size(6000, 4000, "4k")
    assert 15.5e6 < w * h < 17.5e6 and abs(w / h - 1.5) < 0.01
    w, h = tier_size(100, 100, "1k", aspect="16:9")
    assert abs(w / h - 16 / 9) < 0.02


def test_return_base64_gives_data_uris_in_the_requested_format(client: httpx.Client):
    inputs = edit_inputs(sample_image(W, H), return_base64=True, output_format="jpeg")
    status = run_job(client, inputs)
    (ref,) = status["output"]
    assert ref.startswith("data:image/jpeg;base64,")
    assert decode_data_uri(ref).shape[2] == 3


def test_an_output_url_can_be_the_next_jobs_input(client: httpx.Client):
    first = run_job(client, edit_inputs(sample_image(W, H)))
    second = run_job(client, {"image": first["output"][0], "prompt": "again"})
    assert second["status"] == "completed"


BAD_INPUTS = [
    ({"prompt": ""}, "prompt"),
    ({"prompt": None}, "prompt"),
    ({"resolution": "8k"}, "resolution"),
    ({"generation_mode": "turbo"}, "generation_mode"),
    ({"num_images": 0}, "num_images"),
    ({"num_images": 5}, "num_images"),
    ({"num_images": True}, "num_images"),
    ({"seed": -1}, "seed"),
    ({"seed": 2**32}, "seed"),
    ({"output_format": "webp"}, "output_format"),
    ({"return_base64": "yes"}, "return_base64"),
    ({"image": ""}, "image"),
    ({"image": 12}, "image"),
    ({"mask": 3}, "mask"),
    ({"colour": "red"}, "colour"),
    ({"aspect_ratio": "7:3"}, "aspect_ratio"),
]


@pytest.mark.parametrize(("change", "word"), BAD_INPUTS)
def test_bad_parameters_are_refused_with_400_and_no_job(
    sandbox: Sandbox, client: httpx.Client, change: dict, word: str
):
    inputs = {**edit_inputs(sample_image(8, 8)), **change}
    resp = submit(client, inputs)
    assert resp.status_code == 400
    assert resp.json()["error"] == "BadRequest"
    assert word in resp.json()["message"]
    assert sandbox.stats.jobs_created == 0 and sandbox.credits == 100


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({"model_name": "tryon", "inputs": {}}).encode()],
)
def test_malformed_bodies_and_unknown_models_are_refused(
    sandbox: Sandbox, client: httpx.Client, body: bytes
):
    resp = client.post("/v1/run", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json()["error"] == "BadRequest"
    assert sandbox.stats.jobs_created == 0


def test_legacy_fields_are_refused_in_the_current_schema_and_vice_versa(client: httpx.Client):
    image = sample_image(8, 8)
    legacy = {"image": data_uri(png_bytes(image)), "mask_image": data_uri(png_bytes(image))}
    assert submit(client, {**legacy, "resolution": "1k"}).status_code == 400
    assert submit(client, {"image": legacy["image"], "mask_image": None}).status_code == 400


def test_undecodable_image_is_accepted_then_fails_with_image_load_error(
    sandbox: Sandbox, client: httpx.Client
):
    bad = data_uri(b"this is not a picture")
    status = run_job(client, {"image": bad, "prompt": "x"})
    assert status["status"] == "failed"
    assert status["error"]["name"] == "ImageLoadError"
    assert status["credits_used"] == "0"
    assert sandbox.credits == 100  # failed attempts are not charged


@pytest.mark.parametrize(
    "ref", ["https://example.com/photo.jpg", "ftp://example.com/a.png", "aGVsbG8="]
)
def test_remote_or_unprefixed_images_fail_without_any_fetch(client: httpx.Client, ref: str):
    status = run_job(client, {"image": ref, "prompt": "x"})
    assert status["status"] == "failed" and status["error"]["name"] == "ImageLoadError"


def test_mask_of_another_size_fails_with_input_validation_error(client: httpx.Client):
    inputs = edit_inputs(sample_image(W, H), box_mask(W + 1, H, BOX))
    status = run_job(client, inputs)
    assert status["status"] == "failed"
    assert status["error"]["name"] == "InputValidationError"
    assert f"{W + 1}x{H}" in status["error"]["message"]


def test_legacy_promptless_is_a_contextual_fill_at_source_size(
    sandbox: Sandbox, client: httpx.Client
):
    image = sample_image(W, H)
    mask = box_mask(W, H, BOX)
    inputs = {"image": data_uri(png_bytes(image)), "mask_image": data_uri(png_bytes(mask))}
    status = run_job(client, inputs)
    assert status["status"] == "completed", status
    (out,) = outputs_of(client, status)
    assert out.shape == image.shape
    hole = mask > 0
    assert np.array_equal(out[~hole], image[~hole])  # only the hole is filled
    assert not np.array_equal(out[hole], image[hole])
    assert status["credits_used"] == "1" and sandbox.credits == 99


def test_legacy_output_is_at_most_1_05_megapixels(client: httpx.Client):
    image = sample_image(1300, 1000)
    mask = box_mask(1300, 1000, (600, 400, 700, 500))
    inputs = {
        "image": data_uri(png_bytes(image)),
        "mask_image": data_uri(png_bytes(mask)),
        "prompt": "a window",
    }
    (out,) = outputs_of(client, run_job(client, inputs))
    assert out.shape[0] * out.shape[1] <= 1_050_000
    assert abs(out.shape[1] / out.shape[0] - 1.3) < 0.01


def test_legacy_empty_mask_fails_with_input_validation_error(client: httpx.Client):
    image = sample_image(16, 16)
    blank = np.zeros((16, 16), np.uint8)
    inputs = {"image": data_uri(png_bytes(image)), "mask_image": data_uri(png_bytes(blank))}
    assert run_job(client, inputs)["error"]["name"] == "InputValidationError"


@pytest.mark.parametrize(
    ("extra", "cost"),
    [
        ({}, 1),
        ({"resolution": "2k"}, 4),  # omitted mode at 2k = quality
        ({"resolution": "4k"}, 5),
        ({"generation_mode": "balanced", "resolution": "2k", "num_images": 2}, 6),
        ({"generation_mode": "quality", "resolution": "1k", "num_images": 3}, 9),
        ({"generation_mode": "fast", "resolution": "4k"}, 3),
    ],
)
def test_credits_follow_the_seed_table(sandbox: Sandbox, client: httpx.Client, extra, cost):
    resp = submit(client, edit_inputs(sample_image(8, 8), **extra))
    assert resp.status_code == 200
    assert sandbox.credits == 100 - cost
    job = sandbox.jobs[resp.json()["id"]]
    assert job.cost == cost


def test_credits_used_header_and_balance_endpoint(sandbox: Sandbox, client: httpx.Client):
    status = run_job(client, edit_inputs(sample_image(8, 8), num_images=2))
    assert status["credits_used"] == "2"
    body = client.get("/v1/credits").json()
    assert body == {"credits": {"total": 98, "subscription": 98, "on_demand": 0}}
    assert sandbox.stats.credits_requests == 1


def test_out_of_credits_is_refused_before_a_job_exists(sandbox: Sandbox, client: httpx.Client):
    sandbox.credits = 4
    resp = submit(client, edit_inputs(sample_image(8, 8), resolution="4k"))
    assert resp.status_code == 429 and resp.json()["error"] == "OutOfCredits"
    assert sandbox.stats.jobs_created == 0 and sandbox.credits == 4
    assert submit(client, edit_inputs(sample_image(8, 8))).status_code == 200


@pytest.mark.parametrize("auth", [None, "Bearer wrong-key", "Bearer", "Basic abc"])
def test_missing_or_wrong_key_is_401(sandbox: Sandbox, auth: str | None):
    headers = {"Authorization": auth} if auth else {}
    resp = httpx.post(
        f"{sandbox.url}/v1/run", json={"model_name": "edit", "inputs": {}}, headers=headers
    )
    assert resp.status_code == 401 and resp.json()["error"] == "UnauthorizedAccess"
    assert httpx.get(f"{sandbox.url}/v1/credits", headers=headers).status_code == 401
    assert sandbox.stats.jobs_created == 0


def test_without_a_configured_key_any_non_empty_key_works(make_sandbox):
    open_box = make_sandbox(key=None)
    ok = httpx.get(f"{open_box.url}/v1/credits", headers={"Authorization": "Bearer anything"})
    assert ok.status_code == 200
    assert httpx.get(f"{open_box.url}/v1/credits").status_code == 401


def test_unknown_expired_and_foreign_jobs_answer_404(make_sandbox):
    box = make_sandbox(key=None)
    alice = httpx.Client(base_url=box.url, headers={"Authorization": "Bearer alice"})
    bob = httpx.Client(base_url=box.url, headers={"Authorization": "Bearer bob"})
    with alice, bob:
        assert alice.get("/v1/status/nope").status_code == 404
        status = run_job(alice, edit_inputs(sample_image(8, 8)))
        assert bob.get(f"/v1/status/{status['id']}").status_code == 404
        url = status["output"][0]
        assert alice.get(url).status_code == 200
        box.expire(status["id"])
        resp = alice.get(f"/v1/status/{status['id']}")
        assert resp.status_code == 404 and resp.json()["error"] == "NotFound"
        assert alice.get(url).status_code == 404


def test_keep_alive_serves_several_requests_on_one_connection(sandbox: Sandbox):
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    headers = {"Authorization": f"Bearer {sandbox.key}"}
    try:
        for _ in range(3):
            conn.request("GET", "/v1/credits", headers=headers)
            resp = conn.getresponse()
            assert resp.status == 200 and json.loads(resp.read())["credits"]["total"] == 100
            assert resp.getheader("Content-Length") is not None
        conn.request("GET", "/v1/status/unknown", headers=headers)
        assert conn.getresponse().status == 404
    finally:
        conn.close()
    assert sandbox.stats.credits_requests == 3


def test_outputs_are_real_pngs_with_the_right_content_type(client: httpx.Client):
    status = run_job(client, edit_inputs(sample_image(W, H)))
    resp = client.get(status["output"][0])
    assert resp.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(resp.content)).format == "PNG"


def test_sandbox_refuses_a_network_host_unless_allowed():
    from editor.core.errors import EditorError

    with pytest.raises(EditorError, match="loopback"):
        Sandbox(host="0.0.0.0")
    Sandbox(host="0.0.0.0", allow_remote=True)  # constructing does not listen
