"""Every fault the sandbox injects, against the FASHN backend: the right typed error, clear
messages, and submissions counted to prove none is ever repeated."""

from __future__ import annotations

import httpx
import pytest
from backend_helpers import completed, fashn, request, run

from editor.backends.base import JobStatus
from editor.backends.errors import (
    AuthenticationError,
    JobExpiredError,
    JobFailedError,
    JobTimeoutError,
    NetworkError,
    OutOfCreditsError,
    RateLimitError,
    ServiceError,
    SubmissionUncertainError,
)
from editor.backends.journal import Journal
from editor.sandbox import JOB_ERROR_NAMES

FAST = {"poll_first": 0.2, "poll_failure_budget": 3.0}


# -- refusals on submit: no job exists, retrying is safe ---------------------------------
def test_rate_limit_waits_for_retry_after_and_retries(sandbox):
    sandbox.inject("rate_limit", retry_after=1)
    events = run(fashn(sandbox, **FAST), request())
    completed(events)
    assert sandbox.stats.run_requests == 2 and sandbox.stats.jobs_created == 1


def test_rate_limit_without_retry_after_gives_up_after_bounded_attempts(sandbox):
    sandbox.inject("rate_limit", times=3)
    with pytest.raises(RateLimitError, match="RateLimitExceeded"):
        run(fashn(sandbox, rate_limit_attempts=2, **FAST), request())
    assert sandbox.stats.run_requests == 2 and sandbox.stats.jobs_created == 0


def test_concurrency_limit_queues_locally_then_runs(sandbox):
    sandbox.inject("concurrency_limit", times=2, retry_after=0)
    events = run(fashn(sandbox, **FAST), request())
    assert any(isinstance(e, JobStatus) and e.status == "queued-locally" for e in events)
    completed(events)
    assert sandbox.stats.run_requests == 3 and sandbox.stats.jobs_created == 1


def test_concurrency_limit_gives_up_after_the_queue_timeout(sandbox):
    sandbox.inject("concurrency_limit", times=50, retry_after=0)
    with pytest.raises(RateLimitError, match="ConcurrencyLimitExceeded"):
        run(fashn(sandbox, queue_timeout=0.5, **FAST), request())
    assert sandbox.stats.jobs_created == 0


def test_out_of_credits_stops_with_a_clear_message(sandbox):
    sandbox.inject("out_of_credits")
    with pytest.raises(OutOfCreditsError) as info:
        run(fashn(sandbox, **FAST), request())
    assert "OutOfCredits" in str(info.value) and "Top up" in str(info.value)
    assert info.value.exit_code == 3
    assert sandbox.stats.run_requests == 1


def test_real_out_of_credits_balance(make_sandbox):
    sb = make_sandbox(credits=1)
    with pytest.raises(OutOfCreditsError, match="only 1 are left"):
        run(fashn(sb, **FAST), request(resolution="4k", generation_mode="quality"))


def test_unauthorized_on_submit(sandbox):
    sandbox.inject("unauthorized", on="run")
    with pytest.raises(AuthenticationError, match="UnauthorizedAccess"):
        run(fashn(sandbox, **FAST), request())
    assert sandbox.stats.run_requests == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_on_submit_is_never_resent(sandbox, status):
    sandbox.inject("server_error", on="run", status=status)
    with pytest.raises(ServiceError) as info:
        run(fashn(sandbox, **FAST), request())
    assert "InternalServerError" in str(info.value) and "billed" in str(info.value)
    assert sandbox.stats.run_requests == 1


def test_html_error_page_on_submit_is_uncertain_and_not_resent(sandbox):
    sandbox.inject("html_error", on="run", status=502)
    with pytest.raises(SubmissionUncertainError) as info:
        run(fashn(sandbox, **FAST), request())
    assert "HTML page" in str(info.value) and "billed" in str(info.value)
    assert info.value.exit_code == 4
    assert sandbox.stats.run_requests == 1


def test_redirect_on_submit_is_followed_to_the_same_server(sandbox):
    sandbox.inject("redirect", on="run")
    completed(run(fashn(sandbox, **FAST), request()))
    assert sandbox.stats.jobs_created == 1


# -- transport faults on submit: the job may exist, never resend --------------------------
@pytest.mark.parametrize("fault", ["reset_before_body", "reset_after_body", "malformed_json"])
def test_broken_submissions_are_never_resent(sandbox, fault):
    sandbox.inject(fault, on="run")
    with pytest.raises(NetworkError) as info:
        run(fashn(sandbox, **FAST), request())
    assert isinstance(info.value, SubmissionUncertainError)
    assert "not sent again" in str(info.value)
    assert sandbox.stats.run_requests == 1
    expected_jobs = 0 if fault == "reset_before_body" else 1
    assert sandbox.stats.jobs_created == expected_jobs
    assert Journal().entries() == []  # no id known: nothing to resume


def test_read_timeout_on_submit_is_uncertain_and_not_resent(sandbox):
    sandbox.inject("slow", on="run", seconds=2.0)
    timeout = httpx.Timeout(connect=5.0, read=0.5, write=5.0, pool=5.0)
    with pytest.raises(SubmissionUncertainError, match="did not answer in time"):
        run(fashn(sandbox, timeout=timeout, **FAST), request())
    assert sandbox.stats.run_requests == 1 and sandbox.stats.jobs_created == 1


def test_unreachable_server_is_a_network_error():
    from editor.backends import make_backend

    backend = make_backend("fashn", base_url="http://127.0.0.1:9", api_key="k")
    with pytest.raises(NetworkError, match="Nothing was sent"):
        run(backend, request())


# -- faults while polling: GETs are safe to repeat ----------------------------------------
@pytest.mark.parametrize(
    ("fault", "params"),
    [
        ("server_error", {"status": 503}),
        ("html_error", {"status": 502}),
        ("malformed_json", {}),
        ("reset_before_body", {}),
        ("reset_after_body", {}),
        ("redirect", {}),
        ("rate_limit", {"retry_after": 1}),
    ],
)
def test_status_faults_are_retried(sandbox, fault, params):
    sandbox.inject(fault, on="status", times=2, **params)
    done = completed(run(fashn(sandbox, **FAST), request()))
    assert done.images
    assert sandbox.stats.run_requests == 1 and sandbox.stats.jobs_created == 1


def test_read_timeout_on_status_is_retried(sandbox):
    sandbox.inject("slow", on="status", seconds=1.5)
    timeout = httpx.Timeout(connect=5.0, read=0.5, write=5.0, pool=5.0)
    completed(run(fashn(sandbox, timeout=timeout, **FAST), request()))
    assert sandbox.stats.jobs_created == 1


def test_status_failing_for_too_long_keeps_the_job(sandbox):
    sandbox.inject("server_error", on="status", times=100)
    with pytest.raises(NetworkError, match="resume"):
        run(fashn(sandbox, journal=Journal(), poll_first=0.2, poll_failure_budget=1.0), request())
    assert len(Journal().entries()) == 1


def test_expired_status_is_reported_and_forgotten(sandbox):
    sandbox.inject("expired")
    with pytest.raises(JobExpiredError, match="expired"):
        run(fashn(sandbox, journal=Journal(), **FAST), request())
    assert Journal().entries() == []


def test_unauthorized_status_keeps_the_job(sandbox):
    sandbox.inject("unauthorized", on="status")
    with pytest.raises(AuthenticationError, match="resume"):
        run(fashn(sandbox, journal=Journal(), **FAST), request())
    assert len(Journal().entries()) == 1


# -- how jobs end ----------------------------------------------------------------------
@pytest.mark.parametrize("name", JOB_ERROR_NAMES)
def test_failed_jobs_carry_the_service_name_and_message(sandbox, name):
    sandbox.inject("job_failed", name=name, message=f"boom {name}")
    with pytest.raises(JobFailedError) as info:
        run(fashn(sandbox, journal=Journal(), **FAST), request())
    assert info.value.name == name and f"boom {name}" in str(info.value)
    assert info.value.job_id
    assert Journal().entries() == []  # nothing to collect
    assert sandbox.credits == 100  # failures are not charged


def test_canceled_job(sandbox):
    sandbox.inject("canceled")
    with pytest.raises(JobFailedError, match="cancel"):
        run(fashn(sandbox, **FAST), request())


def test_stuck_processing_times_out_and_stays_in_the_journal(sandbox):
    sandbox.inject("stuck_processing")
    with pytest.raises(JobTimeoutError, match="still 'processing'") as info:
        run(fashn(sandbox, journal=Journal(), job_timeout=1.0, **FAST), request())
    assert "resume" in str(info.value)
    assert [e.job_id for e in Journal().entries()] == [next(iter(sandbox.jobs))]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x.png"])
def test_non_http_output_urls_are_not_fetched(sandbox, url):
    sandbox.inject("bad_output_url", url=url)
    with pytest.raises(ServiceError, match="not an http"):
        run(fashn(sandbox, **FAST), request())


def test_output_that_is_not_an_image(sandbox):
    sandbox.inject("not_image_output")
    with pytest.raises(ServiceError, match="BadOutput"):
        run(fashn(sandbox, **FAST), request())


@pytest.mark.parametrize("mode", ["length", "endless"])
def test_enormous_outputs_are_capped(sandbox, mode):
    sandbox.inject("huge_output", mode=mode)
    with pytest.raises(ServiceError, match="OutputTooLarge"):
        run(fashn(sandbox, max_output_bytes=5 * 2**20, **FAST), request())


def test_slow_download_is_retried(sandbox):
    sandbox.inject("slow", on="output", seconds=1.5)
    timeout = httpx.Timeout(connect=5.0, read=0.5, write=5.0, pool=5.0)
    completed(run(fashn(sandbox, timeout=timeout, **FAST), request()))
