"""The chain of images the user edited: the opened photo and variants used as sources."""

from __future__ import annotations

from dataclasses import dataclass

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
    def chain(self) -> list[SourceEntry]:
        """The current source and the ones before it (what a session stores)."""
        return self._entries[: self._index + 1]

    @property
    def index(self) -> int:
        return self._index
