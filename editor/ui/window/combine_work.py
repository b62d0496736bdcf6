"""What the combine mode keeps and how it works off the UI thread: one job's
combination, the single worker thread that runs every change in order, the sources'
provenance and the composite's export."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from editor.core.atomic import atomic_write, claim_write, export_error
from editor.core.combine import PickChange, PickStroke, SourceInfo, VariantCombiner
from editor.core.errors import EditorError
from editor.core.job_record import JobRecord
from editor.ui.canvas.pick_layer import CompositeLayer, merge_coverage


@dataclass
class Combination:
    """One job's combination, kept for the session: re-entering continues it."""

    record: JobRecord
    combiner: VariantCombiner
    layer: CompositeLayer
    label: int = 1  # the source the brush paints
    undo: list[PickChange] = field(default_factory=list)
    redo: list[PickChange] = field(default_factory=list)
    stroke: PickStroke | None = None  # worker thread only


class SerialWorker(QObject):
    """One worker thread: calls run in the order given (a stroke's dabs, its end, undo,
    feather...), and their results or one-line errors come back on the UI thread."""

    done = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        pool = ThreadPoolExecutor(1, thread_name_prefix="combine")
        self._pool = pool
        self.pending = 0
        self.done.connect(self._deliver)
        self.destroyed.connect(lambda *_a: pool.shutdown(wait=False, cancel_futures=True))

    def submit(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.pending += 1

        def run() -> None:
            try:
                item = (on_done, work(), None)
            except EditorError as exc:
                item = (on_error, None, str(exc))
            except MemoryError:
                item = (on_error, None, "Not enough memory to combine at this size.")
            except Exception as exc:  # one line for the user, never a traceback
                item = (on_error, None, f"Combining failed: {exc}")
            try:
                self.done.emit(item)
            except RuntimeError:  # the window is gone
                pass

        self._pool.submit(run)

    def _deliver(self, item: tuple[Any, Any, str | None]) -> None:
        self.pending -= 1
        callback, result, error = item
        if callback is not None:
            callback(error if error is not None else result)


class DabQueue:
    """A stroke's dabs waiting for the worker: the first of a batch asks for a worker
    call (``push`` is True), which ``take``s every dab queued by then as one merged
    coverage, so a fast drag on a 100 MP photo never falls further behind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[np.ndarray, tuple[int, int]]] = []
        self._since = 0.0  # when the oldest queued dab came

    def push(self, coverage: np.ndarray, origin: tuple[int, int]) -> bool:
        with self._lock:
            self._items.append((coverage, origin))
            if len(self._items) > 1:
                return False
            self._since = time.perf_counter()
            return True

    def take(self) -> tuple[np.ndarray, tuple[int, int], float]:
        """(merged coverage, its top-left, when the oldest dab came); worker thread."""
        with self._lock:
            items, self._items, since = self._items, [], self._since
        return (*merge_coverage(items), since)


def default_feather(width: int, height: int) -> int:
    """The feathered edge scaled to the photo: ~0.4 % of its short side (16 px at 24 MP)."""
    return max(2, round(min(width, height) * 0.004))


def source_infos(record: JobRecord) -> list[SourceInfo]:
    """The original and each variant of ``record``: job id, seed, engine, prompt."""
    seed = record.settings.get("seed")
    seed = int(seed) if isinstance(seed, int | float) and not isinstance(seed, bool) else None
    job_id = record.remote_id or record.job_id
    infos = [SourceInfo("original")]
    for i in range(len(record.variants)):
        infos.append(SourceInfo(f"variant {i + 1}", job_id, seed, record.backend, record.prompt))
    return infos


def export_composite(combiner: VariantCombiner, path: str | Path) -> Path:
    """The composite as a PNG at ``path`` (atomic), with ``combiner.metadata()``."""
    from editor.core.codec import write_png

    target = Path(path)
    meta = combiner.metadata()
    try:
        return atomic_write(
            target, lambda fh: write_png(combiner.composite, fh, compress_level=1, text=meta)
        )
    except OSError as error:
        raise export_error(error, target, "write") from None


def export_composite_next_to(combiner: VariantCombiner, folder: Path, stem: str) -> Path:
    """The composite as ``<stem>-combined-<n>.png`` in ``folder``, the first free n
    claimed by an exclusive create (never overwrites an earlier export)."""
    from editor.core.codec import write_png

    meta = combiner.metadata()
    try:
        path, _n = claim_write(
            folder,
            lambda k: f"{stem}-combined-{k}.png",
            lambda fh: write_png(combiner.composite, fh, compress_level=1, text=meta),
        )
    except OSError as error:
        raise export_error(error, folder / f"{stem}-combined.png", "write") from None
    return path
