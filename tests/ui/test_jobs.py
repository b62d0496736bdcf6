"""JobRunner: the Qt <-> asyncio bridge, over real HTTP against the sandbox."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from editor.backends import make_backend
from editor.core.mask import grow
from editor.core.request import EditRequest
from editor.jobs import BackendPool, JobOutcome, JobRunner


def _request(ui, n: int = 2, prompt: str = "paint it blue") -> EditRequest:  # type: ignore[no-untyped-def]
    image = ui.photo(96, 128, seed=1)
    mask = np.zeros((96, 128), np.uint8)
    mask[30:60, 40:90] = 255
    return EditRequest(image=image, mask=mask, prompt=prompt, num_images=n, seed=7)


@pytest.fixture
def runner(qtbot, qloop):  # type: ignore[no-untyped-def]
    r = JobRunner()
    yield r
    done = asyncio.ensure_future(r.shutdown())
    qtbot.waitUntil(done.done, timeout=10_000)


class _Recorder:
    def __init__(self, runner: JobRunner) -> None:
        self.events: list[tuple] = []
        runner.submitted.connect(lambda n, i: self.events.append(("submitted", n, i)))
        runner.status.connect(lambda n, s, _e: self.events.append(("status", n, s)))
        runner.progress.connect(lambda n, m, f, t: self.events.append(("progress", n, t)))
        runner.completed.connect(lambda n, o: self.events.append(("completed", n, o)))
        runner.failed.connect(lambda n, m: self.events.append(("failed", n, m)))
        runner.cancelled.connect(lambda n, m: self.events.append(("cancelled", n, m)))
        runner.finished.connect(lambda n: self.events.append(("finished", n)))

    def kinds(self) -> list[str]:
        return [e[0] for e in self.events]

    def finished(self) -> bool:
        return "finished" in self.kinds()


def test_fashn_job_end_to_end(runner, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    backend = make_backend("fashn", base_url=sandbox.url, api_key=sandbox.key)
    rec = _Recorder(runner)
    request = _request(ui)
    number = runner.start(backend, request)
    assert runner.running() == [number]
    qtbot.waitUntil(rec.finished, timeout=30_000)
    kinds = rec.kinds()
    assert kinds[0] == "submitted" and kinds[-2:] == ["completed", "finished"]
    assert "status" in kinds
    outcome: JobOutcome = rec.events[-2][2]
    assert len(outcome.variants) == 2 and len(outcome.thumbs) == 2
    for variant, thumb in zip(outcome.variants, outcome.thumbs, strict=True):
        assert variant.shape[:2] == (96, 128)
        assert max(thumb.shape[:2]) <= 256
        outside = grow(request.mask, 8) == 0  # beyond the feathered edge
        image = variant.full(request.image)
        assert np.array_equal(image[..., :3][outside], request.image[outside])
        assert not np.array_equal(image[..., :3], request.image)
    assert outcome.remote_id == rec.events[0][2]
    assert sandbox.stats.jobs_created == 1
    assert runner.running() == []


def test_failed_job_is_one_line(runner, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    sandbox.inject("job_failed", message="Blocked by policy")
    backend = make_backend("fashn", base_url=sandbox.url, api_key=sandbox.key)
    rec = _Recorder(runner)
    runner.start(backend, _request(ui, 1))
    qtbot.waitUntil(rec.finished, timeout=30_000)
    failed = [e for e in rec.events if e[0] == "failed"]
    assert len(failed) == 1
    message = failed[0][2]
    assert "PipelineError" in message and "Blocked by policy" in message and "\n" not in message
    assert sandbox.key not in message


def test_cancel_stops_waiting_and_warns(runner, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    sandbox.set_delays({"processing": 30})
    backend = make_backend("fashn", base_url=sandbox.url, api_key=sandbox.key)
    rec = _Recorder(runner)
    number = runner.start(backend, _request(ui, 1))
    qtbot.waitUntil(lambda: "submitted" in rec.kinds(), timeout=15_000)
    assert runner.cancel(number)
    qtbot.waitUntil(rec.finished, timeout=10_000)
    cancelled = [e for e in rec.events if e[0] == "cancelled"]
    assert len(cancelled) == 1
    assert "may still finish" in cancelled[0][2] and "charge" in cancelled[0][2]
    assert "completed" not in rec.kinds()
    assert not runner.cancel(number)
    assert runner.running() == []


def test_several_jobs_at_once(runner, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    sandbox.set_delays(0.2)
    backend = make_backend("fashn", base_url=sandbox.url, api_key=sandbox.key)
    rec = _Recorder(runner)
    numbers = [runner.start(backend, _request(ui, 1, f"variant {i}")) for i in range(3)]
    assert sorted(runner.running()) == numbers
    qtbot.waitUntil(lambda: rec.kinds().count("finished") == 3, timeout=60_000)
    done = {e[1] for e in rec.events if e[0] == "completed"}
    assert done == set(numbers)
    assert sandbox.stats.jobs_created == 3


def test_call_routes_results_and_errors(runner, qtbot) -> None:  # type: ignore[no-untyped-def]
    results: list[object] = []

    async def ok() -> int:
        await asyncio.sleep(0)
        return 41

    async def boom() -> None:
        raise RuntimeError("disk\nexploded")

    runner.call(ok(), on_done=results.append)
    runner.call(boom(), on_error=results.append)
    runner.in_thread(sum, [1, 2], on_done=results.append)
    qtbot.waitUntil(lambda: len(results) == 3, timeout=5_000)
    assert 41 in results and 3 in results
    message = next(r for r in results if isinstance(r, str))
    assert "disk exploded" in message and "\n" not in message


def test_pool_reuses_and_closes_backends(qtbot, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    pool = BackendPool()
    a = pool.get("fashn", base_url=sandbox.url, api_key="k1")
    assert pool.get("fashn", base_url=sandbox.url, api_key="k1") is a
    assert pool.get("fashn", base_url=sandbox.url, api_key="k2") is not a
    done = asyncio.ensure_future(pool.aclose())
    qtbot.waitUntil(done.done, timeout=5_000)
    assert done.exception() is None


def test_window_path_validates_once(runner, sandbox, qtbot, ui, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Run controller checks the request, JobRunner starts it, the backend sends it: the
    request is validated exactly once on that path."""
    import editor.core.validation as validation

    calls: list[str] = []
    real = validation.validate_request

    def counting(req, backend):  # type: ignore[no-untyped-def]
        calls.append(backend)
        return real(req, backend)

    monkeypatch.setattr(validation, "validate_request", counting)
    request = _request(ui)
    validation.validate_request(request, "fashn")  # the window's check before the job shows
    backend = make_backend("fashn", base_url=sandbox.url, api_key=sandbox.key)
    rec = _Recorder(runner)
    runner.start(backend, request)
    qtbot.waitUntil(rec.finished, timeout=30_000)
    assert rec.kinds()[-2:] == ["completed", "finished"]
    assert calls == ["fashn"]
    assert sandbox.stats.run_requests == 1


def test_nothing_new_starts_once_shutdown_has_begun(qtbot, qloop) -> None:  # type: ignore[no-untyped-def]
    """A timer firing while the window closes (the advisor's debounced mask box) used to
    start a helper after shutdown had collected the pending ones: left pending when the
    loop closed ("Task was destroyed but it is pending")."""
    import threading

    runner = JobRunner()
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow() -> None:
        started.set()
        release.wait(5)
        ran.append("before")

    before = runner.in_thread(slow)
    qtbot.waitUntil(started.is_set, timeout=10_000)  # running in its thread (the pool
    # may still be busy with an earlier test's helpers)
    stopping = asyncio.ensure_future(runner.shutdown())
    qtbot.waitUntil(stopping.done, timeout=10_000)  # it stopped waiting for the helper
    assert before.cancelled()
    late = runner.in_thread(lambda: ran.append("late"), on_done=lambda _r: ran.append("done"))
    assert late.cancelled()
    release.set()
    qtbot.waitUntil(lambda: ran == ["before"], timeout=5_000)  # its thread ran to its end
    qtbot.wait(50)
    assert ran == ["before"]  # the late function never ran, nor its callback
