"""Running jobs: backend readiness and balance, sending the document's source, mask and
settings through the JobRunner, and showing what each job delivers."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from editor.backends.specs import remote_specs
from editor.core.job_record import JobRecord
from editor.core.validation import validate_request
from editor.ui import prefs
from editor.ui.window.controller import Controller

if TYPE_CHECKING:
    from editor.jobs import JobOutcome
    from editor.ui.window.main import MainWindow

RESEND_WINDOW_S = 5.0  # an identical paid request within this time asks first
NO_KEY = {spec.kind: spec.no_key_message for spec in remote_specs()}


def key_for(kind: str) -> str | None:
    """The API key of ``kind`` (None for local); registered so logs never show it."""
    from editor.backends.keys import get_api_key
    from editor.logs import register_secret

    key = get_api_key(kind) if kind != "local" else None
    register_secret(key)
    return key


def _key_and_engine(kind: str) -> str | None:
    """``key_for(kind)``, with the engine's module loaded here in the worker thread: its
    first import (httpx, the wire format; ~150 ms) would otherwise run on the UI thread
    when the backend is made."""
    import importlib

    from editor.backends.specs import spec_for

    importlib.import_module(spec_for(kind).implementation.partition(":")[0])
    return key_for(kind)


class RunController(Controller):
    """Run jobs through the JobRunner and show what they deliver."""

    duplicate_question: QMessageBox | None = None  # the last "send it again?" question

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._mask_version = 0  # bumped by every mask change: part of a request's identity
        self._last_sent: tuple[tuple[object, ...], float] | None = None  # key, when
        self._pending: deque[Callable[[], object]] = deque()  # UI work for later turns
        self.doc.on_mask.append(self._mask_changed)

    def _mask_changed(self, _rect: object) -> None:
        self._mask_version += 1

    def connect_runner(self) -> None:
        r = self.runner
        r.submitted.connect(self._on_submitted)
        r.status.connect(self._on_status)
        r.progress.connect(self._on_progress)
        r.phase.connect(self.results.set_phase)
        r.completed.connect(self._on_completed)
        r.failed.connect(self._on_failed)
        r.cancelled.connect(self._on_cancelled)

    # -- backend readiness and balance ------------------------------------------------
    def refresh_backend_state(self) -> None:
        """Check (asynchronously) whether the chosen backend can run, and its balance."""
        from editor.core.errors import EditorError

        kind = self.controls.backend()
        self.controls.set_readiness("checking…", True)

        def with_key(key: str | None) -> None:
            if kind != self.controls.backend():
                return
            if kind != "local" and not key:
                self.controls.set_readiness(NO_KEY[kind], False)
                return
            try:
                backend = self._backend(kind, key)
            except EditorError as error:  # e.g. a plain http:// base URL on the network
                self.controls.set_readiness(str(error), False)
                return
            if kind == "fashn":  # the balance call proves the key and the server work
                self._read_balance(backend)
            else:
                self.runner.call(backend.check_ready(), on_done=ready, on_error=not_ready)

        def ready(problem: str | None) -> None:
            if kind == self.controls.backend():
                ok = problem is None
                self.controls.set_readiness("Ready" if ok else str(problem), ok)

        def not_ready(message: str) -> None:
            if kind == self.controls.backend():
                self.controls.set_readiness(message, False)

        self.runner.in_thread(_key_and_engine, kind, on_done=with_key, on_error=not_ready)

    def refresh_balance(self) -> None:
        """Read the FASHN balance again (after a job was charged), if FASHN is chosen."""
        from editor.core.errors import EditorError

        if self.controls.backend() != "fashn":
            return

        def with_key(key: str | None) -> None:
            if self.controls.backend() != "fashn" or not key:
                return
            try:
                self._read_balance(self._backend("fashn", key))
            except EditorError:
                return  # the readiness line already says what is wrong

        self.runner.in_thread(key_for, "fashn", on_done=with_key)

    def _read_balance(self, backend: Any) -> None:
        """Ask FASHN for the balance; the answer also says whether the key is accepted."""

        def balance(value: float | None) -> None:
            if self.controls.backend() == "fashn":
                self.controls.set_readiness("Ready", True)
                self.controls.set_balance("unknown" if value is None else f"{value:g} credits")

        def no_balance(message: str) -> None:
            if self.controls.backend() == "fashn":
                self.controls.set_readiness(message, False)
                self.controls.set_balance("unknown")

        self.runner.call(backend.credits(), on_done=balance, on_error=no_balance)

    def _backend(self, kind: str, key: str | None) -> Any:
        return self.window.pool.get(kind, base_url=prefs.base_url(kind), api_key=key)

    # -- running ----------------------------------------------------------------------
    def run_job(self) -> None:
        """Send the current source, a snapshot of the mask and the settings."""

        if not self.canvas.has_image():
            self.show_error("Open a photo first (Ctrl+O).")
            return
        source = self.doc.sources.current
        assert source is not None
        kind = self.controls.backend()

        settings = self.controls.settings()
        if kind != "local" and not self._confirm_resend(kind, source.image, settings):
            return
        request = self.controls.build_request(source.image, None)
        expected = self.controls.expected_seconds()
        self._prepare(kind, request, settings, source.image, expected, tries=3)
        self.controls.after_run()

    def _prepare(
        self,
        kind: str,
        request: Any,
        settings: dict[str, object],
        source: np.ndarray,
        expected: float | None,
        *,
        tries: int,
    ) -> None:
        """Snapshot the mask, validate and look the key up in a worker thread (reading a
        100 MP mask takes tens of ms), then start the job. The snapshot is the mask as
        it was at Run unless it changed while being read: then it is taken again."""
        from editor.core.errors import EditorError
        from editor.core.mask import snapshot

        live, version = self.doc.mask, self._mask_version
        assert live is not None

        def prepare() -> tuple[str | None, str | None]:
            mask = snapshot(live)
            request.mask = mask if mask.any() else None
            try:
                validate_request(request, kind)  # the backend does not check it again
            except EditorError as error:
                return None, str(error)
            return key_for(kind), None

        def prepared(result: tuple[str | None, str | None]) -> None:
            changed = self._mask_version != version or self.doc.mask is not live
            same_photo = self.doc.mask is not None and self.doc.generation == generation
            if changed and same_photo and tries > 1:  # painted meanwhile: read it again
                self._prepare(kind, request, settings, source, expected, tries=tries - 1)
                return
            key, problem = result
            if problem:
                self.show_error(problem)
            elif kind != "local" and not key:
                self.show_error(NO_KEY[kind])
            else:
                self._start_job(kind, key, request, settings, source, expected)

        generation = self.doc.generation
        self.runner.in_thread(prepare, on_done=prepared, on_error=self.show_error)

    def _confirm_resend(self, kind: str, image: np.ndarray, settings: dict[str, object]) -> bool:
        """A paid request identical to one sent moments ago (a double-click on Run) is
        sent again only when the user says so; queueing different jobs never asks. The
        seed is left out: an unlocked seed changes after every send."""
        key = (
            kind,
            id(image),
            self._mask_version,
            self.controls.prompt(),
            tuple(sorted((k, repr(v)) for k, v in settings.items() if k != "seed")),
        )
        now = time.monotonic()
        last = self._last_sent
        recent = last is not None and last[0] == key and now - last[1] < RESEND_WINDOW_S
        if recent and last is not None and not self._ask_resend(now - last[1]):
            self.show_info("Not sent again: the same edit was sent a moment ago.")
            return False
        self._last_sent = (key, now)
        return True

    def _ask_resend(self, seconds_ago: float) -> bool:
        std = QMessageBox.StandardButton
        box = QMessageBox(self.window)
        box.setObjectName("send-again")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Send the same edit again?")
        box.setText(
            f"You sent this exact edit {max(1.0, seconds_ago):.0f} s ago. Sending it again "
            "starts a second job, which is charged too."
        )
        send = box.addButton("Send again", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(std.Cancel)
        box.setDefaultButton(std.Cancel)
        self.duplicate_question = box
        box.exec()
        return box.clickedButton() is send

    def _start_job(
        self,
        kind: str,
        key: str | None,
        request: Any,
        settings: dict[str, object],
        source: np.ndarray,
        expected: float | None,
    ) -> None:
        record = JobRecord(
            backend=prefs.BACKEND_NAMES[kind],
            prompt=request.prompt,
            settings=settings,
            source=source,
            mask=request.mask,
            expected_seconds=expected,
        )
        from editor.core.errors import EditorError

        try:
            backend = self._backend(kind, key)
        except EditorError as error:  # e.g. a plain http:// base URL on the network
            self.show_error(str(error))
            return
        number = self.runner.start(backend, request)
        record.number = number
        self.doc.add_job(record)  # in the journal at once
        # the card (made, laid out and painted: ~2-7 ms), the message and the actions
        # each on a later turn of the loop; the card shows the record as it is by then
        # and the results list keeps a phase that arrives first
        self._later(lambda: self.results.add_job(record))
        self._later(lambda: self.show_info(f"Job #{number} sent to {record.backend}."))
        self._later(self.window.update_actions)

    def cancel_job(self, number: int) -> None:
        self.runner.cancel(number)

    def cancel_all(self) -> None:
        for number in self.runner.running():
            self.runner.cancel(number)

    def _job(self, number: int) -> JobRecord | None:
        return self.doc.jobs.get(number)

    def _on_submitted(self, number: int, remote_id: str) -> None:
        if record := self._job(number):
            record.remote_id = remote_id
            self.results.update_job(number)
            self.doc.job_changed(record)

    def _on_status(self, number: int, status: str, _elapsed: float) -> None:
        if (record := self._job(number)) and status not in ("completed", "failed", "canceled"):
            record.status = status
            self.results.update_job(number)

    def _on_progress(self, number: int, message: str, _fraction: Any, thumb: Any) -> None:
        if record := self._job(number):
            if thumb is not None:
                record.partial = thumb
            if message:
                record.status = message
            self.results.update_job(number)

    def _on_completed(self, number: int, outcome: JobOutcome) -> None:
        if record := self._job(number):
            record.variants, record.thumbs = outcome.variants, outcome.thumbs
            record.credits_used = outcome.credits_used
            record.remote_id = outcome.remote_id or record.remote_id
            record.end("completed")
            self.doc.job_changed(record, images=True)  # the paid results to disk first
            self._after_charge(record)
            # the card (its status, then one thumbnail a turn), the message and the
            # actions (with the runner's `finished`) each follow on a later turn of the
            # loop: together they held the UI thread for 8-15 ms
            self._later(lambda: self.results.update_job(number))
            self._later(
                lambda: self.show_info(f"Job #{number}: {len(record.variants)} variant(s) ready.")
            )

    def _later(self, work: Callable[[], object]) -> None:
        """Run ``work`` on a later turn of the event loop, one piece of work a turn, in
        order (not if the window is gone). Chained, not all posted at once: Qt runs
        every zero timer already due in one pass, which would be one long turn again."""
        self._pending.append(work)
        if len(self._pending) == 1:
            QTimer.singleShot(0, self.window, self._next_later)

    def _next_later(self) -> None:
        work = self._pending.popleft()
        try:
            work()
        finally:
            if self._pending:
                QTimer.singleShot(0, self.window, self._next_later)

    def _after_charge(self, record: JobRecord) -> None:
        """A FASHN job the service accepted has ended: its balance has changed."""
        if record.settings.get("backend") == "fashn" and record.remote_id:
            self.refresh_balance()

    def _on_failed(self, number: int, message: str) -> None:
        if record := self._job(number):
            record.end("failed", message)
            self.results.update_job(number)
            self.doc.job_changed(record)
            self._after_charge(record)
        self.show_error(f"Job #{number} failed: {message}")

    def _on_cancelled(self, number: int, message: str) -> None:
        if record := self._job(number):
            record.end("cancelled", message)
            self.results.update_job(number)
            self.doc.job_changed(record)
        self.show_info(message)

    def choose_reference(self, path: str | None = None) -> None:
        from editor.core.image import load_image

        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Reference image", "", "Images (*.*)"
            )
            if not path:
                return
        self.runner.in_thread(
            load_image,
            path,
            on_done=lambda loaded: self.controls.set_reference(loaded.pixels),
            on_error=self.show_error,
        )
