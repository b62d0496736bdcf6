"""Keeping work: autosave, session files, the unsaved-changes question, clean quit.

The document is mirrored by an ``Autosaver``: the mask after each finished stroke
(written off the UI thread, debounced), prompt and settings shortly after a change,
results as they arrive. A session file is the same state in one zip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from editor.core import session as core_session
from editor.core.autosave import MASK_DELAY, MAX_MASK_LATENCY, Autosaver
from editor.core.job_record import JobRecord
from editor.core.mask_history import Rect
from editor.core.variant import Variant
from editor.ui.canvas.mask_levels import prepare_overlay
from editor.ui.controls_state import apply_controls_state, controls_state
from editor.ui.window.controller import Controller
from editor.ui.window.mask_snapshot import MaskSnapshots
from editor.ui.work_dialogs import ask_unsaved, display_text

if TYPE_CHECKING:
    from editor.ui.window.main import MainWindow

SESSION_SUFFIX = ".maskedit"
SESSION_FILTER = f"Mask Editor session (*{SESSION_SUFFIX});;All files (*)"
MASK_DELAY_S = 0.3  # quiet time after a stroke before the mask is written
STATE_DELAY_MS = 400  # quiet time after typing before prompt/settings are written


class _Bridge(QObject):
    """Carries autosave reports from its worker thread to the UI thread."""

    error = Signal(str)


class SessionController(Controller):
    """Autosave, Save/Open session, the unsaved-changes question, clean quit."""

    unsaved_answer: str | None = None  # save | discard | cancel without asking (tests)
    quit_question: QMessageBox | None = None  # the last "Jobs are running" question

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.restoring = False
        self._closing_after_save = False
        self._bridge = _Bridge(window)
        self._bridge.error.connect(self.show_error)
        self.autosaver = self._make_autosaver()
        self.mask_snapshots = MaskSnapshots(
            self._mask_copied,
            delay_s=MASK_DELAY,
            max_latency_s=MAX_MASK_LATENCY,
            parent=window,
        )
        self._state_timer = QTimer(window)
        self._state_timer.setSingleShot(True)
        self._state_timer.setInterval(STATE_DELAY_MS)
        self._state_timer.timeout.connect(self.autosave_state)
        self.doc.on_mask.append(self._on_mask_changed)
        self.doc.on_state.append(self._on_state_changed)
        self.doc.on_job.append(self._on_job_changed)
        self.doc.on_source.append(self.source_changed)  # also by undo / redo
        self.controls.changed.connect(self._on_controls_changed)
        self._sync_request()

    def _make_autosaver(self) -> Autosaver:
        return Autosaver(delay=MASK_DELAY_S, on_error=self._bridge.error.emit)

    # -- what changed ---------------------------------------------------------------
    def _on_controls_changed(self) -> None:
        """The document follows the controls; a change counts once a photo is open."""
        if self.restoring:
            return
        if self.doc.has_image():
            self.doc.set_request(self.controls.prompt(), controls_state(self.controls))
        else:
            self._sync_request()

    def _sync_request(self) -> None:
        """Put what the controls show into the document without counting a change."""
        self.doc.prompt = self.controls.prompt()
        self.doc.settings = controls_state(self.controls)

    def _on_state_changed(self) -> None:
        if not self.restoring:
            self._state_timer.start()
            self.window.update_title()

    def _on_mask_changed(self, _rect: Rect) -> None:
        if not self.restoring and self.doc.mask is not None:
            self.mask_snapshots.changed(self.doc.mask)  # copied (in bands when large), then
            # written off the UI thread

    def _mask_copied(self, mask: np.ndarray, copy: np.ndarray) -> None:
        if mask is self.doc.mask and not self.restoring:  # not a photo closed meanwhile
            self.autosaver.save_mask(copy, copy=False)

    def source_changed(self) -> None:
        """A new current source (opened, pasted, a variant used, back/forward)."""
        entry, mask = self.doc.sources.current, self.doc.mask
        if self.restoring or entry is None or mask is None:
            return
        history = [e.image for e in self.doc.sources.chain[:-1]]
        self.autosaver.save_source(entry.image, entry.path, history)
        self.mask_snapshots.changed(mask)
        self.autosave_state()

    def _on_job_changed(self, record: JobRecord, images: bool) -> None:
        """A job started, changed state or delivered results: keep it on disk."""
        if self.restoring:
            return
        self.window.update_title()
        if images:
            # a crop is enough when the job's source is among the autosaved sources (a
            # restore rebuilds the result from it); else the whole result is written
            kept = any(e.image is record.source for e in self.doc.sources.chain)
            for k, variant in enumerate(record.variants):
                self.autosaver.save_result(
                    record.job_id, k, variant, None if kept else record.source
                )
        self.autosave_state()
        if images and record.remote_id and self.window.pool.journal is not None:
            self._settle_journal(record.remote_id)

    def _settle_journal(self, remote_id: str) -> None:
        """Forget a paid job in the journal once its results are safely autosaved."""
        saver, journal = self.autosaver, self.window.pool.journal
        assert journal is not None

        def settle() -> None:
            if saver.flush() and saver.last_error is None:
                journal.remove(remote_id)

        self.runner.in_thread(settle, on_error=self.show_error)

    def autosave_state(self) -> None:
        self._state_timer.stop()
        if not self.doc.has_image() or self.restoring:
            return
        self.autosaver.save_state(
            self.doc.prompt, self.doc.session_settings(), self.doc.session_jobs()
        )

    # -- the document as a core Session ---------------------------------------------------
    def snapshot_session(self) -> core_session.Session:
        """The whole working state (the mask copied, so painting may go on)."""
        return self.doc.snapshot()

    def apply_session(self, session: core_session.Session, *, recovered: bool) -> None:
        """Show ``session``: sources, mask, prompt, settings and every job's results."""
        self.restoring = True
        try:
            self.doc.restore(session, recovered=recovered, number=self.runner.reserve_number)
            self.controls.prompt_edit.setPlainText(self.doc.prompt)
            apply_controls_state(self.controls, self.doc.settings)
            self._sync_request()
            self.results.clear()
            for record in self.doc.jobs.values():
                record.thumbs = [v.thumbnail(record.source) for v in record.variants]
                self.results.add_job(record)
                self.results.update_job(record.number)
            with_images = [r for r in self.doc.jobs.values() if r.variants]
            if with_images:
                self.results.select(with_images[-1].number, 0)
        finally:
            self.restoring = False
        self.window.show_image_size()
        self._restart_autosave(session, discard_others=recovered)
        self._compact_results()

    def _compact_results(self) -> None:
        """Results restored whole (session files and older autosaves hold whole images)
        are cut to the window that differs from their source, in a worker thread: at
        100 MP that is 300 MB a variant down to its crop."""
        records = [
            r
            for r in self.doc.jobs.values()
            if r.source is not None and any(v.is_whole for v in r.variants)
        ]
        if not records:
            return

        def work() -> list[tuple[JobRecord, list[Variant]]]:
            return [(r, r.compacted()) for r in records]

        def done(results: list[tuple[JobRecord, list[Variant]]]) -> None:
            for record, variants in results:
                if self.doc.jobs.get(record.number) is record:  # still shown
                    record.variants = variants

        self.runner.in_thread(work, on_done=done, on_error=self.show_error)

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
        doc = self.doc
        if not doc.has_image():
            self.show_error("There is nothing to save yet; open a photo first.")
            return
        if path is None:
            path = doc.session_path if then is not None else None
        if path is None:
            suggestion = doc.session_path or doc.suggest_path(SESSION_SUFFIX)
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Save session", suggestion, SESSION_FILTER
            )
            if not path:
                return
            if not Path(path).suffix:
                path += SESSION_SUFFIX
        session = self.snapshot_session()
        index, changes = doc.history.index, doc.changes
        self.show_info("Saving the session…")

        def done(written: Path) -> None:
            doc.session_path = str(written)
            doc.mark_saved(index, changes)
            self.window.update_title()
            self.show_info(f"Saved the session to {display_text(str(written))}.")
            if then is not None:
                then()

        self.runner.in_thread(
            core_session.save_session, session, path, on_done=done, on_error=self.show_error
        )

    def open_session_dialog(self, path: str | None = None) -> None:
        """Open a session file (asks first when there are unsaved changes)."""
        if path is None:
            current = self.doc.session_path
            start = str(Path(current).parent) if current else ""
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Open session", start, SESSION_FILTER
            )
            if not path:
                return
        chosen = str(path)
        self.ask_unsaved_then("opening a session", lambda: self._load_session(chosen))

    def _load_session(self, path: str) -> None:
        def show(session: core_session.Session, name: str) -> None:
            self.apply_session(session, recovered=False)
            self.doc.session_path = path
            self.show_info(f"Opened the session {name}: {len(session.jobs)} job(s).")

        def load(p: str) -> core_session.Session:  # the worker thread
            session = core_session.load_session(p)
            prepare_overlay(session.mask)  # its display levels: not on the UI thread
            return session

        self.window.opener.open_in_thread(load, path, show)

    # -- asking before work is lost -------------------------------------------------------
    def ask_unsaved_then(self, doing: str, proceed: Callable[[], None]) -> None:
        """Run ``proceed`` now, or after Save / Discard; Cancel drops it."""
        if not self.doc.is_unsaved():
            proceed()
            return
        answer = self.unsaved_answer or ask_unsaved(self.window, doing)
        if answer == "save":
            self.save_session_dialog(then=proceed)
        elif answer == "discard":
            proceed()

    def may_close(self) -> bool:
        """Whether the window may close now (asks about running jobs and unsaved work)."""
        force = self.window.force_close or self._closing_after_save
        running = self.runner.running()
        if running and not force and not self._confirm_quit_with_jobs(running):
            return False
        if not force and self.doc.is_unsaved():
            answer = self.unsaved_answer or ask_unsaved(self.window, "quitting")
            if answer != "discard":
                if answer == "save":
                    self.save_session_dialog(then=self._close_after_save)
                return False
        return True

    def _confirm_quit_with_jobs(self, running: list[int]) -> bool:
        """Quit anyway? Says, per running job, what is known: not sent, sent without an
        answer (maybe charged, never resent), or accepted (kept and collected later)."""
        notes = [self.doc.jobs[n].quit_note() for n in running if n in self.doc.jobs]
        std = QMessageBox.StandardButton
        box = QMessageBox(self.window)
        box.setObjectName("jobs-running")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Jobs are running")
        box.setText(f"{len(running)} job(s) are still running. Quit anyway?")
        box.setInformativeText("\n".join(notes))
        box.setStandardButtons(std.Yes | std.Cancel)
        box.setDefaultButton(std.Cancel)
        self.quit_question = box
        return box.exec() == std.Yes

    def _close_after_save(self) -> None:
        self._closing_after_save = True
        QTimer.singleShot(0, self.window.close)

    async def close(self) -> None:
        """Clean exit: the last state is written and the autosave folder goes away."""
        self._state_timer.stop()
        self.autosave_state()
        await asyncio.to_thread(self.autosaver.close)
