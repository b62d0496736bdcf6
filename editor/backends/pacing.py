"""Process-wide pacing shared by every job and backend that uses the same account.

* ``SlidingWindowLimiter``: at most ``limit`` calls in any ``window`` (+ margin) seconds
  (FASHN's status budget is 50 per 10 s for all jobs of a key), counted at the moment a
  call is really made.
* ``Slots``: a counting semaphore (FASHN runs 6 jobs per key at once) that works from any
  event loop or thread, so the GUI loop and a CLI ``asyncio.run`` never share loop-bound
  primitives.

Both are looked up by ``(base_url, key fingerprint)``; the key itself is never kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from collections import deque

STATUS_LIMIT = (50, 10.0)  # requests, seconds (shared by all jobs of a key)
RUN_LIMIT = (50, 60.0)
CREDITS_LIMIT = (30, 10.0)
CONCURRENT_JOBS = 6


def account_id(base_url: str, api_key: str | None) -> str:
    """A stable, non-reversible name for one account on one server."""
    digest = hashlib.sha256((api_key or "").encode()).hexdigest()[:16]
    return f"{base_url.rstrip('/')}#{digest}"


class SlidingWindowLimiter:
    """At most ``limit`` acquisitions in any ``window`` seconds, across threads and loops."""

    def __init__(self, limit: int, window: float, *, margin: float = 0.5) -> None:
        self.limit = limit
        # slack for requests that reach the server later than they left (busy loop, network)
        self.window = window + margin
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def try_acquire(self) -> float:
        """Take a call now (returns 0.0) or say how long to wait before trying again."""
        with self._lock:
            now = time.monotonic()
            while self._times and self._times[0] <= now - self.window:
                self._times.popleft()
            if len(self._times) < self.limit:
                self._times.append(now)  # the moment the call is really made
                return 0.0
            return self._times[0] + self.window - now

    async def acquire(self) -> None:
        """Wait until a call may be made within the budget, then count it."""
        while (delay := self.try_acquire()) > 0:
            await asyncio.sleep(delay + random.uniform(0.0, 0.05))


class Slots:
    """A counting semaphore usable from any event loop (waiters are woken thread-safely)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._used = 0
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def in_use(self) -> int:
        return self._used

    def try_acquire(self) -> bool:
        with self._lock:
            if self._used < self.size and not self._waiters:
                self._used += 1
                return True
            return False

    async def acquire(self) -> None:
        """Take a slot, waiting in FIFO order when all are in use."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._used < self.size and not self._waiters:
                self._used += 1
                return
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, fut))
        try:
            await fut
        except asyncio.CancelledError:
            with self._lock:
                try:
                    self._waiters.remove((loop, fut))
                except ValueError:  # already handed a slot: give it back
                    self._release_locked()
            raise

    def release(self) -> None:
        with self._lock:
            self._release_locked()

    def _release_locked(self) -> None:
        while self._waiters:
            loop, fut = self._waiters.popleft()
            if loop.is_closed():
                continue
            # the slot passes straight to the waiter (``_used`` unchanged)
            loop.call_soon_threadsafe(_resolve, fut)
            return
        self._used = max(0, self._used - 1)


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


_registry_lock = threading.Lock()
_limiters: dict[tuple[str, str], SlidingWindowLimiter] = {}
_slots: dict[str, Slots] = {}


def limiter(account: str, kind: str) -> SlidingWindowLimiter:
    """The process-wide limiter for ``kind`` ('status', 'run', 'credits') of an account."""
    limit, window = {"status": STATUS_LIMIT, "run": RUN_LIMIT, "credits": CREDITS_LIMIT}[kind]
    with _registry_lock:
        found = _limiters.get((account, kind))
        if found is None:
            found = _limiters[(account, kind)] = SlidingWindowLimiter(limit, window)
        return found


def job_slots(account: str, size: int = CONCURRENT_JOBS) -> Slots:
    """The process-wide concurrent-job slots of an account."""
    with _registry_lock:
        found = _slots.get(account)
        if found is None:
            found = _slots[account] = Slots(size)
        return found


def poll_interval(attempt: int, *, first: float = 1.0, cap: float = 5.0) -> float:
    """Delay after status poll number ``attempt`` (0-based), jittered: four quick looks
    (first/4, first/4, first/2, first/2) catch jobs that finish at once, then ~``first``
    growing to ``cap``. The shared limiter keeps the total within budget regardless."""
    if attempt < 4:
        base = first / (4 if attempt < 2 else 2)
    else:
        base = min(cap, first * (1.25 ** (attempt - 4)))
    return base * random.uniform(0.85, 1.15)


def backoff(attempt: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Exponential backoff with full jitter for retries that are known to be safe."""
    return random.uniform(0.5, 1.0) * min(cap, base * (2**attempt))
