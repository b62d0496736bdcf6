"""File > Batch…: the current mask, prompt and settings over a folder or set of photos.

The window only drives and shows the batch: the plan (``plan_batch``), the runner
(``BatchRunner``), the output naming and claimed writes (``editor.cli.output``) and the
concurrency (``editor.cli.batch.concurrency_for``) are the CLI's own, so both paths
send, skip, journal and save a shot the same way. The runner runs on the qasync loop
through ``JobRunner.call``; its events arrive on the UI thread.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.backends.batch import (
    DONE,
    FAILED,
    SKIPPED,
    BatchRunner,
    BatchSummary,
    Shot,
    ShotEvent,
    plan_batch,
)
from editor.backends.batch_sources import collect_sources
from editor.backends.specs import spec_for
from editor.core.request import EditRequest
from editor.ui import prefs
from editor.ui.batch_dialog import BatchDialog
from editor.ui.window.controller import Controller

PLAN_LINES = 12  # settled shots named in the plan; the list below shows every one

if TYPE_CHECKING:
    from editor.backends.base import Backend
    from editor.backends.batch_state import BatchState


@dataclass
class BatchSetup:
    """What every shot shares, captured when the dialog opens (painting may go on)."""

    kind: str
    mask: np.ndarray
    template: EditRequest  # the request with a placeholder image of the mask's size
    settings: dict[str, object]  # PNG metadata and the request fingerprint (no secrets)
    base_url: str | None
    credits_each: float
    explanation: str

    @property
    def size(self) -> tuple[int, int]:
        return self.mask.shape[1], self.mask.shape[0]


class BatchController(Controller):
    """Opens the batch dialog, plans the batch and runs it."""

    dialog: BatchDialog | None = None
    batch: BatchRunner | None = None
    compare_dialog: Any = None  # the last compare view opened from the batch
    quit_answer: bool | None = None  # answers "quit while a batch runs?" without asking

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.setup: BatchSetup | None = None
        self._state: BatchState | None = None
        self._plan_number = 0
        self.summary: BatchSummary | None = None

    def open_batch(self) -> None:
        """Show the dialog (the running batch's, if one runs) for the current settings."""
        if self.dialog is not None and self.dialog.running:
            self.dialog.show()
            self.dialog.raise_()
            return
        setup = self._capture()
        if setup is None:
            return
        self.setup = setup
        spec = spec_for(setup.kind)
        w, h = setup.size
        prompt = " ".join(setup.template.prompt.split())
        prompt = (prompt[:77] + "…" if len(prompt) > 80 else prompt) or (
            "no prompt: fill from the surroundings"
        )
        what = (
            f"Applies this {w}×{h} mask, the prompt ({prompt}) and the current settings with "
            f"{spec.display_name} to every photo of the same size."
        )
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = BatchDialog(self.window, what)
        dialog.inputs_changed.connect(self.plan)
        dialog.start_requested.connect(self.start)
        dialog.cancel_requested.connect(self.cancel)
        dialog.open_requested.connect(self.window.opener.open_path)
        dialog.compare_requested.connect(self.compare)
        self.dialog = dialog
        dialog.show()

    def _capture(self) -> BatchSetup | None:
        from editor.core.errors import EditorError
        from editor.core.mask import snapshot
        from editor.core.validation import validate_request

        source = self.doc.sources.current
        if not self.canvas.has_image() or source is None or self.doc.mask is None:
            self.show_error("Open a photo and paint the mask first: a batch applies that mask.")
            return None
        mask = snapshot(self.doc.mask)
        if not mask.any():
            self.show_error("Paint the mask first: a batch applies it to every photo.")
            return None
        kind = self.controls.backend()
        placeholder = np.zeros((*mask.shape, 3), np.uint8)
        template = self.controls.build_request(placeholder, mask)
        try:
            validate_request(template, kind)  # shared by every shot: checked once
        except EditorError as error:
            self.show_error(str(error))
            return None
        spec = spec_for(kind)
        estimate = spec.estimate(
            schema=self.controls.schema(),
            resolution=str(self.controls.resolution_box.currentData()),
            mode=str(self.controls.mode_box.currentData()),
            num_images=self.controls.num_images(),
        )
        settings = {**self.controls.settings(), "prompt": template.prompt}
        base_url = prefs.base_url(kind) if spec.remote else None
        return BatchSetup(
            kind, mask, template, settings, base_url or None,
            float(estimate.credits) if spec.remote else 0.0, estimate.explanation,
        )  # fmt: skip

    # -- the plan -------------------------------------------------------------------------
    def plan(self) -> None:
        """Plan again for the dialog's photos and output folder (off the UI thread)."""
        dialog, setup = self.dialog, self.setup
        if dialog is None or setup is None or dialog.running:
            return
        self._plan_number += 1
        number = self._plan_number
        if not dialog.sources or dialog.out_dir is None:
            dialog.show_problem("Add photos and choose an output folder.")
            return
        sources, out = list(dialog.sources), dialog.out_dir

        def make() -> tuple[list[Shot], BatchState]:
            from editor.backends.batch_state import BatchState, request_fingerprint
            from editor.cli.output import check_out_dir

            check_out_dir(out)
            paths = collect_sources(sources, (), out)
            context = setup.template.image_context
            fingerprint = request_fingerprint(
                setup.mask,
                {
                    **setup.settings,
                    "base_url": setup.base_url,
                    "format": "png",
                    "context": "" if context is None else _digest(context),
                },
            )
            state = BatchState(out)
            journal = self.window.pool.journal if spec_for(setup.kind).journaled else None
            variants = setup.template.num_images
            return plan_batch(
                paths, setup.size, fingerprint, state, journal, variants=variants
            ), state

        def planned(result: tuple[list[Shot], BatchState]) -> None:
            if number == self._plan_number and self.dialog is dialog:
                shots, self._state = result
                to_send = [s for s in shots if s.to_send]
                dialog.show_plan(shots, self.plan_text(shots, to_send), bool(to_send))

        def failed(message: str) -> None:
            if number == self._plan_number and self.dialog is dialog:
                dialog.show_problem(message)

        self.runner.in_thread(make, on_done=planned, on_error=failed)

    def plan_text(self, shots: list[Shot], to_send: list[Shot]) -> str:
        """Shots to send, the settled ones, and the credits before anything is sent."""
        assert self.setup is not None
        spec = spec_for(self.setup.kind)
        lines = []
        if spec.remote:
            total = self.setup.credits_each * len(to_send)
            lines.append(
                f"{len(to_send)} shot(s) to send to {spec.display_name}: about {total:g} "
                f"credits in all ({self.setup.explanation} each)."
            )
        else:
            lines.append(
                f"{len(to_send)} shot(s) to edit with {spec.display_name}; no credits are charged."
            )
        settled = [s for s in shots if not s.to_send]
        if settled:
            lines.append(f"{len(settled)} not to send:")
            lines.extend(s.detail for s in settled[:PLAN_LINES])
            if len(settled) > PLAN_LINES:
                lines.append(f"… and {len(settled) - PLAN_LINES} more (see the list).")
        return "\n".join(lines)

    # -- running --------------------------------------------------------------------------
    def start(self) -> None:
        """Look the key up (off the UI thread), then run the planned shots."""
        from editor.ui.window.run import key_for

        dialog, setup = self.dialog, self.setup
        if dialog is None or setup is None or dialog.running or dialog.out_dir is None:
            return
        dialog.set_running(True, "Starting…")

        def with_key(key: str | None) -> None:
            if setup.kind != "local" and not key:
                dialog.set_running(False, spec_for(setup.kind).no_key_message)
                return
            self._run(dialog, setup, key)

        def no_key(message: str) -> None:
            dialog.set_running(False, message)

        self.runner.in_thread(key_for, setup.kind, on_done=with_key, on_error=no_key)

    def _run(self, dialog: BatchDialog, setup: BatchSetup, key: str | None) -> None:
        from editor.backends import make_backend
        from editor.cli.batch import concurrency_for
        from editor.cli.output import save_variants
        from editor.core.errors import ExportError, MaskError
        from editor.core.image import load_image

        out = dialog.out_dir
        assert out is not None
        spec = spec_for(setup.kind)
        journal = self.window.pool.journal if spec.journaled else None
        w, h = setup.size

        def make_request(shot: Shot) -> EditRequest:
            image = load_image(shot.path).pixels
            if image.shape[:2] != setup.mask.shape:
                raise MaskError(f"{image.shape[1]}x{image.shape[0]} but the mask is {w}x{h}")
            return dataclasses.replace(setup.template, image=image)

        def backend_for(shot: Shot) -> Backend:
            if not spec.remote:
                return make_backend(setup.kind)
            return make_backend(
                setup.kind, base_url=setup.base_url, api_key=key, journal=journal,
                source_path=str(shot.path.resolve()), out_dir=str(out.resolve()),
            )  # fmt: skip

        def save(shot: Shot, images: list[np.ndarray], _job: str | None) -> list[Path]:
            settings = {**setup.settings, "batch_shot": shot.key}
            stem = shot.path.stem or "image"
            try:
                return save_variants(images, out, stem, "png", settings, advise=not spec.remote)
            except ExportError as error:
                # a journaled job stays in the journal (resume collects it); paid results
                # no journal keeps go to the app-data folder, as the CLI's `edit` does
                tracker = batch.trackers.get(shot.index)
                if not spec.remote or getattr(tracker, "recorded", False):
                    raise
                return _save_elsewhere(images, stem, settings, error)

        batch = BatchRunner(
            dialog.shots, service=setup.kind, make_request=make_request,
            make_backend=backend_for, save=save, concurrency=concurrency_for(setup.kind),
            state=self._state, journal=journal, estimate=setup.credits_each,
            on_event=lambda event: self._on_event(dialog, event),
        )  # fmt: skip
        self.batch = batch
        sending = sum(1 for s in dialog.shots if s.to_send)
        dialog.set_running(True, f"Sending {sending} shot(s) to {spec.display_name}…")
        self.runner.call(
            batch.run(),
            on_done=lambda summary: self._finished(dialog, summary),
            on_error=lambda message: self._stopped(dialog, message),
        )
        self.refresh()

    def _on_event(self, dialog: BatchDialog, event: ShotEvent) -> None:
        dialog.update_shot(event.shot)

    def cancel(self) -> None:
        """Send no new shots; those already sent run on and their results are saved."""
        if self.batch is not None and self.dialog is not None and self.dialog.running:
            self.batch.cancel("stopped in the window")
            self.dialog.plan_label.setText(
                "Stopped sending: shots already sent run on and their results are saved."
            )

    def _finished(self, dialog: BatchDialog, summary: BatchSummary) -> None:
        self.summary = summary
        assert self.setup is not None
        paid = spec_for(self.setup.kind).remote
        credits = f"{summary.credits:g} credits used" if paid else "no credits (offline)"
        dialog.set_running(
            False,
            f"Batch ended in {summary.seconds:.1f} s: {summary.count(DONE)} done, "
            f"{summary.count(SKIPPED)} skipped, {summary.count(FAILED)} failed; {credits}. "
            "Double-click a done shot to compare it with its photo.",
        )
        self.show_info(f"Batch: {summary.count(DONE)} of {len(summary.shots)} shot(s) done.")
        if paid:
            self.window.run.refresh_balance()

    def compare(self, index: int) -> None:
        """The compare view (as for any variant) of a done shot: its photo and result."""
        from editor.core.image import load_image

        dialog, setup = self.dialog, self.setup
        if dialog is None or setup is None or not 0 <= index < len(dialog.shots):
            return
        shot = dialog.shots[index]
        if not shot.outputs:
            return

        def load() -> tuple[np.ndarray, np.ndarray]:
            return load_image(shot.path).pixels, load_image(shot.outputs[0]).pixels

        def show(pair: tuple[np.ndarray, np.ndarray]) -> None:
            from editor.ui.compare import CompareDialog, keep_until_closed

            photo, result = pair
            mask = setup.mask if result.shape[:2] == setup.mask.shape else None
            view = CompareDialog(photo, result, mask, shot.name, dialog)
            keep_until_closed(self, view)
            view.show()

        self.runner.in_thread(load, on_done=show, on_error=self.show_error)

    def may_close(self) -> bool:
        """Quit while a batch runs only when the user says so (shots in flight may be paid)."""
        dialog, batch = self.dialog, self.batch
        if dialog is None or batch is None or not dialog.running or self.window.force_close:
            return True
        in_flight = sum(1 for s in batch.shots if s.outcome is None and s.state != "queued")
        waiting = sum(1 for s in batch.shots if s.state == "queued")
        kept = (
            "accepted jobs stay in the job journal and are collected at the next start"
            if self.window.pool.journal is not None and spec_for(batch.service).journaled
            else "their results are lost and may already be charged"
        )
        text = (
            f"A batch is running: {in_flight} shot(s) in flight ({kept}); {waiting} shot(s) "
            "not yet sent will not be sent. Quit anyway?"
        )
        if self.quit_answer is not None:  # tests and scripted runs answer ahead
            return self.quit_answer
        from PySide6.QtWidgets import QMessageBox

        std = QMessageBox.StandardButton
        answer = QMessageBox.warning(
            self.window, "A batch is running", text, std.Yes | std.Cancel, std.Cancel
        )
        return answer == std.Yes

    def _stopped(self, dialog: BatchDialog, message: str) -> None:
        dialog.set_running(False, f"The batch stopped: {message}")
        self.show_error(f"The batch stopped: {message}")


def _save_elsewhere(
    images: list[np.ndarray], stem: str, settings: dict[str, object], first: Exception
) -> list[Path]:
    """Paid results the output folder refused and no journal keeps: the app-data folder."""
    from editor.cli.output import save_variants
    from editor.core.errors import ExportError
    from editor.core.paths import app_data_dir

    spare = app_data_dir() / "recovered"
    try:
        spare.mkdir(parents=True, exist_ok=True)
        return save_variants(images, spare, stem, "png", settings, advise=False)
    except (ExportError, OSError):
        raise ExportError(
            f"{first} The paid results could not be kept anywhere on this disk; they are "
            "lost unless the service still holds them: check its dashboard."
        ) from None


def _digest(array: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]
