"""Sandbox state: jobs and their status walk, request statistics, rate-limit windows."""

from __future__ import annotations

import collections
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

PHASES = ("starting", "in_queue", "processing")
TERMINAL = frozenset({"completed", "failed", "canceled"})
DEMO_DELAYS = {"starting": 0.5, "in_queue": 1.0, "processing": 3.0}

# seed 001: credits per output by generation_mode and resolution
CREDIT_TABLE = {
    "fast": {"1k": 1, "2k": 2, "4k": 3},
    "balanced": {"1k": 2, "2k": 3, "4k": 4},
    "quality": {"1k": 3, "2k": 4, "4k": 5},
}

# (requests, seconds) per key, sliding window; FASHN's documented limits
DEFAULT_LIMITS = {"run": (50, 60.0), "status": (50, 10.0), "credits": (30, 10.0)}


def job_cost(schema: str, resolution: str, mode: str | None, num_images: int) -> int:
    """Credits a job costs: seed 001's table x num_images; legacy inpaint = 1."""
    if schema == "legacy":
        return 1
    if mode is None:
        mode = "fast" if resolution == "1k" else "quality"
    return CREDIT_TABLE[mode][resolution] * num_images


@dataclass
class Job:
    """One accepted FASHN prediction. ``status`` walks with the sandbox's live delays."""

    id: str
    key: str
    schema: str  # "current" | "legacy"
    inputs: dict[str, Any]
    cost: int
    num_images: int
    output_format: str
    return_base64: bool
    delays: dict[str, float]
    created: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    outputs: list[bytes] = field(default_factory=list)
    output_refs: list[str] | None = None  # overrides the URLs / data URIs (faults)
    end_state: str = "completed"
    error: dict[str, str] | None = None
    stuck: bool = False
    expired: bool = False
    faults: list[str] = field(default_factory=list)
    _phase: int = 0

    @property
    def status(self) -> str:
        """starting -> in_queue -> processing -> completed | failed | canceled."""
        d = self.delays
        t1 = d.get("starting", 0.0)
        t2 = t1 + d.get("in_queue", 0.0)
        t3 = t2 + d.get("processing", 0.0)
        elapsed = time.monotonic() - self.created
        if elapsed < t1:
            phase = 0
        elif elapsed < t2:
            phase = 1
        elif elapsed < t3 or self.stuck or not self.done.is_set():
            phase = 2
        else:
            phase = 3
        self._phase = max(self._phase, phase)  # never walks backwards
        return PHASES[self._phase] if self._phase < 3 else self.end_state

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def credits_used(self) -> int:
        """Charged only when completed (failures are not charged)."""
        return self.cost if self.status == "completed" else 0


@dataclass
class Stats:
    """What the sandbox received; tests use it to count submissions and polls."""

    run_requests: int = 0  # POST /v1/run received (any outcome)
    jobs_created: int = 0
    status_polls: list[float] = field(default_factory=list)  # monotonic timestamps
    openai_requests: int = 0
    credits_requests: int = 0
    output_requests: int = 0
    rate_limited: int = 0  # 429 RateLimitExceeded from the real limiter
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def bump(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def count(self, endpoint: str) -> None:
        """Count one request to ``endpoint`` (a status poll keeps its time)."""
        if endpoint == "status":
            with self._lock:
                self.status_polls.append(time.monotonic())
        else:
            self.bump(f"{endpoint}_requests")

    def max_polls_in_window(self, window: float = 10.0) -> int:
        """The most status polls seen in any ``window`` seconds."""
        return max_in_window(self.status_polls, window)


def max_in_window(timestamps: list[float], window: float) -> int:
    """Largest number of timestamps inside any half-open interval of ``window`` seconds."""
    ts = sorted(timestamps)
    best, lo = 0, 0
    for hi, t in enumerate(ts):
        while t - ts[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


class SlidingWindow:
    """``limit`` requests per ``period`` seconds per key (a log of accepted requests)."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._hits: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Record a request; None when allowed, else the seconds to wait (Retry-After)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] >= self.period:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(self.period - (now - hits[0])))
            hits.append(now)
            return None
