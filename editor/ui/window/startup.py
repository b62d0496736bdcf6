"""At start, before the user does anything: offer to restore what a crashed or killed
run left in the autosave folder, then collect paid jobs left in the journal."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.core.job_record import JobRecord
from editor.ui import prefs
from editor.ui.imaging import thumbnail
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

    def startup(self, path: str | None = None) -> None:
        """Offer to restore a crashed run, then collect journal jobs, then open ``path``."""

        def after_recovery() -> None:
            self.resume_journal()
            if path:
                self.window.opener.open_path(path)

        self.offer_recovery(then=after_recovery)

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
            cards[entry.token] = self._card_for_entry(entry, sources.get(entry.token))
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
            thumbs = await asyncio.to_thread(lambda: [thumbnail(i) for i in images])
            record.images, record.thumbs = list(images), thumbs
            record.credits_used = entry.credits_used
            record.end("completed")
            self.results.update_job(record.number)
            self.doc.job_changed(record, images=False)
            saver = self.window.session.autosaver
            for k, image in enumerate(images):
                saver.save_result(record.job_id, k, image)
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
            on_error=self.show_error,
        )

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
        by_id = {e.job_id: cards[e.token] for e in entries}
        collected, lines = 0, []
        for outcome in outcomes:
            record = by_id.get(outcome.job_id)
            if outcome.error is None:
                collected += 1
                continue
            if outcome.expired:
                text = (
                    f"Job {outcome.job_id} expired at the service before its results were "
                    "collected; they cannot be recovered. Send the edit again if you need it."
                )
            else:
                text = f"{outcome.error} It is tried again at the next start."
            lines.append(text)
            if record is not None:
                record.end("failed", text)
                self.results.update_job(record.number)
                self.doc.job_changed(record)
        if lines:
            self.show_error(lines[0] if len(lines) == 1 else f"{len(lines)} jobs: {lines[0]}")
        elif collected:
            self.show_info(f"Collected the results of {collected} job(s) sent earlier.")
        self.window.update_actions()
