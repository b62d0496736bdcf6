"""Where a paid job stands, and what to tell the user when it is interrupted there.

A ``JobTracker`` is filled in by a remote backend's ``run`` as the job moves on
(preparing -> sending -> accepted -> answered/saved). ``interrupt_message`` turns it into
the one line the CLI prints on Ctrl+C / SIGTERM and the window shows when quitting
with jobs running: what is known about the money in that phase, and what to do.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

PREPARING = "preparing"  # nothing has left this computer
SENDING = "sending"  # the submission may have reached the server; no answer yet
ACCEPTED = "accepted"  # the service answered with a job id (FASHN)
ANSWERED = "answered"  # the results arrived (OpenAI-compatible answers carry them)
SAVED = "saved"  # the results are saved under their final names

DASHBOARDS = {
    "fashn": "your FASHN dashboard",
    "openai": "the server's usage page",
}
NAMES = {"fashn": "FASHN", "openai": "the OpenAI-compatible server", "local": "the offline fill"}


@dataclass(slots=True)
class JobTracker:
    """What is known about one job; updated by the backend, read on interrupt."""

    service: str = "fashn"
    phase: str = PREPARING
    job_id: str | None = None
    fingerprint: str = ""  # short hash of the submission (also in the journal)
    sent_at: float | None = None  # wall-clock time the submission left
    recorded: bool = False  # the job (id or results) is durably in the journal

    def sending(self, fingerprint: str) -> None:
        self.phase, self.fingerprint, self.sent_at = SENDING, fingerprint, time.time()

    def accepted(self, job_id: str | None) -> None:
        self.phase, self.job_id = ACCEPTED, job_id

    def journaled(self, recorded: bool) -> None:
        """The accepted job's journal write is over: written (``recorded``) or refused by
        the disk (followed from memory). Called once per job, after ``accepted``."""
        self.recorded = recorded


def sent_label(tracker: JobTracker) -> str:
    """``request <fingerprint> sent at HH:MM:SS UTC`` (to find the job on a dashboard)."""
    return _when(tracker)


def _when(tracker: JobTracker) -> str:
    sent = tracker.sent_at or time.time()
    stamp = time.strftime("%H:%M:%S UTC", time.gmtime(sent))
    tag = f"request {tracker.fingerprint} " if tracker.fingerprint else ""
    return f"{tag}sent at {stamp}"


def interrupt_message(tracker: JobTracker | None, *, what: str = "Interrupted") -> str:
    """One line: what an interrupt (or quitting) now means for this job's money."""
    if tracker is not None and tracker.service == "local":
        return f"{what}: the offline fill charges nothing; results not yet saved are dropped."
    if tracker is None or tracker.phase == PREPARING:
        return f"{what} before anything was sent: no job was created and nothing was charged."
    name = NAMES.get(tracker.service, tracker.service)
    check = DASHBOARDS.get(tracker.service, "the service's dashboard")
    if tracker.phase == SENDING:
        return (
            f"{what} while the job was being sent to {name} ({_when(tracker)}): it may have "
            f"been created and charged; check {check} before sending again. "
            "It will not be resent."
        )
    if tracker.phase == SAVED:
        return f"{what} after the results were saved; nothing is lost."
    job = f"job {tracker.job_id}" if tracker.job_id else "the edit"
    if tracker.recorded:
        collect = (
            "`mask-editor-cli resume` or the next start of the editor collects it."
            if tracker.phase == ACCEPTED
            else "`mask-editor-cli resume` or the next start of the editor saves them."
        )
        kept = "it is kept" if tracker.phase == ACCEPTED else "its paid results are kept"
        return f"{what}: {name} {job} was accepted and {kept}; {collect}"
    return (
        f"{what}: {name} {job} was accepted (and is charged) but could not be recorded in "
        f"the job journal; note its id and collect its results from {check}."
    )


def uncertain_message(tracker: JobTracker) -> str:
    """For a journal entry (or tracker) left in the sending phase: nothing to collect."""
    name = NAMES.get(tracker.service, tracker.service)
    check = DASHBOARDS.get(tracker.service, "the service's dashboard")
    return (
        f"A submission to {name} ({_when(tracker)}) got no answer before the program "
        f"stopped: it may have been created and charged; check {check}. "
        "It will not be resent."
    )
