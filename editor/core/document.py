"""The working state of one editing session, without Qt.

A ``Document`` owns the source history, the mask (the numpy array the canvas shows
without copying), prompt, request settings, the jobs and their results, the file path,
undo steps and a change counter. Every mask edit goes through it, so the window, the
CLI, batch runs and tests share one model. Saving and loading is ``Session``'s job
(``snapshot`` / ``restore``).
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from editor.core import mask as mask_ops
from editor.core.errors import MaskError
from editor.core.job_record import INTERRUPTED, TERMINAL, JobRecord
from editor.core.mask_history import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_UNDO_LIMIT,
    MaskHistory,
    MaskPatch,
    Rect,
    changed_region,
)
from editor.core.mask_records import MaskRecord
from editor.core.mask_work import MaskWork
from editor.core.session import Session, load_session, save_session
from editor.core.sources import SourceEntry, SourceHistory

MaskOp = Callable[[np.ndarray, int], np.ndarray]
# name: (undo text, function of (mask, px)); "px" ops ask for an amount in the window
MASK_OPS: dict[str, tuple[str, MaskOp, bool]] = {
    "invert": ("Invert mask", lambda m, _n: mask_ops.invert(m), False),
    "clear": ("Clear mask", lambda m, _n: mask_ops.clear(m), False),
    "fill": ("Fill mask", lambda m, _n: mask_ops.fill(m), False),
    "grow": ("Grow mask", mask_ops.grow, True),
    "shrink": ("Shrink mask", lambda m, n: mask_ops.grow(m, -n), True),
    "feather": ("Feather mask", mask_ops.feather, True),
}


class Document:
    """Source history, mask, prompt, settings, jobs and undo steps of one photo."""

    def __init__(
        self, *, undo_limit: int = DEFAULT_UNDO_LIMIT, memory_limit: int = DEFAULT_MEMORY_LIMIT
    ) -> None:
        self.sources = SourceHistory()
        self.image: np.ndarray | None = None
        self.mask: np.ndarray | None = None
        self.prompt = ""
        self.settings: dict[str, Any] = {}  # the request settings (the controls' state)
        self.jobs: dict[int, JobRecord] = {}
        self.path: str | None = None  # the photo's file
        self.session_path: str | None = None  # the session file it was saved to
        self.history = MaskHistory(
            self._write,
            undo_limit=undo_limit,
            memory_limit=memory_limit,
            apply_record=self._write_record,
        )
        self.generation = 0  # bumped whenever another image (and mask array) is shown
        self.changes = 0  # bumped by every change of mask, prompt, settings, jobs, sources
        self._dirty = False  # prompt, settings, jobs or sources changed since the last save
        self.on_image: list[Callable[[], None]] = []  # another image / mask array
        self.on_mask: list[Callable[[Rect], None]] = []  # mask pixels changed (after)
        self.on_state: list[Callable[[], None]] = []  # prompt, settings, jobs, sources
        self.on_job: list[Callable[[JobRecord, bool], None]] = []  # (job, has new images)
        self.on_source: list[Callable[[], None]] = []  # another source of the same photo
        self.switching_source = False  # True while another source is being shown
        self.mask_blank = False  # set_image made the mask (all zero)
        self._unpainted: list[weakref.ref[np.ndarray]] = []  # made blank, never written
        self.mask_work = MaskWork(self)  # full-mask edits of a large mask, in a worker

    # -- the image --------------------------------------------------------------------------
    def has_image(self) -> bool:
        return self.image is not None and self.mask is not None

    def set_image(
        self, image: np.ndarray, mask: np.ndarray | None = None, *, keep_history: bool = False
    ) -> None:
        """Edit ``image`` (H x W x 3/4 uint8) with ``mask`` (kept as the live mask, not
        copied when contiguous) or an empty one; the undo steps are forgotten unless
        ``keep_history`` (another source of the same size: the mask steps still fit)."""
        self.mask_work.settle()
        if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
            raise ValueError(
                f"expected an H x W x 3/4 uint8 image, got {image.shape} {image.dtype}"
            )
        h, w = image.shape[:2]
        self.mask_blank = mask is None  # a new mask, all zero: the display need not look
        if mask is None:
            mask = np.zeros((h, w), dtype=np.uint8)
            self._unpainted = [*(r for r in self._unpainted if r() is not None), weakref.ref(mask)]
        elif mask.dtype == np.bool_:
            mask = mask.astype(np.uint8) * 255
        elif mask.dtype != np.uint8:
            raise MaskError(f"The mask must be 8-bit (0..255), not {mask.dtype}: save it as PNG.")
        if mask.shape != (h, w):
            raise MaskError(
                f"The mask is {mask.shape[1]}x{mask.shape[0]} but the image is {w}x{h}: "
                "load a mask of the same size."
            )
        fits = self.mask is not None and self.mask.shape == (h, w)
        self.image, self.mask = image, np.ascontiguousarray(mask)
        self.generation += 1
        if not (keep_history and fits):
            self.history.clear()
        for listener in list(self.on_image):
            listener()

    def open_image(self, pixels: np.ndarray, path: str | None, label: str) -> None:
        """Start a new document: ``pixels`` with an empty mask and a new source history."""
        self.set_image(pixels)
        self.sources.reset(SourceEntry(pixels, label, path))
        self.path, self.session_path, self._dirty = path, None, False
        self.changes += 1

    def use_source(self, image: np.ndarray, label: str) -> None:
        """Continue editing from ``image`` (a variant); the mask stays as it is. One undo
        step: undo goes back to the earlier source, the mask steps before it stay."""
        before = self.sources.current
        entry = SourceEntry(image, label)
        self.sources.push(entry)
        self._show_current_source()
        if before is not None:
            self.history.push_action(
                f"Use {label} as source",
                lambda: self._select_source(before),
                lambda: self._select_source(entry),
            )

    def source_back(self) -> bool:
        return self.sources.back() is not None and self._show_current_source()

    def source_forward(self) -> bool:
        return self.sources.forward() is not None and self._show_current_source()

    def _select_source(self, entry: SourceEntry) -> None:
        """Show ``entry`` again (undo / redo of "use as source"), wherever it is now."""
        sources = self.sources
        target = next((i for i, e in enumerate(sources.entries) if e is entry), None)
        if target is None:
            return  # dropped from the history meanwhile (a branch taken after going back)
        while sources.index > target and sources.back() is not None:
            pass
        while sources.index < target and sources.forward() is not None:
            pass
        self._show_current_source()

    def _show_current_source(self) -> bool:
        entry = self.sources.current
        assert entry is not None and self.mask is not None
        self.switching_source = True  # listeners keep the view: the same picture, edited
        try:
            self.set_image(entry.image, self.mask, keep_history=True)  # the same mask
        finally:
            self.switching_source = False
        for listener in list(self.on_source):
            listener()
        self.mark_changed()
        return True

    @property
    def name(self) -> str:
        """The photo's file stem (for suggested file names)."""
        return Path(self.path).stem if self.path else "image"

    def suggest_path(self, suffix: str) -> str:
        """A file name next to the photo: ``<stem><suffix>``."""
        if self.path:
            p = Path(self.path)
            return str(p.with_name(p.stem + suffix))
        return "image" + suffix

    # -- mask edits -------------------------------------------------------------------------
    def apply_mask(self, new_mask: np.ndarray, text: str) -> bool:
        """Replace the mask by ``new_mask`` as one undo step named ``text`` (storing only
        the rectangle that changed). False when nothing changed."""
        self.mask_work.settle()
        if self.mask is None:
            return False
        if new_mask.shape != self.mask.shape:
            h, w = self.mask.shape
            raise MaskError(
                f"The mask is {new_mask.shape[1]}x{new_mask.shape[0]} but the image is "
                f"{w}x{h}: use a mask of the same size."
            )
        if new_mask.dtype == np.bool_:
            new_mask = new_mask.astype(np.uint8) * 255
        changed = changed_region(self.mask, new_mask.astype(np.uint8, copy=False))
        if changed is None:
            return False
        self.record_edit(MaskPatch(*changed), text, apply=True)
        return True

    def record_edit(self, patch: MaskPatch, text: str, *, apply: bool = False) -> None:
        """One undo step for ``patch``; ``apply`` writes its pixels first (a brush stroke
        has already painted them into the mask)."""
        self.mask_work.settle()
        if apply:
            self._write(patch.rect, patch.after())
        else:
            self._mask_changed(patch.rect)
        self.history.push(patch, text)

    def mask_op(self, name: str, px: int = 0) -> bool:
        """Run one of ``MASK_OPS`` (``px`` for grow, shrink, feather) as one undo step."""
        title, op, takes_px = MASK_OPS[name]
        if self.mask is None:
            return False
        text = f"{title} by {px} px" if takes_px else title
        return self.apply_mask(op(self.mask.copy(), px), text)

    def load_mask(self, path: str) -> bool:
        """Replace the mask with a file of exactly the image's size (one undo step)."""
        assert self.mask is not None
        return self.apply_mask(mask_ops.load_mask(path, self.mask.shape), f"Load mask {path}")

    def undo(self) -> bool:
        self.mask_work.settle()
        return self.history.undo()

    def redo(self) -> bool:
        self.mask_work.settle()
        return self.history.redo()

    def _write(self, rect: Rect, pixels: np.ndarray) -> None:
        x0, y0, x1, y1 = rect
        if self.mask is None or self.mask.shape[0] < y1 or self.mask.shape[1] < x1:
            return
        self.mask[y0:y1, x0:x1] = pixels
        self._mask_changed(rect)

    def _write_record(self, record: MaskRecord, which: str) -> None:
        if self.mask is None or self.mask.shape != record.shape:
            return
        self._mask_changed(record.apply(self.mask, which))

    def never_painted(self, mask: np.ndarray) -> bool:
        """Whether ``mask`` (shown now or before) is one ``set_image`` made blank and
        nothing wrote since: known all zero without reading it."""
        return any(r() is mask for r in self._unpainted)

    def _mask_changed(self, rect: Rect) -> None:
        mask = self.mask
        if self._unpainted and mask is not None:
            self._unpainted = [r for r in self._unpainted if r() is not mask]
        self.changes += 1
        for listener in list(self.on_mask):
            listener(rect)

    # -- prompt, settings, jobs ---------------------------------------------------------------
    def set_request(self, prompt: str, settings: dict[str, Any]) -> None:
        """The prompt and request settings changed (typed or picked in the controls)."""
        self.prompt, self.settings = prompt, dict(settings)
        self.mark_changed()

    def add_job(self, record: JobRecord) -> None:
        if not record.number:
            record.number = max(self.jobs, default=0) + 1
        self.jobs[record.number] = record
        self.job_changed(record)

    def job_changed(self, record: JobRecord, *, images: bool = False) -> None:
        """A job started, changed state or delivered results."""
        self.changes += 1
        self._dirty = True
        for listener in list(self.on_job):
            listener(record, images)

    def has_results(self) -> bool:
        return any(r.variants for r in self.jobs.values())

    # -- saved or not -------------------------------------------------------------------------
    def mark_changed(self) -> None:
        self.changes += 1
        self._dirty = True
        for listener in list(self.on_state):
            listener()

    def is_unsaved(self) -> bool:
        """True when the mask, prompt, settings or results changed since the last save."""
        return self.has_image() and (self._dirty or not self.history.is_clean)

    def mark_saved(self, undo_index: int, changes: int) -> None:
        """The state as of (``undo_index``, ``changes``) was saved; later edits stay unsaved."""
        if self.history.index == undo_index:
            self.history.set_clean()
        if self.changes == changes:
            self._dirty = False

    # -- sessions -------------------------------------------------------------------------------
    def session_settings(self) -> dict[str, Any]:
        chain = self.sources.chain
        return {
            "controls": dict(self.settings),
            "window": {
                "labels": [e.label for e in chain],
                "paths": [e.path for e in chain],
                "path": self.path,
            },
        }

    def session_jobs(self) -> list[JobRecord]:
        """Copies of the jobs, each knowing its source's place in the history."""
        chain = self.sources.chain
        jobs = []
        for record in self.jobs.values():
            job = record.copy()
            job.source_index = next(
                (i for i, e in enumerate(chain) if e.image is record.source), None
            )
            jobs.append(job)
        return jobs

    def snapshot(self) -> Session:
        """The whole working state as a ``Session`` (the mask copied: painting may go on)."""
        self.mask_work.settle()
        entry = self.sources.current
        assert entry is not None and self.mask is not None
        return Session(
            source=entry.image,
            mask=np.array(self.mask, copy=True),
            source_path=entry.path or self.path,
            prompt=self.prompt,
            settings=self.session_settings(),
            history=[e.image for e in self.sources.chain[:-1]],
            jobs=self.session_jobs(),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the document to one session file (a zip); see ``core.session``."""
        return save_session(self.snapshot(), path)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Document:
        """A document read from a session file (raises ``SessionError`` with one line)."""
        document = cls()
        document.restore(load_session(path), recovered=False)
        document.session_path = str(path)
        return document

    def restore(
        self, session: Session, *, recovered: bool, number: Callable[[], int] | None = None
    ) -> None:
        """Continue from ``session``: sources, mask, prompt, settings and every job.

        ``number`` gives each job its shown number (default: 1, 2, ...); jobs that were
        still running when the session was saved come back as interrupted."""
        meta = session.settings.get("window")
        meta = meta if isinstance(meta, dict) else {}
        images = [*session.history, session.source]
        labels = _strings(meta.get("labels"), len(images), "restored image")
        paths = _strings(meta.get("paths"), len(images), None)
        paths[-1] = paths[-1] or session.source_path
        entries = [SourceEntry(i, lab, p) for i, lab, p in zip(images, labels, paths, strict=True)]
        self.set_image(session.source, session.mask)
        self.sources.reset(entries[0])
        for entry in entries[1:]:
            self.sources.push(entry)
        path = meta.get("path")
        self.path = path if isinstance(path, str) else session.source_path
        controls = session.settings.get("controls")
        self.prompt, self.settings = session.prompt, dict(controls or {})
        self.jobs.clear()
        counter = iter(range(1, 1_000_000))
        for job in session.jobs:
            record = self._restored_job(job, entries)
            record.number = number() if number is not None else next(counter)
            self.jobs[record.number] = record
        self.session_path = None
        self.changes += 1
        self._dirty = recovered

    def _restored_job(self, job: JobRecord, entries: list[SourceEntry]) -> JobRecord:
        index = job.source_index
        ok = isinstance(index, int) and 0 <= index < len(entries)
        job.source = entries[index].image if ok and index is not None else entries[-1].image
        finished = job.status in TERMINAL or bool(job.variants)  # results mean it completed
        if job.status not in TERMINAL:
            job.status = "completed" if job.variants else "cancelled"
        job.error = job.error if finished else INTERRUPTED
        job.backend = job.backend or "unknown"
        job.ended = job.ended or time.monotonic()
        job.job_id = job.job_id or f"job-{time.time_ns()}"
        return job


def _strings(value: Any, n: int, default: str | None) -> list[Any]:
    items = value if isinstance(value, list) else []
    out = [v if isinstance(v, str) else default for v in items[:n]]
    return out + [default] * (n - len(out))
