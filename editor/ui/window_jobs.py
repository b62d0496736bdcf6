"""Window behaviour for jobs: run, progress, results, compare, sources, export, settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtWidgets import QFileDialog

from editor.backends.specs import remote_specs
from editor.core.validation import validate_request
from editor.ui import prefs
from editor.ui.records import JobRecord, SourceEntry

if TYPE_CHECKING:
    from editor.jobs import JobOutcome
    from editor.ui.window import MainWindow

    _Base = MainWindow
else:
    _Base = object

NO_KEY = {spec.kind: spec.no_key_message for spec in remote_specs()}


def _key_for(kind: str) -> str | None:
    """The API key of ``kind`` (None for local); registered so logs never show it."""
    from editor.backends.keys import get_api_key
    from editor.logs import register_secret

    key = get_api_key(kind) if kind != "local" else None
    register_secret(key)
    return key


class JobsMixin(_Base):
    """Run jobs through the JobRunner and show what they deliver."""

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

        self.runner.in_thread(_key_for, kind, on_done=with_key, on_error=not_ready)

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

        self.runner.in_thread(_key_for, "fashn", on_done=with_key)

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
        return self.pool.get(kind, base_url=prefs.base_url(kind), api_key=key)

    # -- running ----------------------------------------------------------------------
    def run_job(self) -> None:
        """Send the current source, a snapshot of the mask and the settings."""
        from editor.core.errors import EditorError

        if not self.canvas.has_image():
            self.show_error("Open a photo first (Ctrl+O).")
            return
        source = self.sources.current
        assert source is not None
        kind = self.controls.backend()
        from editor.core.mask import snapshot

        mask = snapshot(self.canvas.mask())  # painting may go on while it runs
        request = self.controls.build_request(source.image, mask)
        settings = self.controls.settings()
        expected = self.controls.expected_seconds()

        def prepare() -> tuple[str | None, str | None]:
            """Off the UI thread: drop an empty mask, validate, look the key up."""
            if not mask.any():
                request.mask = None
            try:
                validate_request(request, kind)  # the backend does not check it again
            except EditorError as error:
                return None, str(error)
            return _key_for(kind), None

        def prepared(result: tuple[str | None, str | None]) -> None:
            key, problem = result
            if problem:
                self.show_error(problem)
            elif kind != "local" and not key:
                self.show_error(NO_KEY[kind])
            else:
                self._start_job(kind, key, request, settings, source.image, expected)

        self.runner.in_thread(prepare, on_done=prepared, on_error=self.show_error)
        self.controls.after_run()

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
            number=0,
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
        self.jobs[number] = record
        self.results.add_job(record)
        self.show_info(f"Job #{number} sent to {record.backend}.")
        self._job_changed(record)
        self._update_actions()

    def cancel_job(self, number: int) -> None:
        self.runner.cancel(number)

    def cancel_all(self) -> None:
        for number in self.runner.running():
            self.runner.cancel(number)

    def _job(self, number: int) -> JobRecord | None:
        return self.jobs.get(number)

    def _on_submitted(self, number: int, remote_id: str) -> None:
        if record := self._job(number):
            record.remote_id = remote_id
            self.results.update_job(number)
            self._job_changed(record)

    def _on_status(self, number: int, status: str, _elapsed: float) -> None:
        if (record := self._job(number)) and status not in ("completed", "failed", "canceled"):
            record.state = status
            self.results.update_job(number)

    def _on_progress(self, number: int, message: str, _fraction: Any, thumb: Any) -> None:
        if record := self._job(number):
            if thumb is not None:
                record.partial = thumb
            if message:
                record.state = message
            self.results.update_job(number)

    def _on_completed(self, number: int, outcome: JobOutcome) -> None:
        if record := self._job(number):
            record.images, record.thumbs = outcome.images, outcome.thumbs
            record.credits_used = outcome.credits_used
            record.remote_id = outcome.remote_id or record.remote_id
            record.end("completed")
            self.results.update_job(number)
            self._job_changed(record, images=True)
            self.show_info(f"Job #{number}: {len(record.images)} variant(s) ready.")
            self._after_charge(record)
        self._update_actions()

    def _after_charge(self, record: JobRecord) -> None:
        """A FASHN job the service accepted has ended: its balance has changed."""
        if record.settings.get("backend") == "fashn" and record.remote_id:
            self.refresh_balance()

    def _on_failed(self, number: int, message: str) -> None:
        if record := self._job(number):
            record.end("failed", message)
            self.results.update_job(number)
            self._job_changed(record)
            self._after_charge(record)
        self.show_error(f"Job #{number} failed: {message}")

    def _on_cancelled(self, number: int, message: str) -> None:
        if record := self._job(number):
            record.end("cancelled", message)
            self.results.update_job(number)
            self._job_changed(record)
        self.show_info(message)

    # -- variants -----------------------------------------------------------------------
    def selected_variant(self) -> tuple[JobRecord, int] | None:
        chosen = self.results.selected()
        if chosen is None or chosen[0] not in self.jobs:
            return None
        record = self.jobs[chosen[0]]
        return (record, chosen[1]) if chosen[1] < len(record.images) else None

    def compare_selected(self) -> None:
        from editor.ui.compare import CompareDialog

        chosen = self.selected_variant()
        if chosen is None:
            return
        record, index = chosen
        title = f"job #{record.number}, variant {index + 1}"
        self.compare_dialog = CompareDialog(
            record.source, record.images[index], record.mask, title, self
        )
        self.compare_dialog.show()

    def use_as_source(self) -> None:
        """Continue editing from the selected variant (the mask stays as it is)."""
        chosen = self.selected_variant()
        if chosen is None:
            return
        record, index = chosen
        label = f"job #{record.number} variant {index + 1}"
        self.sources.push(SourceEntry(record.images[index], label))
        self._show_source(f"Now editing {label}; Alt+Left goes back to the earlier source.")

    def source_back(self) -> None:
        if self.sources.back() is not None:
            self._show_source(f"Back to {self.sources.current.label}.")  # type: ignore[union-attr]

    def source_forward(self) -> None:
        if self.sources.forward() is not None:
            self._show_source(f"Forward to {self.sources.current.label}.")  # type: ignore[union-attr]

    def _show_source(self, message: str) -> None:
        entry = self.sources.current
        assert entry is not None
        mask = np.array(self.canvas.mask(), copy=True)
        view = (self.canvas.zoom(), self.canvas.center())
        self.canvas.set_image(entry.image, mask)
        self.canvas.set_view(*view)
        self._doc_generation += 1
        self._source_changed()
        self._mark_changed()
        self.show_info(message)
        self._update_title()
        self._update_actions()

    # -- export ---------------------------------------------------------------------
    def _export(self, func: Any, *args: Any, what: str) -> None:
        self.show_info(f"Exporting {what}…")

        def done(result: Any) -> None:
            paths = result if isinstance(result, list) else [result]
            shown = str(paths[0]) if len(paths) == 1 else f"{len(paths)} files in {paths[0].parent}"
            self.show_info(f"Exported {what}: {shown}.")

        self.runner.in_thread(func, *args, on_done=done, on_error=self.show_error)

    def _variant_target(
        self, path: str | None, title: str, suffix: str, filters: str
    ) -> tuple[JobRecord, int, str] | None:
        """The selected variant and where to export it (asks unless ``path`` is given)."""
        chosen = self.selected_variant()
        if chosen is None:
            return None
        record, index = chosen
        if path is None:
            suggestion = self._suggest_path(f"-{suffix}{record.number}-{index + 1}.png")
            path, _ = QFileDialog.getSaveFileName(self, title, suggestion, filters)
            if not path:
                return None
        return record, index, path

    def export_selected(self, path: str | None = None) -> None:
        """Save the selected variant as PNG (with metadata) or JPEG, by the file's suffix."""
        from editor.ui.export import export_image

        filters = "PNG (*.png);;JPEG (*.jpg *.jpeg)"
        target = self._variant_target(path, "Export variant", "edit", filters)
        if target is None:
            return
        record, index, path = target
        image, meta = record.images[index], record.metadata(index)
        self._export(export_image, image, path, meta, what="the variant")

    def export_all_variants(self, folder: str | None = None) -> None:
        """Save every variant of every job into one folder."""
        from editor.ui.export import export_all

        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Export all variants to")
            if not folder:
                return
        stem = Path(self._path).stem if self._path else "image"
        images, metas = [], []
        for record in self.jobs.values():
            for i, image in enumerate(record.images):
                images.append(image)
                metas.append(record.metadata(i))
        self._export(export_all, images, folder, f"{stem}-edit", metas, what="all variants")

    def export_before_after(self, path: str | None = None) -> None:
        from editor.ui.export import export_before_after

        target = self._variant_target(path, "Export before/after", "before-after", "PNG (*.png)")
        if target is None:
            return
        record, index, path = target
        args = (record.source, record.images[index], path, record.metadata(index))
        self._export(export_before_after, *args, what="the before/after picture")

    # -- dialogs --------------------------------------------------------------------
    def choose_reference(self, path: str | None = None) -> None:
        from editor.core.image import load_image

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Reference image", "", "Images (*.*)")
            if not path:
                return
        self.runner.in_thread(
            load_image,
            path,
            on_done=lambda loaded: self.controls.set_reference(loaded.pixels),
            on_error=self.show_error,
        )

    def open_settings(self) -> None:
        from editor.ui.settings import SettingsDialog

        dialog = SettingsDialog(self)
        if dialog.exec():
            self._apply_overlay_prefs()
            for note in getattr(dialog, "notes", []):
                self.show_info(note)
            self.refresh_backend_state()

    def show_shortcuts(self) -> None:
        from editor.ui.dialogs import CheatSheetDialog

        self.cheat_sheet = CheatSheetDialog(self.actions_.with_shortcuts(), self)
        self.cheat_sheet.show()
