"""What the window remembers about its sources and jobs (plain Python, no Qt)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import numpy as np


@dataclass
class SourceEntry:
    """One image the user edited: the opened photo or a variant used as a new source."""

    image: np.ndarray
    label: str
    path: str | None = None


class SourceHistory:
    """The chain of sources: "use as new source" pushes, "back" steps to earlier ones."""

    def __init__(self) -> None:
        self._entries: list[SourceEntry] = []
        self._index = -1

    def reset(self, entry: SourceEntry) -> None:
        """Start a new history (a newly opened file)."""
        self._entries = [entry]
        self._index = 0

    def push(self, entry: SourceEntry) -> None:
        """Continue from ``entry``; later entries (after going back) are dropped."""
        del self._entries[self._index + 1 :]
        self._entries.append(entry)
        self._index = len(self._entries) - 1

    def back(self) -> SourceEntry | None:
        if self._index <= 0:
            return None
        self._index -= 1
        return self._entries[self._index]

    def forward(self) -> SourceEntry | None:
        if self._index >= len(self._entries) - 1:
            return None
        self._index += 1
        return self._entries[self._index]

    @property
    def current(self) -> SourceEntry | None:
        return self._entries[self._index] if self._entries else None

    @property
    def can_go_back(self) -> bool:
        return self._index > 0

    @property
    def can_go_forward(self) -> bool:
        return 0 <= self._index < len(self._entries) - 1

    @property
    def entries(self) -> list[SourceEntry]:
        return list(self._entries)

    @property
    def index(self) -> int:
        return self._index


@dataclass
class JobRecord:
    """One job as the window shows it: settings, progress, results or error."""

    number: int
    backend: str
    prompt: str
    settings: dict[str, object]
    source: np.ndarray
    mask: np.ndarray | None
    expected_seconds: float | None = None
    started: float = field(default_factory=time.monotonic)
    remote_id: str | None = None
    state: str = "starting"  # service status, then completed | failed | cancelled
    ended: float | None = None
    images: list[np.ndarray] = field(default_factory=list)
    thumbs: list[np.ndarray] = field(default_factory=list)
    partial: np.ndarray | None = None
    error: str = ""
    credits_used: float | None = None
    key: str = field(default_factory=lambda: f"job-{uuid.uuid4().hex[:12]}")  # session identity
    created: float = field(default_factory=time.time)

    @property
    def running(self) -> bool:
        return self.state not in ("completed", "failed", "cancelled")

    def end(self, state: str, error: str = "") -> None:
        """The job is over: ``state`` is completed, failed or cancelled."""
        self.state, self.error, self.ended = state, error, time.monotonic()

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def metadata(self, index: int) -> dict[str, str]:
        """PNG text metadata for variant ``index``: prompt, seed, settings; never a key."""
        meta = {"Software": "mask-editor", "Prompt": self.prompt, "Backend": self.backend}
        for name, value in self.settings.items():
            secret = any(w in name.lower() for w in ("key", "token", "secret", "auth"))
            if name == "backend" or secret:
                continue
            meta[name.replace("_", " ").title()] = str(value)
        if "seed" in self.settings:
            meta["Seed"] = str(self.settings["seed"])
        meta["Variant"] = f"{index + 1} of {len(self.images)}"
        if self.remote_id:
            meta["Job"] = self.remote_id
        return meta

    def summary(self) -> str:
        """One line of the job's settings for the results list."""
        parts = [self.backend]
        for name in ("schema", "resolution", "generation_mode", "model", "num_images", "seed"):
            if name in self.settings:
                parts.append(f"{name.replace('_', ' ')} {self.settings[name]}")
        return ", ".join(parts)
