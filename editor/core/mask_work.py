"""Full-mask operations, and their undo and redo, worked out in a worker thread.

On a 100-150 MP photo an invert, clear, fill, grow, shrink or feather, or the undo of
one, touches 100-150 MB: seconds of numpy work that must not freeze the window. A
``MaskWork`` runs one such job at a time in a worker thread: it computes the new mask,
keeps only the changed tiles as the undo record (``mask_records``), and writes them into
the live mask in place (numpy and cv2 release the interpreter lock). When the job ends,
``notify`` is called from the worker; the caller's thread then calls ``finish``, which
records the undo step and tells the document's listeners, as a synchronous edit would.

While a job runs the mask belongs to the worker: every other mask edit of the document
first calls ``settle`` (waits for the job and finishes it). Masks smaller than
``ASYNC_FROM`` pixels are edited on the caller's thread as before (a few ms).
No Qt here: the window turns ``notify`` into a queued call on its event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from editor.core.mask_history import compress_later
from editor.core.mask_records import (
    InvertRecord,
    MaskRecord,
    Rect,
    Run,
    diff_tiles,
    record_changes,
)
from editor.core.threads import lower_thread_priority

if TYPE_CHECKING:
    from editor.core.document import Document

ASYNC_FROM = 4_000_000  # pixels; smaller masks are edited on the caller's thread


_WORKER = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="mask-work", initializer=lower_thread_priority
)

# the new mask, or the rectangles that may change with their new values (``edge_changes``)
Compute = Callable[[np.ndarray], "np.ndarray | list[tuple[Rect, np.ndarray]]"]


@dataclass
class _Job:
    kind: str  # "edit", "undo" or "redo"
    text: str
    generation: int
    future: Future[MaskRecord | None]


class MaskWork:
    """One full-mask job at a time, off the caller's thread (see the module text)."""

    def __init__(self, document: Document) -> None:
        self._doc = document
        self._job: _Job | None = None
        self.notify: Callable[[], None] | None = None  # called in the worker at a job's end
        self.on_error: list[Callable[[str], None]] = []  # a failed job, in one line
        # called in the worker right after pixels were written (e.g. to update a display
        # pyramid of the mask in the same rectangle before the caller hears of it), with
        # the record's ``runs`` of tiles written (flat runs as one value) and the
        # ``boxes`` it wrote (both [] = anywhere in the rectangle)
        self.after_write: list[Callable[[np.ndarray, Rect, list[Run], list[Rect]], None]] = []

    def busy(self) -> bool:
        """True while a job runs or waits for ``finish``."""
        return self._job is not None

    def busy_text(self) -> str:
        """The running job's undo text ("" when idle)."""
        return self._job.text if self._job is not None else ""

    def handles(self) -> bool:
        """Whether edits of the current mask go to the worker (a large mask)."""
        mask = self._doc.mask
        return mask is not None and mask.size >= ASYNC_FROM

    # -- starting -------------------------------------------------------------------------
    def edit(self, compute: Compute, text: str, *, invert: bool = False) -> bool:
        """Replace the mask by ``compute(mask)`` (a new array; the mask is only read) as
        one undo step named ``text``; ``invert`` records it as an invert (no pixels).
        False when the mask is small (the caller edits it itself) or absent."""
        mask = self._doc.mask
        if mask is None or not self.handles():
            return False
        self.settle()

        def work() -> MaskRecord | None:
            if invert:
                record: MaskRecord | None = InvertRecord(mask.shape)
            else:
                new = compute(mask)
                if isinstance(new, list):
                    record = record_changes(mask, new)
                else:
                    record = diff_tiles(mask, new)
            if record is not None:
                self._write(mask, record, "after")
            return record

        self._start("edit", text, work)
        return True

    def undo(self) -> bool:
        """Undo the last step in the worker if it is a full-mask record on a large mask;
        False otherwise (the caller undoes it the usual way)."""
        return self._replay(undone=True)

    def redo(self) -> bool:
        """Redo the next step in the worker (see ``undo``)."""
        return self._replay(undone=False)

    def _replay(self, *, undone: bool) -> bool:
        self.settle()
        history, mask = self._doc.history, self._doc.mask
        step = history.next_undo() if undone else history.next_redo()
        if step is None or step.record is None or mask is None or not self.handles():
            return False
        record = step.record
        if record.shape != mask.shape:
            return False
        which = "before" if undone else "after"

        def work() -> MaskRecord:
            self._write(mask, record, which)
            return record

        self._start("undo" if undone else "redo", step.text, work)
        return True

    def _write(self, mask: np.ndarray, record: MaskRecord, which: str) -> None:
        rect = record.apply(mask, which)
        runs, boxes = record.runs(which), record.boxes()
        for hook in list(self.after_write):
            hook(mask, rect, runs, boxes)

    def _start(self, kind: str, text: str, work: Callable[[], MaskRecord | None]) -> None:
        future = _WORKER.submit(work)
        self._job = _Job(kind, text, self._doc.generation, future)
        notify = self.notify
        if notify is not None:
            future.add_done_callback(lambda _f: notify())

    # -- ending ---------------------------------------------------------------------------
    def finish(self) -> None:
        """On the caller's thread, once the job is done: record it and tell listeners."""
        job = self._job
        if job is None or not job.future.done():
            return
        self._job = None
        try:
            record = job.future.result()
        except Exception as error:  # a bug or out of memory: say it, keep the mask
            for report in list(self.on_error):
                report(f"{job.text} failed: {error}")
            return
        doc = self._doc
        if record is None or job.generation != doc.generation:
            return  # nothing changed, or another image is shown (its history is new)
        if job.kind == "edit":
            doc._mask_changed(record.rect)
            doc.history.push_record(record, job.text)
            compress_later(record)  # undo may apply it meanwhile
        else:
            doc.history.moved(
                undone=job.kind == "undo", written=lambda: doc._mask_changed(record.rect)
            )

    def settle(self) -> None:
        """Wait for the running job (if any) and finish it now."""
        job = self._job
        if job is not None:
            try:
                job.future.result()
            except Exception:  # reported by finish
                pass
            self.finish()
