"""Named faults the sandbox can inject, and the queue that hands them out.

A fault is queued with ``Sandbox.inject(name, times=1, on=..., **params)`` and is
consumed by the next matching request(s). ``on`` names the endpoint(s) it applies to:
``run``, ``status``, ``credits``, ``openai``, ``output`` (downloads of results), or the
groups ``api`` (run, status, credits, openai) and ``any`` (api + output).

Levels:
- ``request``: applied by the HTTP handler to the matching request itself;
- ``result``: attached to the next job/edit created (how it ends, what it outputs);
- ``stream``: applied inside an OpenAI server-sent-event stream.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

ENDPOINTS = ("run", "status", "credits", "openai", "output")
GROUPS = {"api": ("run", "status", "credits", "openai"), "any": ENDPOINTS}

JOB_ERROR_NAMES = (
    "ImageLoadError",
    "InputValidationError",
    "ContentModerationError",
    "PipelineError",
    "ThirdPartyError",
    "InternalServerError",
)


@dataclass(frozen=True)
class FaultSpec:
    level: str  # request | result | stream
    on: tuple[str, ...]  # default endpoints
    params: dict[str, Any] = field(default_factory=dict)  # accepted params and defaults


FAULTS: dict[str, FaultSpec] = {
    # refusals: answered instead of the real thing, nothing is created
    "rate_limit": FaultSpec("request", ("run",), {"retry_after": None}),
    "concurrency_limit": FaultSpec("request", ("run",), {"retry_after": None}),
    "out_of_credits": FaultSpec("request", ("run",)),
    "unauthorized": FaultSpec("request", GROUPS["api"]),
    "server_error": FaultSpec("request", GROUPS["api"], {"status": 500}),
    "html_error": FaultSpec("request", GROUPS["api"], {"status": 502}),
    "redirect": FaultSpec("request", GROUPS["api"], {"status": 307}),
    "expired": FaultSpec("request", ("status",)),
    # transport faults: the request may or may not have been processed
    "reset_before_body": FaultSpec("request", GROUPS["api"]),
    "reset_after_body": FaultSpec("request", GROUPS["api"]),
    "malformed_json": FaultSpec("request", GROUPS["api"]),
    "slow": FaultSpec("request", GROUPS["api"], {"seconds": 5.0}),
    "huge_output": FaultSpec("request", ("output",), {"mode": "length"}),
    # how the next job ends / what it returns
    "job_failed": FaultSpec("result", ("run",), {"name": "PipelineError", "message": None}),
    "canceled": FaultSpec("result", ("run",)),
    "stuck_processing": FaultSpec("result", ("run",)),
    "bad_output_url": FaultSpec("result", ("run",), {"url": "file:///etc/passwd"}),
    "not_image_output": FaultSpec("result", ("run", "openai")),
    # OpenAI streaming
    "stream_error": FaultSpec("stream", ("openai",), {"after": 1}),
}

# faults answered without running the endpoint (no job is created)
REFUSALS = frozenset(
    {
        "rate_limit",
        "concurrency_limit",
        "out_of_credits",
        "unauthorized",
        "server_error",
        "html_error",
        "redirect",
        "expired",
        "huge_output",
    }
)


@dataclass
class Fault:
    name: str
    level: str
    on: tuple[str, ...]
    remaining: int
    params: dict[str, Any]


class FaultQueue:
    """Thread-safe FIFO of injected faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self, name: str, /, times: int = 1, on: str | tuple[str, ...] | None = None, **params: Any
    ) -> Fault:
        """Queue ``name`` for the next ``times`` matching requests; unknown names raise."""
        spec = FAULTS.get(name)
        if spec is None:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
        unknown = set(params) - set(spec.params)
        if unknown:
            raise ValueError(f"fault {name!r} takes no parameter(s) {sorted(unknown)}")
        if times < 1:
            raise ValueError("times must be >= 1")
        targets = _expand(on) if on is not None else spec.on
        fault = Fault(name, spec.level, targets, times, {**spec.params, **params})
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, endpoint: str, level: str) -> Fault | None:
        """The first queued fault of ``level`` matching ``endpoint`` (consumes one use)."""
        with self._lock:
            for fault in self._faults:
                if fault.level == level and endpoint in fault.on:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None


def _expand(on: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    names = (on,) if isinstance(on, str) else tuple(on)
    out: list[str] = []
    for name in names:
        if name in GROUPS:
            out.extend(GROUPS[name])
        elif name in ENDPOINTS:
            out.append(name)
        else:
            raise ValueError(f"unknown endpoint {name!r}; use one of {ENDPOINTS} or api/any")
    return tuple(dict.fromkeys(out))
