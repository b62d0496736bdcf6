"""Variants: compare with the original, continue from one (use as source, back,
forward), export one, all, or a before/after picture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFileDialog

from editor.core.job_record import JobRecord
from editor.ui.window.controller import Controller


class VariantsController(Controller):
    """What can be done with the results of jobs."""

    compare_dialog: Any = None

    def selected_variant(self) -> tuple[JobRecord, int] | None:
        chosen = self.results.selected()
        if chosen is None or chosen[0] not in self.doc.jobs:
            return None
        record = self.doc.jobs[chosen[0]]
        return (record, chosen[1]) if chosen[1] < len(record.images) else None

    def compare_selected(self) -> None:
        from editor.ui.compare import CompareDialog

        chosen = self.selected_variant()
        if chosen is None:
            return
        record, index = chosen
        title = f"job #{record.number}, variant {index + 1}"
        self.compare_dialog = CompareDialog(
            record.source, record.images[index], record.mask, title, self.window
        )
        self.compare_dialog.show()

    def use_as_source(self) -> None:
        """Continue editing from the selected variant (the mask stays as it is)."""
        chosen = self.selected_variant()
        if chosen is None:
            return
        record, index = chosen
        label = f"job #{record.number} variant {index + 1}"
        self._show_source(
            lambda: self.doc.use_source(record.images[index], label),
            f"Now editing {label}; Undo (Ctrl+Z) or Alt+Left goes back to the earlier source.",
        )

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
        image, meta = record.images[index], record.metadata(index)
        self._export(export_image, image, path, meta, what="the variant")

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
