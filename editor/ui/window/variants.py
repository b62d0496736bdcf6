"""Variants: compare with the original, continue from one (use as source, back,
forward), export one, all, or a before/after picture."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from editor.core.job_record import JobRecord
from editor.core.variant import Variant
from editor.ui.canvas.overlay import PhotoLayer
from editor.ui.window.controller import Controller

if TYPE_CHECKING:
    from editor.ui.window.main import MainWindow


LAYER_BUDGET = 800_000_000  # bytes of variant layers kept for quick switching


class VariantsController(Controller):
    """What can be done with the results of jobs."""

    compare_dialog: Any = None

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._layers: dict[int, tuple[Variant, PhotoLayer]] = {}  # by id of the variant
        self._wanted: tuple[int, int] | None = None  # the variant asked for on the canvas
        self.results.variant_clicked.connect(self.variant_clicked)
        self.results.original_requested.connect(self.show_original)
        self.canvas.variant_closed.connect(self._closed)
        self.doc.on_source.append(self._source_shown)

    def _source_shown(self) -> None:
        """Another source is shown (also by undo / redo): title and status bar say which."""
        entry = self.doc.sources.current
        if entry is not None:
            self.show_info(f"Editing {entry.label} (Undo / Redo switch sources too).")
        self.window.update_title()

    # -- a variant large on the canvas ---------------------------------------------------
    def variant_clicked(self, number: int, index: int) -> None:
        """A thumbnail click shows that variant large; a click on the shown one goes back."""
        if self.canvas.shown_variant() is not None and self.results.shown() == (number, index):
            self.show_original()
        else:
            self.show_large(number, index)
        # keys act on what is shown: Esc, 0, 1-4, V, and the painting keys
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_variant_key(self, key: str) -> None:
        """Keys 1-4: that variant of the selected job (or of the newest with results)."""
        with_images = [n for n, r in self.doc.jobs.items() if r.variants]
        chosen = self.results.selected()
        if chosen is not None and chosen[0] in with_images:
            number = chosen[0]
        elif with_images:
            number = max(with_images)
        else:
            return
        count = len(self.doc.jobs[number].variants)
        index = int(key) - 1
        if index >= count:
            self.show_info(f"Job #{number} has {count} variant(s).")
            return
        self.show_large(number, index)

    def cycle(self, step: str) -> None:
        """V / Shift+V: the next / previous variant of all jobs, in the results' order."""
        order = [(n, i) for n, r in sorted(self.doc.jobs.items()) for i in range(len(r.variants))]
        if not order:
            return
        current = self.results.shown() if self.canvas.shown_variant() else self.results.selected()
        at = order.index(current) if current in order else -1
        self.show_large(*order[(at + int(step)) % len(order)])

    def show_original(self) -> None:
        """0 / Escape / a second click: the photo again."""
        self._wanted = None
        self.canvas.show_variant(None)

    def _closed(self) -> None:
        self.results.mark_shown(None)
        self.show_info("Showing the photo you edit (click a result or press 1-4 to see one).")

    def show_large(self, number: int, index: int) -> None:
        """Show variant ``index`` of job ``number`` on the canvas at full quality."""
        record = self.doc.jobs.get(number)
        if record is None or index >= len(record.variants) or self.doc.image is None:
            return
        variant, source = record.variants[index], record.source
        if variant.shape[:2] != self.doc.image.shape[:2]:
            w, h = variant.size
            ph, pw = self.doc.image.shape[:2]
            self.show_error(
                f"Variant {index + 1} of job #{number} is {w} × {h} but the photo is "
                f"{pw} × {ph}: compare it in its own window (C) instead."
            )
            return
        self.results.select(number, index)
        self._wanted = (number, index)
        label = f"Job #{number} · variant {index + 1} of {len(record.variants)}"
        cached = self._layers.get(id(variant))
        if cached is not None and cached[0] is variant:
            self._put_on_canvas(cached[1], (number, index), label, self.doc.generation)
            return
        generation = self.doc.generation

        def made(layer: PhotoLayer) -> None:
            # a layer holds 4+ bytes a pixel: keep as many as fit LAYER_BUDGET (one at least)
            h, w = variant.shape[:2]
            while self._layers and (len(self._layers) + 1) * h * w * 4 > LAYER_BUDGET:
                self._layers.pop(next(iter(self._layers)))
            self._layers[id(variant)] = (variant, layer)
            self._put_on_canvas(layer, (number, index), label, generation)

        def build() -> PhotoLayer:  # worker thread: the whole variant, then its layer
            return PhotoLayer(variant.full(source))

        self.runner.in_thread(build, on_done=made, on_error=self.show_error)

    def _put_on_canvas(
        self, layer: PhotoLayer, variant: tuple[int, int], label: str, generation: int
    ) -> None:
        if self._wanted != variant or generation != self.doc.generation:
            return  # asked for another one, or another photo is shown, meanwhile
        self.canvas.show_variant(layer, label)
        self.results.mark_shown(variant)
        self.show_info(
            f"Showing {label} large. 1-4 or V: other variants; 0, Esc or a click on it: the photo."
        )

    def selected_variant(self) -> tuple[JobRecord, int] | None:
        chosen = self.results.selected()
        if chosen is None or chosen[0] not in self.doc.jobs:
            return None
        record = self.doc.jobs[chosen[0]]
        return (record, chosen[1]) if chosen[1] < len(record.variants) else None

    def compare_selected(self) -> None:
        from editor.ui.compare import CompareDialog, keep_until_closed, previews

        chosen = self.selected_variant()
        if chosen is None:
            return
        record, index = chosen
        title = f"job #{record.number}, variant {index + 1}"

        source = record.source

        def build() -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:  # worker thread
            variant = record.full(index)
            return variant, previews(source if source is not None else variant, variant)

        def show(made: tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]) -> None:
            variant, small = made
            dialog = CompareDialog(
                record.source, variant, record.mask, title, self.window, made=small
            )
            keep_until_closed(self, dialog)
            dialog.show()

        self.runner.in_thread(build, on_done=show, on_error=self.show_error)

    def _with_full(self, record: JobRecord, index: int, then: Callable[[np.ndarray], None]) -> None:
        """``then(whole variant)`` on the UI thread, the variant built in a worker."""
        self.runner.in_thread(record.full, index, on_done=then, on_error=self.show_error)

    def use_as_source(self) -> None:
        """Continue editing from the selected variant (the mask stays as it is)."""
        chosen = self.selected_variant()
        if chosen is None:
            return
        record, index = chosen
        label = f"job #{record.number} variant {index + 1}"
        message = f"Now editing {label}; Undo (Ctrl+Z) or Alt+Left goes back to the earlier source."
        generation = self.doc.generation

        def use(image: np.ndarray) -> None:
            if generation != self.doc.generation:
                self.show_info(f"Another photo was opened meanwhile: {label} was not used.")
                return
            self._show_source(lambda: self.doc.use_source(image, label), message)

        self._with_full(record, index, use)

    def source_back(self) -> None:
        if self.doc.sources.can_go_back:
            self._show_source(self.doc.source_back, "Back to {}.")

    def source_forward(self) -> None:
        if self.doc.sources.can_go_forward:
            self._show_source(self.doc.source_forward, "Forward to {}.")

    def _show_source(self, switch: Callable[[], object], message: str) -> None:
        """Switch the document's source (the mask stays) keeping the view."""
        switch()  # the canvas keeps its view; the session autosaves the new source
        entry = self.doc.sources.current
        self.show_info(message.format(entry.label if entry else ""))
        self.window.update_title()
        self.window.update_actions()

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
            suggestion = self.doc.suggest_path(f"-{suffix}{record.number}-{index + 1}.png")
            path, _ = QFileDialog.getSaveFileName(self.window, title, suggestion, filters)
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
        build, meta = functools.partial(record.full, index), record.metadata(index)
        self._export(lambda: export_image(build(), path, meta), what="the variant")

    def export_all_variants(self, folder: str | None = None) -> None:
        """Save every variant of every job into one folder."""
        from editor.ui.export import export_all

        if folder is None:
            folder = QFileDialog.getExistingDirectory(self.window, "Export all variants to")
            if not folder:
                return
        stem = self.doc.name
        images, metas = [], []
        for record in self.doc.jobs.values():
            for i in range(len(record.variants)):
                images.append(functools.partial(record.full, i))  # built one at a time
                metas.append(record.metadata(i))
        self._export(export_all, images, folder, f"{stem}-edit", metas, what="all variants")

    def export_before_after(self, path: str | None = None) -> None:
        from editor.ui.export import export_before_after

        target = self._variant_target(path, "Export before/after", "before-after", "PNG (*.png)")
        if target is None:
            return
        record, index, path = target
        source, meta = record.source, record.metadata(index)
        self._export(
            lambda: export_before_after(source, record.full(index), path, meta),
            what="the before/after picture",
        )
