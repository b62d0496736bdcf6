"""Several jobs at once stay within FASHN's shared limits: 50 status polls per 10 s per
key (sliding window) and 6 running jobs per key, both enforced process-wide."""

from __future__ import annotations

import asyncio
import time

from backend_helpers import fashn, request

from editor.backends import pacing
from editor.backends.base import JobCompleted, JobStatus


def test_many_concurrent_jobs_poll_within_budget_and_queue_beyond_six(make_sandbox):
    sb = make_sandbox(delays={"starting": 0.0, "in_queue": 1.0, "processing": 4.0})
    statuses: list[str] = []

    async def one(i: int) -> JobCompleted:
        # an aggressive poll schedule, so only the shared limiter keeps the budget
        backend = fashn(sb, poll_first=0.05, poll_cap=0.1)
        try:
            async for event in backend.run(request(seed=i)):
                if isinstance(event, JobStatus):
                    statuses.append(event.status)
                if isinstance(event, JobCompleted):
                    return event
        finally:
            await backend.aclose()
        raise AssertionError("no result")

    async def main() -> list[JobCompleted]:
        return await asyncio.gather(*(one(i) for i in range(8)))

    results = asyncio.run(main())
    assert len(results) == 8 and all(r.images for r in results)
    assert sb.stats.max_polls_in_window(10.0) <= 50
    assert sb.stats.rate_limited == 0  # the server never had to refuse a poll
    assert sb.stats.run_requests == 8  # never above 6 running: no ConcurrencyLimit refusal
    assert statuses.count("queued-locally") == 2
    assert len(sb.stats.status_polls) > 50  # the budget really was under pressure


def test_sliding_window_limiter_spaces_calls():
    lim = pacing.SlidingWindowLimiter(5, 0.5, margin=0.0)
    stamps = []

    async def main():
        for _ in range(12):
            await lim.acquire()
            stamps.append(time.monotonic())

    asyncio.run(main())
    for i in range(5, 12):
        assert stamps[i] - stamps[i - 5] >= 0.5 - 0.01


def test_slots_work_across_event_loops_and_are_fifo():
    slots = pacing.Slots(1)
    order = []

    async def worker(name: str, hold: float):
        await slots.acquire()
        order.append(name)
        await asyncio.sleep(hold)
        slots.release()

    async def main():
        await asyncio.gather(worker("a", 0.1), worker("b", 0.0), worker("c", 0.0))

    asyncio.run(main())
    assert order == ["a", "b", "c"]
    asyncio.run(main())  # a new loop: nothing is bound to the old one
    assert slots.in_use == 0


def test_poll_interval_grows_from_about_one_second():
    assert pacing.poll_interval(0) < 0.4
    assert 0.8 <= pacing.poll_interval(4) <= 1.2
    assert pacing.poll_interval(50) <= 5.0 * 1.15
