"""Every injectable fault does what its name says (FASHN endpoints, plain httpx)."""

from __future__ import annotations

import httpx
import pytest

from editor.sandbox import FAULTS, JOB_ERROR_NAMES, Sandbox
from editor.sandbox.testing import decode, edit_inputs, sample_image, wait_for_job

TRANSPORT_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


@pytest.fixture
def client(sandbox: Sandbox):
    headers = {"Authorization": f"Bearer {sandbox.key}"}
    with httpx.Client(base_url=sandbox.url, headers=headers, timeout=10) as c:
        yield c


def submit(client: httpx.Client, **extra) -> httpx.Response:
    inputs = edit_inputs(sample_image(16, 12), **extra)
    return client.post("/v1/run", json={"model_name": "edit", "inputs": inputs})


def completed(client: httpx.Client, **extra) -> dict:
    resp = submit(client, **extra)
    assert resp.status_code == 200, resp.text
    return wait_for_job(client, resp.json()["id"]).json()


@pytest.mark.parametrize(
    ("fault", "params", "status", "name"),
    [
        ("rate_limit", {}, 429, "RateLimitExceeded"),
        ("rate_limit", {"retry_after": 3}, 429, "RateLimitExceeded"),
        ("concurrency_limit", {}, 429, "ConcurrencyLimitExceeded"),
        ("out_of_credits", {}, 429, "OutOfCredits"),
        ("unauthorized", {}, 401, "UnauthorizedAccess"),
        ("server_error", {}, 500, "InternalServerError"),
        ("server_error", {"status": 502}, 502, "InternalServerError"),
        ("server_error", {"status": 503}, 503, "InternalServerError"),
    ],
)
def test_refusals_answer_the_real_shape_and_create_nothing(
    sandbox: Sandbox, client: httpx.Client, fault, params, status, name
):
    sandbox.inject(fault, **params)
    resp = submit(client)
    assert resp.status_code == status
    assert resp.json()["error"] == name and resp.json()["message"]
    if "retry_after" in params:
        assert resp.headers["Retry-After"] == "3"
    else:
        assert "Retry-After" not in resp.headers
    assert sandbox.stats.run_requests == 1 and sandbox.stats.jobs_created == 0
    assert sandbox.credits == 100
    assert submit(client).status_code == 200  # used up: the next one goes through


def test_times_repeats_a_fault(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("rate_limit", times=2)
    assert [submit(client).status_code for _ in range(3)] == [429, 429, 200]


def test_faults_target_the_endpoint_asked_for(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("rate_limit", on="status", retry_after=1)
    job_id = submit(client).json()["id"]  # not affected
    first = client.get(f"/v1/status/{job_id}")
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert wait_for_job(client, job_id).json()["status"] == "completed"


def test_html_error_page_from_a_proxy(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("html_error", status=504)
    resp = submit(client)
    assert resp.status_code == 504
    assert resp.headers["content-type"].startswith("text/html")
    assert "<html>" in resp.text and "504" in resp.text
    assert sandbox.stats.jobs_created == 0


def test_malformed_json_on_submit_still_creates_the_job(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("malformed_json")
    resp = submit(client)
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()
    assert sandbox.stats.jobs_created == 1


def test_malformed_json_on_status(sandbox: Sandbox, client: httpx.Client):
    job_id = submit(client).json()["id"]
    sandbox.inject("malformed_json", on="status")
    with pytest.raises(ValueError):
        client.get(f"/v1/status/{job_id}").json()
    assert wait_for_job(client, job_id).json()["status"] == "completed"


def test_reset_before_the_body_is_read_creates_no_job(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("reset_before_body")
    with pytest.raises(TRANSPORT_ERRORS):
        submit(client)
    assert sandbox.stats.run_requests == 1 and sandbox.stats.jobs_created == 0
    assert submit(client).status_code == 200  # the server is fine afterwards


def test_reset_after_the_body_was_read_leaves_an_accepted_job(
    sandbox: Sandbox, client: httpx.Client
):
    sandbox.inject("reset_after_body")
    with pytest.raises(TRANSPORT_ERRORS):
        submit(client)
    assert sandbox.stats.jobs_created == 1
    (job,) = sandbox.jobs.values()
    assert wait_for_job(client, job.id).json()["status"] == "completed"  # paid result exists


def test_slow_submit_times_out_but_the_job_exists(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("slow", seconds=3)
    with pytest.raises(httpx.ReadTimeout):
        client.post(
            "/v1/run",
            json={"model_name": "edit", "inputs": edit_inputs(sample_image(8, 8))},
            timeout=httpx.Timeout(5, read=0.3),
        )
    assert sandbox.stats.jobs_created == 1


def test_slow_status_and_slow_download(sandbox: Sandbox, client: httpx.Client):
    status = completed(client)
    sandbox.inject("slow", on="status", seconds=3)
    with pytest.raises(httpx.ReadTimeout):
        client.get(f"/v1/status/{status['id']}", timeout=httpx.Timeout(5, read=0.3))
    sandbox.inject("slow", on="output", seconds=3)
    with pytest.raises(httpx.ReadTimeout):
        client.get(status["output"][0], timeout=httpx.Timeout(5, read=0.3))
    assert client.get(status["output"][0]).status_code == 200


@pytest.mark.parametrize("name", JOB_ERROR_NAMES)
def test_job_failed_with_each_error_name_is_not_charged(
    sandbox: Sandbox, client: httpx.Client, name: str
):
    sandbox.inject("job_failed", name=name, message="it broke")
    resp = submit(client)
    assert resp.status_code == 200
    final = wait_for_job(client, resp.json()["id"])
    body = final.json()
    assert body["status"] == "failed"
    assert body["error"] == {"name": name, "message": "it broke"}
    assert body["output"] is None
    assert final.headers["x-fashn-credits-used"] == "0" and sandbox.credits == 100


def test_canceled_job(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("canceled")
    final = wait_for_job(client, submit(client).json()["id"])
    assert final.json()["status"] == "canceled"


def test_stuck_processing_never_completes(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("stuck_processing")
    stuck_id = submit(client).json()["id"]
    normal = completed(client)  # a later job finishes meanwhile
    assert normal["status"] == "completed"
    with pytest.raises(TimeoutError):
        wait_for_job(client, stuck_id, timeout=0.5)
    assert sandbox.jobs[stuck_id].status == "processing"


def test_redirect_to_the_same_resource(sandbox: Sandbox, client: httpx.Client):
    job_id = submit(client).json()["id"]
    sandbox.inject("redirect", on="status")
    resp = client.get(f"/v1/status/{job_id}")
    assert resp.status_code == 307
    assert resp.headers["Location"] == f"/v1/status/{job_id}"
    sandbox.inject("redirect")
    resp = client.post(
        "/v1/run",
        json={"model_name": "edit", "inputs": edit_inputs(sample_image(8, 8))},
        follow_redirects=True,
    )
    assert resp.status_code == 200 and len(resp.history) == 1
    assert sandbox.stats.run_requests == 3 and sandbox.stats.jobs_created == 2


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/out.png"])
def test_output_url_that_is_not_http(sandbox: Sandbox, client: httpx.Client, url: str):
    sandbox.inject("bad_output_url", url=url)
    assert completed(client, num_images=2)["output"] == [url, url]


@pytest.mark.parametrize("mode", ["length", "endless"])
def test_enormous_output(sandbox: Sandbox, client: httpx.Client, mode: str):
    status = completed(client)
    sandbox.inject("huge_output", mode=mode)
    received = 0
    with client.stream("GET", status["output"][0]) as resp:
        assert resp.status_code == 200
        if mode == "length":
            assert int(resp.headers["Content-Length"]) >= 10**12
        else:
            assert "Content-Length" not in resp.headers
        for chunk in resp.iter_bytes():
            received += len(chunk)
            if received > 4 * 2**20:
                break  # a careful client caps what it downloads
    assert received > 4 * 2**20


def test_output_that_is_not_an_image(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("not_image_output")
    status = completed(client)
    data = client.get(status["output"][0]).content
    with pytest.raises(OSError):
        decode(data)
    sandbox.inject("not_image_output")
    status = completed(client, return_base64=True)
    assert status["output"][0].startswith("data:image/png;base64,")
    with pytest.raises(OSError):
        from editor.sandbox.testing import decode_data_uri

        decode_data_uri(status["output"][0])


def test_expired_status(sandbox: Sandbox, client: httpx.Client):
    job_id = submit(client).json()["id"]
    sandbox.inject("expired")
    for _ in range(2):  # and it stays expired
        resp = client.get(f"/v1/status/{job_id}")
        assert resp.status_code == 404 and resp.json()["error"] == "NotFound"


def test_unknown_fault_names_and_params_are_rejected(sandbox: Sandbox):
    with pytest.raises(ValueError, match="unknown fault"):
        sandbox.inject("gremlins")
    with pytest.raises(ValueError, match="no parameter"):
        sandbox.inject("rate_limit", seconds=3)
    with pytest.raises(ValueError, match="unknown endpoint"):
        sandbox.inject("slow", on="download")


def test_every_documented_fault_is_known():
    import editor.sandbox as pkg

    for name in FAULTS:
        assert f"``{name}``" in (pkg.__doc__ or ""), name
