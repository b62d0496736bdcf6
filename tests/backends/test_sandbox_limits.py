"""Real rate limits and concurrency limits: what proves a client paces itself."""

from __future__ import annotations

import time

import httpx
import pytest

from editor.sandbox import Sandbox
from editor.sandbox.state import SlidingWindow, max_in_window
from editor.sandbox.testing import edit_inputs, sample_image, wait_for_job


def _client(box: Sandbox, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key or box.key}"}
    return httpx.Client(base_url=box.url, headers=headers, timeout=10)


def _submit(client: httpx.Client) -> httpx.Response:
    return client.post(
        "/v1/run", json={"model_name": "edit", "inputs": edit_inputs(sample_image(8, 8))}
    )


def test_status_limit_is_50_per_10_seconds_per_key(make_sandbox):
    box = make_sandbox(key=None)
    with _client(box, "alice") as alice, _client(box, "bob") as bob:
        codes = [alice.get("/v1/status/x").status_code for _ in range(50)]
        assert codes == [404] * 50  # allowed (the job is unknown)
        refused = alice.get("/v1/status/x")
        assert refused.status_code == 429
        assert refused.json()["error"] == "RateLimitExceeded"
        assert 1 <= int(refused.headers["Retry-After"]) <= 10
        assert bob.get("/v1/status/x").status_code == 404  # another key has its own budget
    assert len(box.stats.status_polls) == 52
    assert box.stats.rate_limited == 1


def test_the_window_slides(make_sandbox):
    box = make_sandbox(limits={"status": (3, 0.4)})
    with _client(box) as c:
        assert [c.get("/v1/status/x").status_code for _ in range(4)] == [404, 404, 404, 429]
        time.sleep(0.45)
        assert c.get("/v1/status/x").status_code == 404


def test_run_limit_refuses_without_creating_a_job(make_sandbox):
    box = make_sandbox(limits={"run": (2, 60.0)})
    with _client(box) as c:
        assert [_submit(c).status_code for _ in range(2)] == [200, 200]
        refused = _submit(c)
        assert refused.status_code == 429 and refused.json()["error"] == "RateLimitExceeded"
    assert box.stats.run_requests == 3 and box.stats.jobs_created == 2


def test_credits_limit_is_30_per_10_seconds(sandbox: Sandbox):
    with _client(sandbox) as c:
        assert all(c.get("/v1/credits").status_code == 200 for _ in range(30))
        assert c.get("/v1/credits").status_code == 429


def test_concurrency_limit_is_six_running_jobs_per_key(make_sandbox):
    box = make_sandbox(key=None, delays={"processing": 30})
    with _client(box, "alice") as alice, _client(box, "bob") as bob:
        ids = [_submit(alice).json()["id"] for _ in range(6)]
        refused = _submit(alice)
        assert refused.status_code == 429
        assert refused.json()["error"] == "ConcurrencyLimitExceeded"
        assert _submit(bob).status_code == 200  # per key
        assert box.stats.jobs_created == 7
        box.set_delays(0)  # let them finish
        assert wait_for_job(alice, ids[0]).json()["status"] == "completed"
        assert _submit(alice).status_code == 200


def test_concurrency_limit_is_configurable(make_sandbox):
    box = make_sandbox(concurrency=1, delays={"in_queue": 30})
    with _client(box) as c:
        assert _submit(c).status_code == 200
        assert _submit(c).json()["error"] == "ConcurrencyLimitExceeded"


def test_sliding_window_reports_the_wait():
    window = SlidingWindow(2, 5.0)
    assert window.hit("k") is None and window.hit("k") is None
    assert window.hit("k") == 5
    assert window.hit("other") is None


@pytest.mark.parametrize(
    ("stamps", "window", "expected"),
    [([], 10, 0), ([0, 1, 2], 10, 3), ([0, 5, 10, 15], 10, 2), ([0, 9.99, 10], 10, 2)],
)
def test_max_in_window(stamps, window, expected):
    assert max_in_window(stamps, window) == expected
