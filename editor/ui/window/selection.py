"""Selection tools in the window: magic wand (W), object from a box (G), colour range
and mask from a variant's changes. The engines are Qt-free (editor/core/selection);
they run in a worker thread and land in the mask as ONE undo step each: the rectangle
that changed, before and after (``apply_selection`` -> ``MaskPatch``).

If the mask or the photo changed while a selection was computed (a brush stroke,
undo, another source), the result is combined again with the mask as it is now when
the photo is the same, and dropped with a message when it is not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QTimer
from PySide6.QtWidgets import QCheckBox, QDialog, QLabel, QSpinBox, QToolBar

from editor.core.mask_history import MaskPatch
from editor.core.selection import (
    MaskChange,
    Selection,
    apply_selection,
    difference_mask,
    magic_wand,
    mode_for,
    object_from_box,
)
from editor.ui import prefs
from editor.ui.canvas.selecttools import SelectionInput
from editor.ui.window.controller import Controller

if TYPE_CHECKING:
    from editor.ui.window.main import MainWindow

TOLERANCE_PREF = "selection/tolerance"
GLOBAL_PREF = "selection/global"
DEFAULT_TOLERANCE = 32
STROKE_WAIT_MS = 50
WAND_HINT = (
    "Magic wand: click selects similar colour; Shift adds, Alt subtracts; "
    "tolerance and Global are in the tool bar."
)
BOX_HINT = "Object: drag a box around it; Shift adds, Alt subtracts; then refine with the brush."
MODE_TEXT = {"replace": "", "add": " add", "subtract": " subtract", "intersect": " intersect"}


class SelectionController(Controller):
    """The selection tools' settings, clicks and results."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.input = SelectionInput(self.canvas)
        self.input.wand_clicked.connect(self.wand_at)
        self.input.box_dragged.connect(self.box_at)
        self.busy = False  # one selection at a time: clicks meanwhile are refused aloud
        self.last_seconds = 0.0  # wall time of the last selection, click to mask
        self.last_seed: tuple[int, int, int] | None = None  # the wand's last colour
        self.colour_dialog: QDialog | None = None  # the open colour range dialog
        self.tolerance = QSpinBox()
        self.tolerance.setObjectName("wand-tolerance")
        self.tolerance.setRange(0, 255)
        self.tolerance.setValue(_int_pref(TOLERANCE_PREF, DEFAULT_TOLERANCE, 0, 255))
        self.tolerance.setToolTip("Magic wand tolerance: how far a colour may differ (0-255)")
        self.tolerance.valueChanged.connect(lambda v: prefs.set_value(TOLERANCE_PREF, v))
        self.global_box = QCheckBox("Global")
        self.global_box.setObjectName("wand-global")
        self.global_box.setToolTip("Magic wand: select the colour everywhere, not only touching")
        self.global_box.setChecked(prefs.get_str(GLOBAL_PREF, "false").lower() == "true")
        self.global_box.toggled.connect(lambda on: prefs.set_value(GLOBAL_PREF, on))

    def install_toolbar(self) -> None:
        """The wand's tolerance and Global toggle, after the tool buttons."""
        toolbar = self.window.findChild(QToolBar, "tools-toolbar")
        if toolbar is None:
            return
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Tolerance "))
        toolbar.addWidget(self.tolerance)
        toolbar.addWidget(self.global_box)

    # -- tools ----------------------------------------------------------------------
    def tool_wand(self) -> None:
        self.window.mask_ops._set_tool("wand")
        self.show_info(WAND_HINT)

    def tool_box(self) -> None:
        self.window.mask_ops._set_tool("box")
        self.show_info(BOX_HINT)

    # -- running a selection ----------------------------------------------------------
    def _run(
        self, title: str, compute: Callable[[np.ndarray], Selection], mode: str, empty: str = ""
    ) -> bool:
        """Compute a selection of the photo in a worker thread and combine it with the
        mask by ``mode`` as one undo step named ``title``. False when refused. An empty
        selection with an ``empty`` message leaves the mask alone and says it."""
        image, mask = self.doc.image, self.doc.mask
        if image is None or mask is None:
            return False
        if self.busy:
            self.show_info("Still working on the previous selection; try again in a moment.")
            return False
        self.busy = True
        state = (self.doc.changes, self.doc.generation)  # changes counts every mask write
        started = time.perf_counter()
        self.show_info(f"{title}…")

        def work() -> tuple[Selection, MaskChange | None]:
            selection = compute(image)
            # the live mask is only read; a change meanwhile is caught below
            return selection, apply_selection(mask, selection, mode)

        def done(result: tuple[Selection, MaskChange | None]) -> None:
            if self.canvas.stroke_active():  # land after the stroke's own undo step
                QTimer.singleShot(STROKE_WAIT_MS, lambda: done(result))
                return
            self.busy = False
            selection, change = result
            if self.doc.generation != state[1] or self.doc.mask is None:
                self.show_error(f"The photo changed while working; {title.lower()} again.")
                return
            if self.doc.changes != state[0]:  # the mask (or anything) changed: combine again
                change = apply_selection(self.doc.mask, selection, mode)
            self.last_seconds = time.perf_counter() - started
            if empty and selection.is_empty:
                self.show_info(f"{empty} ({self.last_seconds:.2f} s).")
                return
            if change is None:
                self.show_info(f"{title}: the mask did not change ({self.last_seconds:.2f} s).")
                return
            text = f"{title}{MODE_TEXT.get(mode, '')}"
            if not self._land_in_worker(change, text):
                self.doc.record_edit(MaskPatch(change.rect, change.before, change.after), text,
                                     apply=True)  # fmt: skip
            count = selection.pixel_count
            self.show_info(f"{text}: {_megapixels(count)} selected ({self.last_seconds:.2f} s).")

        def failed(message: str) -> None:
            self.busy = False
            self.show_error(message)

        self.runner.in_thread(work, on_done=done, on_error=failed)
        return True

    def _land_in_worker(self, change: MaskChange, text: str) -> bool:
        """On a large mask, write ``change`` through the document's mask worker (the undo
        record of the tiles it overlaps, the overlay levels and the edge are worked out
        there): writing and redrawing a selection the size of a 100 MP photo on the UI
        thread stalled the window for 120-270 ms. False on a small mask (the caller
        writes it at once)."""
        work = self.doc.mask_work
        if not work.handles():
            return False
        return work.edit(lambda _mask: [(change.rect, change.after)], text)

    def wand_at(self, point: QPointF, add: bool = False, subtract: bool = False) -> bool:
        """Magic wand at a source point (the canvas click; Shift adds, Alt subtracts)."""
        image = self.doc.image
        if image is None:
            return False
        x, y = point.x(), point.y()
        h, w = image.shape[:2]
        if not (0 <= x < w and 0 <= y < h):
            self.show_info("Click on the photo to pick the colour to select.")
            return False
        tolerance = self.tolerance.value()
        contiguous = not self.global_box.isChecked()
        seed = image[int(y), int(x)]
        self.last_seed = (int(seed[0]), int(seed[1]), int(seed[2])) if seed.size >= 3 else None

        def compute(pixels: np.ndarray) -> Selection:
            return magic_wand(pixels, x, y, tolerance=tolerance, contiguous=contiguous)

        return self._run("Magic wand", compute, mode_for(add, subtract))

    def box_at(self, rect: QRectF, add: bool = False, subtract: bool = False) -> bool:
        """Object from a box of source pixels (the canvas drag)."""
        image = self.doc.image
        if image is None:
            return False
        h, w = image.shape[:2]
        x0, y0 = max(0, int(rect.left())), max(0, int(rect.top()))
        x1, y1 = min(w, int(np.ceil(rect.right()))), min(h, int(np.ceil(rect.bottom())))
        if x1 - x0 < 2 or y1 - y0 < 2:
            self.show_info("Drag the box over the photo, around the object.")
            return False
        box = (x0, y0, x1, y1)

        def compute(pixels: np.ndarray) -> Selection:
            return object_from_box(pixels, box).selection

        return self._run("Object from a box", compute, mode_for(add, subtract))

    def mask_from_difference(self) -> bool:
        """The selected variant's changes outside the mask it was made with (its leak)
        become the mask: one undo step."""
        chosen = self.results.selected()
        record = self.doc.jobs.get(chosen[0]) if chosen else None
        if chosen is None or record is None or chosen[1] >= len(record.variants):
            self.show_info("Select a variant first (click its thumbnail).")
            return False
        image = self.doc.image
        original = record.source if record.source is not None else image
        if image is None or original is None or original.shape[:2] != image.shape[:2]:
            self.show_error(
                "That variant was made from another photo; show its source (Alt+Left) first."
            )
            return False
        index, outside = chosen[1], record.mask

        def compute(_pixels: np.ndarray) -> Selection:  # worker thread: the whole variant
            return difference_mask(original, record.full(index), outside=outside)

        name = f"variant {chosen[1] + 1} of #{chosen[0]}"
        nothing = f"The {name} changed nothing outside its mask: the mask is kept"
        return self._run(f"Mask from {name}", compute, "replace", nothing)

    def colour_range_dialog(self) -> None:
        """Colour range: a colour, a fuzziness slider, a live preview (dialog)."""
        from editor.ui.window.colour_range import open_colour_range

        open_colour_range(self)


def _megapixels(count: int) -> str:
    return f"{count / 1e6:.1f} MP" if count >= 100_000 else f"{count:,} px"


def _int_pref(key: str, default: int, lo: int, hi: int) -> int:
    try:
        value = int(float(prefs.get_str(key, str(default))))
    except ValueError:
        return default
    return min(hi, max(lo, value))
