"""Window behaviour for keeping work: autosave, session files, unsaved changes, restore.

The working state (source and earlier sources, mask, prompt, settings, every job's
results) is mirrored by an ``Autosaver``: the mask after each finished stroke (written
off the UI thread, debounced), prompt and settings shortly after a change, results as
they arrive. A session file is the same state in one zip (``save_session``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QRect, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from editor.core import session as core_session
from editor.core.autosave import Autosaver
from editor.ui.controls_state import apply_controls_state, controls_state
from editor.ui.imaging import thumbnail
from editor.ui.records import JobRecord, SourceEntry
from editor.ui.recovery import ask_unsaved, display_text

if TYPE_CHECKING:
    from editor.ui.window import MainWindow

    _Base = MainWindow
else:
    _Base = object

SESSION_SUFFIX = ".maskedit"
SESSION_FILTER = f"Mask Editor session (*{SESSION_SUFFIX});;All files (*)"
MASK_DELAY_S = 0.3  # quiet time after a stroke before the mask is written
STATE_DELAY_MS = 400  # quiet time after typing before prompt/settings are written
TERMINAL = ("completed", "failed", "cancelled")
INTERRUPTED = (
    "The editor stopped before this job finished; its results are collected at start "
    "when the service still has them."
)


class _Bridge(QObject):
    """Carries autosave reports from its worker thread to the UI thread."""

    error = Signal(str)


class SessionMixin(_Base):
    """Autosave, Save/Open session, the unsaved-changes question, clean quit."""

    _state_dirty = False  # prompt, settings, results or sources changed since the last save
    _restoring = False
    _change_seq = 0
    _session_path: str | None = None
    _closing_after_save = False
    unsaved_answer: str | None = None  # save | discard | cancel without asking (tests)

    def _init_session(self) -> None:
        self._bridge = _Bridge(self)
        self._bridge.error.connect(self._on_autosave_error)
        self.autosaver = self._make_autosaver()
        self._state_timer = QTimer(self)
        self._state_timer.setSingleShot(True)
        self._state_timer.setInterval(STATE_DELAY_MS)
        self._state_timer.timeout.connect(self._autosave_state)
        self.canvas.mask_edited.connect(self._on_mask_edited)
        self.controls.changed.connect(self._on_controls_changed)

    def _make_autosaver(self) -> Autosaver:
        return Autosaver(delay=MASK_DELAY_S, on_error=self._bridge.error.emit)

    def _on_autosave_error(self, message: str) -> None:
        self.show_error(message)

    # -- what changed ---------------------------------------------------------------
    def is_unsaved(self) -> bool:
        """True when the mask, prompt, settings or results changed since the last save."""
        if not self.canvas.has_image():
            return False
        return self._state_dirty or not self.canvas.undo_stack.isClean()

    def _mark_changed(self) -> None:
        if self._restoring:
            return
        self._state_dirty = True
        self._change_seq += 1
        self._state_timer.start()
        self._update_title()

    def _on_mask_edited(self, _rect: QRect) -> None:
        mask = self.canvas.mask()
        if self._restoring or mask is None:
            return
        self._change_seq += 1
        self.autosaver.save_mask(mask)  # copied now, written off the UI thread

    def _on_controls_changed(self) -> None:
        if self.canvas.has_image():
            self._mark_changed()

    def _source_changed(self) -> None:
        """A new current source (opened, pasted, a variant used, back/forward)."""
        entry = self.sources.current
        mask = self.canvas.mask()
        if self._restoring or entry is None or mask is None:
            return
        history = [e.image for e in self.sources.entries[: self.sources.index]]
        self.autosaver.save_source(entry.image, entry.path, history)
        self.autosaver.save_mask(mask)
        self._autosave_state()

    def _job_changed(self, record: JobRecord, *, images: bool = False) -> None:
        """A job started, changed state or delivered results: keep it on disk."""
        self._mark_changed()
        if images:
            for k, image in enumerate(record.images):
                self.autosaver.save_result(record.key, k, image)
        self._autosave_state()
        if images and record.remote_id and self.pool.journal is not None:
            self._settle_journal(record.remote_id)

    def _settle_journal(self, remote_id: str) -> None:
        """Forget a paid job in the journal once its results are safely autosaved."""
        saver, journal = self.autosaver, self.pool.journal

        def settle() -> None:
            if saver.flush() and saver.last_error is None:
                journal.remove(remote_id)

        self.runner.in_thread(settle, on_error=self.show_error)

    def _autosave_state(self) -> None:
        self._state_timer.stop()
        if not self.canvas.has_image() or self._restoring:
            return
        jobs = [self._core_job(r) for r in self.jobs.values()]
        self.autosaver.save_state(self.controls.prompt(), self._session_settings(), jobs)

    # -- the state as a core Session ----------------------------------------------------
    def _session_settings(self) -> dict[str, Any]:
        chain = self.sources.entries[: self.sources.index + 1]
        return {
            "controls": controls_state(self.controls),
            "window": {
                "labels": [e.label for e in chain],
                "paths": [e.path for e in chain],
                "path": self._path,
            },
        }

    def _core_job(self, record: JobRecord) -> core_session.JobRecord:
        chain = self.sources.entries[: self.sources.index + 1]
        source = next((i for i, e in enumerate(chain) if e.image is record.source), None)
        settings = dict(record.settings)
        settings["_window"] = {
            "backend": record.backend,
            "remote_id": record.remote_id,
            "credits_used": record.credits_used,
            "elapsed": round(record.elapsed, 1),
            "source": source,
        }
        return core_session.JobRecord(
            job_id=record.key,
            prompt=record.prompt,
            settings=settings,
            images=list(record.images),
            status=record.state if record.state in TERMINAL else "running",
            error=record.error,
            created=record.created,
        )

    def snapshot_session(self) -> core_session.Session:
        """The whole working state (the mask copied, so painting may go on)."""
        entry = self.sources.current
        mask = self.canvas.mask()
        assert entry is not None and mask is not None
        return core_session.Session(
            source=entry.image,
            mask=np.array(mask, copy=True),
            source_path=entry.path or self._path,
            prompt=self.controls.prompt(),
            settings=self._session_settings(),
            history=[e.image for e in self.sources.entries[: self.sources.index]],
            jobs=[self._core_job(r) for r in self.jobs.values()],
        )

    def apply_session(self, session: core_session.Session, *, recovered: bool) -> None:
        """Show ``session``: sources, mask, prompt, settings and every job's results."""
        window = session.settings.get("window")
        window = window if isinstance(window, dict) else {}
        images = [*session.history, session.source]
        labels = _strings(window.get("labels"), len(images), "restored image")
        paths = _strings(window.get("paths"), len(images), None)
        paths[-1] = paths[-1] or session.source_path
        chain = zip(images, labels, paths, strict=True)
        entries = [SourceEntry(img, lab, p) for img, lab, p in chain]
        self._restoring = True
        try:
            self.sources.reset(entries[0])
            for entry in entries[1:]:
                self.sources.push(entry)
            self.canvas.set_image(session.source, session.mask)
            self._doc_generation += 1
            path = window.get("path")
            self._path = path if isinstance(path, str) else session.source_path
            self.controls.prompt_edit.setPlainText(session.prompt)
            apply_controls_state(self.controls, session.settings.get("controls", {}))
            self.jobs.clear()
            self.results.clear()
            for job in session.jobs:
                self._restore_job(job, entries)
            with_images = [r for r in self.jobs.values() if r.images]
            if with_images:
                self.results.select(with_images[-1].number, 0)
        finally:
            self._restoring = False
        self._state_dirty = recovered
        h, w = session.source.shape[:2]
        self.size_label.setText(f"{w} × {h}")
        self._update_brush_label()
        self._update_title()
        self._update_actions()
        self._restart_autosave(session, discard_others=recovered)

    def _restore_job(self, job: core_session.JobRecord, entries: list[SourceEntry]) -> None:
        settings = {k: v for k, v in job.settings.items() if not str(k).startswith("_")}
        meta = {
            "backend": job.backend,
            "remote_id": job.remote_id,
            "source": job.source_index,
            "credits_used": job.credits_used,
            "elapsed": job.elapsed,
        }
        index = meta.get("source")
        ok = isinstance(index, int) and 0 <= index < len(entries)
        source = entries[index].image if ok else entries[-1].image
        elapsed = meta.get("elapsed")
        now = time.monotonic()
        finished = job.status in TERMINAL or bool(job.images)  # results mean it completed
        state = job.status if job.status in TERMINAL else "completed" if job.images else "cancelled"
        credits = meta.get("credits_used")
        record = JobRecord(
            number=self.runner.reserve_number(),
            backend=str(meta.get("backend") or settings.get("backend") or "unknown"),
            prompt=job.prompt,
            settings=settings,
            source=source,
            mask=None,
            started=now - (float(elapsed) if isinstance(elapsed, int | float) else 0.0),
            remote_id=str(meta["remote_id"]) if meta.get("remote_id") else None,
            state=state,
            ended=now,
            images=list(job.images),
            thumbs=[thumbnail(image) for image in job.images],
            error=job.error if finished else INTERRUPTED,
            credits_used=float(credits) if isinstance(credits, int | float) else None,
            key=job.job_id or f"job-{time.time_ns()}",
            created=job.created,
        )
        self.jobs[record.number] = record
        self.results.add_job(record)
        self.results.update_job(record.number)

    def _restart_autosave(self, session: core_session.Session, *, discard_others: bool) -> None:
        """Follow the shown state in a fresh autosave folder; retire the old one."""
        old, new = self.autosaver, self._make_autosaver()
        self.autosaver = new
        new.save_session(session)

        def retire() -> None:
            new.flush()
            old.close()
            if discard_others:  # the restored leftovers are now in the new folder
                new.discard()

        self.runner.in_thread(retire, on_error=self.show_error)

    # -- session files --------------------------------------------------------------
    def save_session_dialog(
        self, path: str | None = None, then: Callable[[], None] | None = None
    ) -> None:
        """Save everything in one session file (asks where unless it has one or is told)."""
        if not self.canvas.has_image():
            self.show_error("There is nothing to save yet; open a photo first.")
            return
        if path is None:
            path = self._session_path if then is not None else None
        if path is None:
            suggestion = self._session_path or self._suggest_path(SESSION_SUFFIX)
            path, _ = QFileDialog.getSaveFileName(self, "Save session", suggestion, SESSION_FILTER)
            if not path:
                return
            if not Path(path).suffix:
                path += SESSION_SUFFIX
        session = self.snapshot_session()
        index, seq = self.canvas.undo_stack.index(), self._change_seq
        self.show_info("Saving the session…")

        def done(written: Path) -> None:
            self._session_path = str(written)
            if self.canvas.undo_stack.index() == index:
                self.canvas.undo_stack.setClean()
            if self._change_seq == seq:
                self._state_dirty = False
            self._update_title()
            self.show_info(f"Saved the session to {display_text(str(written))}.")
            if then is not None:
                then()

        self.runner.in_thread(
            core_session.save_session, session, path, on_done=done, on_error=self.show_error
        )

    def open_session_dialog(self, path: str | None = None) -> None:
        """Open a session file (asks first when there are unsaved changes)."""
        if path is None:
            start = str(Path(self._session_path).parent) if self._session_path else ""
            path, _ = QFileDialog.getOpenFileName(self, "Open session", start, SESSION_FILTER)
            if not path:
                return
        self.ask_unsaved_then("opening a session", lambda: self._load_session(str(path)))

    def _load_session(self, path: str) -> None:
        def show(session: core_session.Session, name: str) -> None:
            self.apply_session(session, recovered=False)
            self._session_path = path
            self.show_info(f"Opened the session {name}: {len(session.jobs)} job(s).")

        self._open_in_thread(core_session.load_session, path, show)

    # -- asking before work is lost -------------------------------------------------------
    def ask_unsaved_then(self, doing: str, proceed: Callable[[], None]) -> None:
        """Run ``proceed`` now, or after Save / Discard; Cancel drops it."""
        if not self.is_unsaved():
            proceed()
            return
        answer = self.unsaved_answer or ask_unsaved(self, doing)
        if answer == "save":
            self.save_session_dialog(then=proceed)
        elif answer == "discard":
            proceed()

    def closeEvent(self, event: QCloseEvent) -> None:
        force = getattr(self, "_force_close", False) or self._closing_after_save
        running = self.runner.running()
        if running and not force:
            answer = QMessageBox.question(
                self,
                "Jobs are running",
                f"{len(running)} job(s) are still running. Quit anyway? The service may still "
                "finish and charge them; their results are collected at the next start.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if not force and self.is_unsaved():
            answer = self.unsaved_answer or ask_unsaved(self, "quitting")
            if answer != "discard":
                event.ignore()
                if answer == "save":
                    self.save_session_dialog(then=self._close_after_save)
                return
        event.accept()

    def _close_after_save(self) -> None:
        self._closing_after_save = True
        QTimer.singleShot(0, self.close)


def _strings(value: Any, n: int, default: str | None) -> list[Any]:
    items = value if isinstance(value, list) else []
    out = [v if isinstance(v, str) else default for v in items[:n]]
    return out + [default] * (n - len(out))
