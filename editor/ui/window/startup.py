"""At start, before the user does anything: offer to restore what a crashed or killed
run left in the autosave folder, then collect paid jobs left in the journal."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.core.job_record import JobRecord
from editor.ui import prefs
from editor.ui.canvas.mask_levels import prepare_overlay
from editor.ui.window.controller import Controller
from editor.ui.work_dialogs import ANSWERS, RecoveryDialog, preview, worth_restoring

if TYPE_CHECKING:
    from editor.backends.journal import JournalEntry
    from editor.core.session import Session

log = logging.getLogger(__name__)
RESUMING = "collecting a job sent before the editor stopped"
# journal entries, the FASHN key, and the kept source of each entry not shown yet (by token)
_Found = tuple[list["JournalEntry"], str | None, dict[str, np.ndarray | None]]


class StartupController(Controller):
    """What happens once the window is shown, before the user does anything."""

    recovery_answer: str | None = None  # restore | discard | later without asking (tests)
    recovery_answer_given: str | None = None  # what the user chose at this start
    postponed_path: str | None = None  # the command-line photo not opened over a restore

    def startup(self, path: str | None = None) -> None:
        """Offer to restore a crashed run, then collect journal jobs, then open ``path``.

        A restored session wins over ``path``: opening another photo now would put a
        save-or-discard question between the user and just-recovered (maybe paid) work,
        so the photo is only offered in the status bar and the recent-files menu."""

        def after_recovery() -> None:
            self.resume_journal()
            if not path:
                return
            if self.recovery_answer_given == "restore":
                self._postpone_opening(path)
            else:
                self.window.opener.open_path(path)

        self.offer_recovery(then=after_recovery)

    def _postpone_opening(self, path: str) -> None:
        from pathlib import Path

        from editor.ui.work_dialogs import display_text

        prefs.add_recent_file(path)
        self.window.opener.rebuild_recent_menu()
        self.postponed_path = path
        self.show_info(
            f"Restored your work from the last run; {display_text(Path(path).name)} was not "
            "opened over it: open it from File > Open recent when you are ready."
        )

    # -- restore after a crash ------------------------------------------------------------
    def offer_recovery(self, then: Callable[[], None] | None = None) -> None:
        """Look for work a crashed or killed run left and offer to restore it."""
        saver = self.window.session.autosaver

        def find() -> tuple[Session, np.ndarray] | None:
            session = saver.load_recovery()
            if session is None:
                return None
            if not worth_restoring(session):
                log.info("discarding an autosave with nothing worth restoring")
                saver.discard()  # quietly: the photo can simply be opened again
                return None
            prepare_overlay(session.mask)  # its display levels: not on the UI thread
            return session, preview(session)

        def found(result: tuple[Session, np.ndarray] | None) -> None:
            if result is not None:
                self._recover(*result)
            if then is not None:
                then()

        def failed(message: str) -> None:
            self.show_error(message)
            if then is not None:
                then()

        self.runner.in_thread(find, on_done=found, on_error=failed)

    def _recover(self, session: Session, picture: np.ndarray) -> None:
        answer = self.recovery_answer or os.environ.get("MASK_EDITOR_RECOVERY", "").lower()
        if answer not in ANSWERS:
            self.recovery_dialog = RecoveryDialog(session, picture, self.window)
            self.recovery_dialog.exec()
            answer = self.recovery_dialog.answer
        self.recovery_answer_given = answer
        if answer == "restore":
            self.window.session.apply_session(session, recovered=True)
            self.show_info(
                "Restored your work from the last run (save it with File > Save session)."
            )
        elif answer == "discard":
            self.runner.in_thread(self.window.session.autosaver.discard, on_error=self.show_error)
            self.show_info("Discarded the work saved automatically in the last run.")
        else:
            self.show_info("The work of the last run is kept; it is offered again at next start.")

    # -- paid jobs left in the journal ----------------------------------------------------
    def resume_journal(self) -> None:
        """Collect every job still in the journal (sent before a crash, kill or quit) and
        show its results; expired jobs are reported once and forgotten."""
        journal = self.window.pool.journal
        if journal is None:
            return
        shown = {r.remote_id for r in self.doc.jobs.values() if r.remote_id}

        def look() -> _Found:
            """Off the UI thread: the entries, the key, and the sources of new cards."""
            from editor.ui.window.run import key_for

            entries = journal.entries()
            sources = {
                e.token: journal.load_source(e)
                for e in entries
                if e.has_source and e.job_id not in shown
            }
            return entries, key_for("fashn") if entries else None, sources

        self.runner.in_thread(look, on_done=self._resume_entries, on_error=self.show_error)

    def _resume_entries(self, found: _Found) -> None:
        from editor.backends.resume import resume_jobs

        entries, key, sources = found
        if not entries:
            return
        journal = self.window.pool.journal
        cards: dict[str, JobRecord] = {}
        for entry in entries:
            cards[entry.token] = record = self._card_for_entry(entry, sources.get(entry.token))
            if entry.created:  # the time it takes is counted from when it was sent
                record.started = time.monotonic() - max(0.0, time.time() - entry.created)
        self.show_info(f"Collecting {len(entries)} job(s) sent before the editor stopped…")

        def on_event(entry: JournalEntry, event: object) -> None:
            record = cards.get(entry.token)
            status = getattr(event, "status", None) or getattr(event, "message", None)
            if record is not None and status and record.running:
                record.status = str(status)
                self.results.update_job(record.number)

        async def save(entry: JournalEntry, images: list[np.ndarray]) -> list[Any]:
            import asyncio

            record = cards[entry.token]
            from editor.jobs import variants_of

            source = record.source
            variants, thumbs = await asyncio.to_thread(variants_of, images, source, 256)
            record.variants, record.thumbs = variants, thumbs
            record.credits_used = entry.credits_used
            record.end("completed")
            self.results.update_job(record.number)
            self.doc.job_changed(record, images=False)
            saver = self.window.session.autosaver
            kept = any(e.image is source for e in self.doc.sources.chain)
            for k, variant in enumerate(variants):  # a crop when its source is saved too
                saver.save_result(record.job_id, k, variant, None if kept else source)
            self.window.session.autosave_state()
            ok = await asyncio.to_thread(saver.flush)
            if not ok or saver.last_error:
                from editor.core.errors import ExportError

                raise ExportError(saver.last_error or "The results could not be saved in time.")
            return []

        options: dict[str, Any] = {"api_key": key} if key else {}
        task = resume_jobs(journal, save, on_event=on_event, **options)
        self.runner.call(
            task,
            on_done=lambda outcomes: self._resumed(outcomes, cards, entries),
            on_error=lambda message: self._resume_failed(message, cards),
        )

    def _resume_failed(self, message: str, cards: dict[str, JobRecord]) -> None:
        """Collecting stopped: its cards say so (the journal keeps the jobs for next time)."""
        for record in cards.values():
            if record.running:
                record.end("failed", f"{message} It is tried again at the next start.")
                self.results.update_job(record.number)
                self.doc.job_changed(record)
        self.show_error(message)

    def _card_for_entry(self, entry: JournalEntry, source: np.ndarray | None) -> JobRecord:
        """The restored job with this remote id, or a new card for it (showing ``source``,
        the photo the journal kept, when there is one)."""
        for record in self.doc.jobs.values():
            if record.remote_id == entry.job_id:
                record.status, record.error, record.ended = RESUMING, "", None
                self.results.update_job(record.number)
                return record
        settings = {k: v for k, v in entry.settings.items() if isinstance(v, str | int | float)}
        current = self.doc.sources.current
        if source is None:
            source = current.image if current is not None else np.zeros((1, 1, 3), np.uint8)
        record = JobRecord(
            number=self.runner.reserve_number(),
            backend=prefs.BACKEND_NAMES.get(entry.service, entry.service),
            prompt=str(entry.settings.get("prompt") or ""),
            settings=settings,
            source=source,
            mask=None,
            remote_id=entry.job_id,
            status=RESUMING,
        )
        self.doc.jobs[record.number] = record
        self.results.add_job(record)
        self.window.update_actions()
        return record

    def _resumed(self, outcomes: list[Any], cards: dict[str, JobRecord], entries: list) -> None:
        """Every card of this collection ends, and the status bar says how it went."""
        by_id = {e.job_id: cards[e.token] for e in entries}
        collected, busy, lines = 0, 0, []
        for outcome in outcomes:
            record = by_id.pop(outcome.job_id, None)
            if outcome.error is None and not outcome.busy:
                collected += 1
                continue
            if outcome.busy:
                busy += 1
                text = (
                    f"Job {outcome.job_id} is being collected by another editor or "
                    "`mask-editor-cli resume`; its results are saved there."
                )
            elif outcome.expired:
                text = (
                    f"Job {outcome.job_id} expired at the service before its results were "
                    "collected; they cannot be recovered. Send the edit again if you need it."
                )
                lines.append(text)
            else:
                text = f"{outcome.error} It is tried again at the next start."
                lines.append(text)
            if record is not None:
                record.end("cancelled" if outcome.busy else "failed", text)
                self.results.update_job(record.number)
                self.doc.job_changed(record)
        for record in by_id.values():  # no outcome: nothing was left to collect for it
            if record.running:
                record.end("cancelled", "Nothing was left to collect for this job.")
                self.results.update_job(record.number)
                self.doc.job_changed(record)
        if lines:
            self.show_error(lines[0] if len(lines) == 1 else f"{len(lines)} jobs: {lines[0]}")
        elif collected:
            self.show_info(
                self._with_postponed(f"Collected the results of {collected} job(s) sent earlier.")
            )
        elif busy:
            self.show_info(f"{busy} job(s) sent earlier are being collected elsewhere.")
        else:
            self.show_info(self._with_postponed("No job sent earlier was left to collect."))
        self.window.update_actions()

    def _with_postponed(self, text: str) -> str:
        """``text``, reminding of the command-line photo not opened over restored work."""
        if not self.postponed_path:
            return text
        from pathlib import Path

        from editor.ui.work_dialogs import display_text

        name = display_text(Path(self.postponed_path).name)
        return f"{text} {name} was not opened over your restored work (File > Open recent)."
