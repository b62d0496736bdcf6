"""Combine variants with a pick brush: the face from variant 1, the bag from variant 3.

Combine mode (K) shows the composite of the selected job's variants at full size in
place of the photo; the brush paints which source shows there (keys 0 = original,
1-4 = variant n, or the bar's chips). Every change of the pick map runs through the
core ``VariantCombiner`` in one worker thread, in order (strokes, undo, feather,
fill), so the window never waits; the canvas repaints only each change's dirty box.
Each stroke is one undo step of the mode's own history (Ctrl+Z / Ctrl+Shift+Z while
the mode is on); leaving keeps the pick map, so K again continues. The mask, the
prompt and the results are never touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QToolBar

from editor.core.combine import PickChange, VariantCombiner
from editor.core.job_record import JobRecord
from editor.ui.canvas.pick_layer import CompositeLayer, PickInput, widget_rect
from editor.ui.window.combine_bar import CombineBar, ModeKeys
from editor.ui.window.combine_work import (
    Combination,
    DabQueue,
    SerialWorker,
    default_feather,
    export_composite,
    export_composite_next_to,
    source_infos,
)
from editor.ui.window.controller import Controller

if TYPE_CHECKING:
    from editor.ui.window.main import MainWindow

Box = tuple[int, int, int, int]
HINT = "Paint where a source shows: 0 original, 1-4 variants; [ ] size; Ctrl+Z undoes a stroke."


class CombineController(Controller):
    """The combine mode: enter / leave, picks, undo, feather, export, use as source."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.worker = SerialWorker(window)
        self.bar = CombineBar(window)
        self.active: Combination | None = None
        self._kept: dict[int, Combination] = {}  # by job number, for this session
        self._entering = False
        self.input = PickInput(self.canvas, self._begin, self._dab, self._end)
        self.last_latency = 0.0  # seconds from a dab to its repaint request (benchmarks)
        self.exported: Path | None = None  # the last export
        self._dabs = DabQueue()
        bar = self.bar
        bar.source_chosen.connect(self.pick_source)
        bar.feather_changed.connect(self.set_feather)
        bar.start_chosen.connect(self.fill_with)
        bar.export_clicked.connect(self.quick_export)
        bar.use_clicked.connect(self.use_composite)
        bar.done_clicked.connect(self.leave)
        self.canvas.variant_closed.connect(self._displaced)
        self.canvas.image_changed.connect(self._prune)
        self.results.variant_clicked.connect(lambda _n, _i: self.leave())
        self.canvas.brush_changed.connect(self._tool_changed)
        bindings: list[tuple[list[str], Callable[[], object]]] = [
            ([str(k)], lambda k=k: self.pick_source(k)) for k in range(5)
        ]
        bindings += [(["Ctrl+Z"], self.undo), (["Ctrl+Shift+Z", "Ctrl+Y"], self.redo)]
        self.keys = ModeKeys(window, [*bindings, (["Esc"], self.leave)])

    def install(self) -> None:
        """The bar in the results area, above the jobs (the canvas keeps its size, so
        the photo does not jump), and the Combine button on the tool bar."""
        self.results.layout().insertWidget(1, self.bar)  # type: ignore[union-attr]
        toolbar = self.window.findChild(QToolBar, "tools-toolbar")
        if toolbar is not None:
            toolbar.addSeparator()
            action = self.window.actions_.all["combine"]
            action.setIconText("Combine")  # the menu keeps "Combine variants"
            toolbar.addAction(action)

    # -- entering and leaving ---------------------------------------------------------
    def toggle(self) -> None:
        """K or the Combine button: enter, or leave when on."""
        if self.active is not None:
            self.leave()
        else:
            self.enter()
        self._check_action()

    def _job(self) -> JobRecord | None:
        chosen = self.results.selected()
        jobs = self.doc.jobs
        if chosen is not None and chosen[0] in jobs and jobs[chosen[0]].variants:
            return jobs[chosen[0]]
        with_images = [n for n, r in jobs.items() if r.variants]
        return jobs[max(with_images)] if with_images else None

    def enter(self, start: int = 0) -> None:
        """Combine the selected job's variants (or the newest job's); ``start``: the
        source a new combination shows everywhere (0 = the original)."""
        record = self._job()
        if self.active is not None or self._entering or self.doc.image is None:
            return
        if record is None or record.source is None:
            self.show_info("Combine needs a job with variants: run one first.")
            return
        if record.source.shape[:2] != self.doc.image.shape[:2]:
            self.show_error(
                f"Job #{record.number} was run on a photo of another size: open that photo to "
                "combine its variants."
            )
            return
        kept = self._kept.get(record.number)
        if kept is not None and kept.record is record:  # continue where it was left
            self._activate(kept)
            return
        self._entering = True
        self.show_info(f"Preparing the composite of job #{record.number}…")
        h, w = record.source.shape[:2]
        feather = default_feather(w, h)

        def build() -> Combination:
            pick = None if start == 0 else np.full((h, w), start, np.uint8)
            combiner = VariantCombiner(
                [record.source, *record.variants],
                source_infos(record),
                feather_px=feather,
                pick=pick,
            )
            layer = CompositeLayer(combiner.composite)
            return Combination(record, combiner, layer, label=1)

        def built(combination: Combination) -> None:
            self._entering = False
            image = self.doc.image
            if (
                image is None
                or image.shape[:2] != (h, w)
                or self.doc.jobs.get(record.number) is not record
            ):
                return  # another photo meanwhile
            self._kept[record.number] = combination
            self._activate(combination)

        def failed(message: str) -> None:
            self._entering = False
            self.show_error(message)
            self._check_action()

        self.worker.submit(build, built, failed)

    def _activate(self, combination: Combination) -> None:
        self.active = combination
        record, combiner = combination.record, combination.combiner
        names = [info.name.capitalize() for info in combiner.infos]
        self.bar.set_sources(names, combiner.feather_px)
        self.bar.show()
        self.window.mask_ops._set_tool("brush")
        self.keys.on()
        self.input.active = True
        self.pick_source(combination.label)
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)
        self.show_info(f"Combining job #{record.number}. {HINT}")
        self._check_action()

    def banner_text(self) -> str:
        c = self.active
        if c is None:
            return ""
        name = c.combiner.infos[c.label].name
        return f"COMBINE job #{c.record.number} · brush paints {name} · 0-4 source · Esc done"

    def leave(self) -> None:
        """Esc, K or Done: the photo again; the pick map is kept for the session."""
        c = self.active
        if c is None:
            return
        self.input.end()
        self.input.active = False
        self.active = None
        self.keys.off()
        self.bar.hide()
        if self.canvas.shown_variant() == self._shown_label:
            self.canvas.show_variant(None)
        self.show_info("Left combine mode; K continues where you were.")
        self._check_action()

    _shown_label = ""

    def _displaced(self) -> None:
        """The canvas went back to the photo (another photo, a source switch): leave."""
        if self.active is not None and self.canvas.shown_variant() is None:
            self.leave()

    def _prune(self) -> None:
        """Forget combinations of jobs the document no longer has (another photo)."""
        jobs = self.doc.jobs
        self._kept = {n: k for n, k in self._kept.items() if jobs.get(n) is k.record}

    def _tool_changed(self) -> None:
        if self.active is not None and self.canvas.tool() not in ("brush", "eraser"):
            self.leave()

    def _check_action(self) -> None:
        action = self.window.actions_.all.get("combine")
        if action is not None:
            action.setChecked(self.active is not None)

    # -- painting ---------------------------------------------------------------------
    def pick_source(self, k: int) -> None:
        """Keys 0-4 and the chips: the source the brush paints."""
        c = self.active
        if c is None:
            return
        count = len(c.combiner.sources)
        if not 0 <= k < count:
            self.show_info(f"Job #{c.record.number} has {count - 1} variant(s): 0-{count - 1}.")
            self.bar.show_source(c.label)
            return
        c.label = k
        self.bar.show_source(k)
        self._shown_label = self.banner_text()
        self.canvas.show_variant(c.layer, self._shown_label)  # type: ignore[arg-type]

    def _begin(self) -> None:
        c = self.active
        if c is None:
            return
        if self.canvas.shown_variant() != self._shown_label:  # a variant shown meanwhile
            self.leave()
            return
        label = c.label

        def begin() -> None:
            c.stroke = c.combiner.stroke(label)

        self.worker.submit(begin, None, self.show_error)

    def _dab(self, coverage: np.ndarray, origin: tuple[int, int]) -> None:
        c = self.active
        if c is None or not self._dabs.push(coverage, origin):
            return  # a worker call that takes this dab is already on its way

        def add() -> tuple[Box | None, float]:
            coverage, origin, asked = self._dabs.take()
            box = c.stroke.add(coverage, origin) if c.stroke is not None else None
            if box is not None:
                c.layer.update(box)
            return box, asked

        def shown(result: tuple[Box | None, float]) -> None:
            self._repaint(result[0])
            self.last_latency = time.perf_counter() - result[1]

        self.worker.submit(add, shown, self.show_error)

    def _end(self) -> None:
        c = self.active
        if c is None:
            return

        def finish() -> PickChange | None:
            stroke, c.stroke = c.stroke, None
            return stroke.finish() if stroke is not None else None

        def finished(change: PickChange | None) -> None:
            if change is not None:
                c.undo.append(change)
                c.redo.clear()

        self.worker.submit(finish, finished, self.show_error)

    def _repaint(self, box: Box | None) -> None:
        if box is not None and self.active is not None:
            self.canvas.update(widget_rect(self.canvas, box))

    def _change(self, take: list[PickChange], put: list[PickChange], undo: bool) -> None:
        c = self.active
        if c is None or self.input.painting() or not take:
            return
        change = take.pop()
        put.append(change)
        values = change.before if undo else change.after
        self._redraw(c, lambda: c.combiner.set_pick(change.rect, values))
        self.show_info(("Undid" if undo else "Redid") + " a pick stroke.")

    def undo(self) -> None:
        """Ctrl+Z in combine mode: the last pick stroke, not the mask."""
        if self.active is not None:
            self._change(self.active.undo, self.active.redo, True)

    def redo(self) -> None:
        if self.active is not None:
            self._change(self.active.redo, self.active.undo, False)

    def fill_with(self, k: int) -> None:
        """The whole photo from source ``k``: one undo step."""
        c = self.active
        if c is None or self.input.painting():
            return
        h, w = c.combiner.shape

        def fill() -> Box | None:
            before = c.combiner.pick.copy()
            after = np.broadcast_to(np.uint8(k), (h, w))
            c.undo.append(PickChange((0, 0, w, h), before, after))
            c.redo.clear()
            return c.combiner.set_pick((0, 0, w, h), after)

        self._redraw(c, fill)

    def set_feather(self, px: int) -> None:
        """The feathered edge's width (source pixels): the composite is recomputed."""
        c = self.active
        if c is None:
            return
        h, w = c.combiner.shape

        def refeather() -> Box | None:
            c.combiner.feather_px = max(0, int(px))
            return c.combiner.refresh((0, 0, w, h))

        self._redraw(c, refeather)

    def _redraw(self, c: Combination, change: Callable[[], Box | None]) -> None:
        """Run ``change`` of the pick map in the worker, then the layer and the canvas."""

        def work() -> Box | None:
            box = change()
            if box is not None:
                c.layer.update(box)
            return box

        self.worker.submit(work, self._repaint, self.show_error)

    # -- results ------------------------------------------------------------------------
    def export_composite(self, path: str | None = None) -> None:
        """File menu: save the composite as a PNG at the source's size (asks where unless
        ``path`` is given), with where each part came from in its text metadata."""
        c = self.active or self._last()
        if c is None:
            self.show_info("Combine variants first (K).")
            return
        if path is None:
            suggestion = self.doc.suggest_path(f"-combined-{c.record.number}.png")
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Export composite", suggestion, "PNG (*.png)"
            )
            if not path:
                return
        target = path
        self._export(lambda: export_composite(c.combiner, target))

    def quick_export(self) -> None:
        """The bar's Export: a new ``<photo>-combined-<n>.png`` next to the photo."""
        c = self.active
        if c is None:
            return
        if not self.doc.path:
            self.export_composite()
            return
        folder, stem = Path(self.doc.path).parent, self.doc.name
        self._export(lambda: export_composite_next_to(c.combiner, folder, stem))

    def _export(self, work: Callable[[], Path]) -> None:
        self.show_info("Exporting the composite…")

        def done(path: Path) -> None:
            self.exported = path
            self.show_info(f"Exported the composite: {path}.")

        self.worker.submit(work, done, self.show_error)

    def _last(self) -> Combination | None:
        record = self._job()
        kept = self._kept.get(record.number) if record is not None else None
        return kept if kept is not None and kept.record is record else None

    def use_composite(self) -> None:
        """Continue editing from the composite (one undo step, like Use as new source)."""
        c = self.active or self._last()
        if c is None:
            return
        label = f"job #{c.record.number} composite"

        def use(image: np.ndarray) -> None:
            self.leave()
            self.doc.use_source(image, label)
            self.show_info(f"Now editing {label}; Undo (Ctrl+Z) goes back to the earlier source.")
            self.refresh()

        self.worker.submit(lambda: c.combiner.composite.copy(), use, self.show_error)
