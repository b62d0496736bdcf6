"""Snapshots of a large mask for the autosave without stalling the UI thread.

Copying a 100 MP mask takes 30-150 ms; doing it on every mask change (as a small mask
is) would stall painting. A large mask is instead copied after a pause in changes (or
at the latest ``max_latency_s`` after the first unsaved one), one band of rows per
event-loop turn, and the copy is handed over once complete. A change while it is being
copied only marks it dirty: another copy follows, so the last one written is always a
copy made after the last change.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer

BAND_BYTES = 1_000_000  # rows copied per event-loop turn (under 1 ms, page faults too)
SMALL_BYTES = 8_000_000  # masks up to this size are copied at once, on every change


class MaskSnapshots(QObject):
    """Copies a mask (band by band when large) and calls ``done(mask, copy)``."""

    def __init__(
        self,
        done: Callable[[np.ndarray, np.ndarray], None],
        *,
        delay_s: float,
        max_latency_s: float,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._done = done
        self._delay_ms = max(0, int(delay_s * 1000))
        self._max_latency = max_latency_s
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._step)
        self._mask: np.ndarray | None = None
        self._copy: np.ndarray | None = None
        self._row = 0
        self._dirty = False
        self._first: float | None = None  # when the oldest unsaved change came

    def changed(self, mask: np.ndarray) -> None:
        """``mask`` changed (it may be a new array): snapshot it soon."""
        if mask.nbytes <= SMALL_BYTES:
            self._done(mask, mask.copy())
            return
        now = time.monotonic()
        if self._copy is not None and mask is self._mask:
            self._dirty = True  # copying now: the rows still to copy get the change
            return
        self._mask, self._copy = mask, None
        self._first = self._first or now
        wait = 0 if now - self._first >= self._max_latency else self._delay_ms
        self._timer.start(wait)

    def busy(self) -> bool:
        """True while a snapshot is waiting or being copied."""
        return self._timer.isActive() or self._copy is not None

    def _step(self) -> None:
        mask = self._mask
        if mask is None:
            return
        if self._copy is None:
            self._copy, self._row, self._dirty = np.empty_like(mask), 0, False
        rows = max(1, BAND_BYTES // max(1, mask.strides[0]))
        end = min(mask.shape[0], self._row + rows)
        self._copy[self._row : end] = mask[self._row : end]
        self._row = end
        if end < mask.shape[0]:
            self._timer.start(0)
            return
        copy, self._copy, self._first = self._copy, None, None
        self._done(mask, copy)
        if self._dirty:  # changed while copied: copy again after the next pause
            self._dirty = False
            self._first = time.monotonic()
            self._timer.start(self._delay_ms)
