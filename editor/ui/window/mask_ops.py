"""Painting: tools, the brush size, mask operations (one undo step each, through the
document), mask files, overlay settings and the region count the offline fill's
estimate follows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from editor.core.document import MASK_OPS
from editor.core.fill import region_boxes  # at start-up: not on the UI thread mid-work
from editor.core.mask_import import ImportedMask, LastMask
from editor.ui import prefs
from editor.ui.canvas.overlay import contrasting_color
from editor.ui.canvas.tools import MAX_BRUSH, default_brush_size
from editor.ui.settings import (
    OVERLAY_OPACITY,
    overlay_color_choice,
    overlay_opacity,
    set_overlay_color_choice,
)
from editor.ui.window.controller import Controller
from editor.ui.window.mask_amount import (
    AmountFlow,
    maximum_amount,
    remember_amount,
    remembered_amount,
)

if TYPE_CHECKING:
    from editor.ui.window.main import MainWindow

REGION_COUNT_DELAY_MS = 250
MASK_FILTER = "PNG mask (*.png);;Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp)"


class MaskController(Controller):
    """Tools and mask operations on the document's mask."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.amount_flow: AmountFlow | None = None  # an open grow/shrink/feather dialog
        self.amount_dialog: Any = None
        self.auto_overlay: QColor | None = None  # the colour picked for this photo
        self._photo_size: tuple[int, int] | None = None
        self.last_mask = LastMask()  # the previous photo's mask, for "Reuse last mask"
        self._shown: np.ndarray | None = None  # the shown photo's mask array
        self.scale_question: QMessageBox | None = None  # the last "Scale the mask?"
        self._region_seq = 0
        # count the mask's separate regions off the UI thread, after a short pause
        self._regions_timer = QTimer(window)
        self._regions_timer.setSingleShot(True)
        self._regions_timer.setInterval(REGION_COUNT_DELAY_MS)
        self._regions_timer.timeout.connect(self._count_regions)
        self.canvas.mask_edited.connect(lambda _rect: self._regions_timer.start())
        self.canvas.image_changed.connect(self._regions_timer.start)
        self.canvas.image_changed.connect(self._photo_shown)
        # before the canvas builds the new photo's overlay: pick its automatic colour
        self.doc.on_image.insert(0, self._pick_color_for_photo)
        self.doc.on_image.append(self._keep_last_mask)

    def _pick_color_for_photo(self) -> None:
        image = self.doc.image
        if image is not None and overlay_color_choice() is None:
            self.auto_overlay = contrasting_color(image)
            self.canvas.set_next_overlay_color(self.auto_overlay)

    def _photo_shown(self) -> None:
        """Another photo (or source) is shown: a photo of another size gets a brush that
        fits it, and an automatic overlay colour is picked again from its hues."""
        image = self.doc.image
        if image is None:
            return
        h, w = image.shape[:2]
        if (w, h) != self._photo_size:
            self._photo_size = (w, h)
            self.canvas.set_brush_size(default_brush_size(w, h))
        if overlay_color_choice() is None and self.auto_overlay is not None:
            self.canvas.set_overlay_color(self.auto_overlay)  # picked as the photo came
        else:
            self._apply_overlay_color()

    def short_edge(self) -> int:
        image = self.doc.image
        return min(image.shape[:2]) if image is not None else 0

    def _count_regions(self) -> None:
        mask = self.doc.mask
        if mask is None:
            self.controls.set_mask_regions(None)
            return
        self._region_seq += 1
        seq = self._region_seq

        def counted(count: int) -> None:
            if seq == self._region_seq:
                self.controls.set_mask_regions(count)

        # the live array is only read; a stroke landing meanwhile schedules another count
        self.runner.in_thread(lambda: len(region_boxes(mask)), on_done=counted)

    # -- tools ----------------------------------------------------------------------
    def _set_tool(self, tool: str) -> None:
        dropped = self.canvas.lasso_points() if tool != self.canvas.tool() else 0
        self.canvas.set_tool(tool)  # type: ignore[arg-type]
        self.window.update_actions()
        if dropped:  # never in silence
            self.show_info(f"The lasso in progress ({dropped} points) was dropped: {tool} chosen.")

    def tool_brush(self) -> None:
        self._set_tool("brush")

    def tool_eraser(self) -> None:
        self._set_tool("eraser")

    def tool_lasso(self) -> None:
        self._set_tool("lasso")

    def tool_swap(self) -> None:
        if self.canvas.lasso_points():
            self.show_info("The lasso in progress was dropped: brush chosen.")
        self.canvas.swap_brush_eraser()
        self.window.update_actions()

    def toggle_pressure(self) -> None:
        on = self.window.actions_.pressure.isChecked()
        self.canvas.set_pressure_enabled(on)
        prefs.set_value("canvas/pressure", on)

    # -- mask operations ------------------------------------------------------------
    def op(self, name: str, px: int | None = None) -> None:
        """Run the mask operation ``name`` of ``MASK_OPS`` as one undo step: in a worker
        thread; when it takes an amount and ``px`` is not given, a dialog asks for it
        first and previews it on the canvas."""
        title, func, takes_px = MASK_OPS[name]
        if self.doc.mask is None:
            return
        if self.canvas.refuse_while_busy():
            return
        if takes_px and px is None:
            self.ask_amount(name)
            return
        text = f"{title} by {px} px" if takes_px else title
        if self.doc.mask_work.handles() or not takes_px:
            # a large mask: worked out and written in a worker (the window stays live)
            if takes_px:
                remember_amount(name, px or 0, self.short_edge())
            self.canvas.run_mask_op(name, px or 0)
            self.show_info(f"{text}.")
            return
        state = (self.doc.history.index, self.doc.generation)
        self.show_info(f"{text}…")

        def done(new_mask: np.ndarray) -> None:
            if (self.doc.history.index, self.doc.generation) != state:
                self.show_error(f"The mask changed while working; {title.lower()} again.")
                return
            self.finish_op(name, px or 0, new_mask)

        self.runner.in_thread(
            func, self.doc.mask.copy(), px, on_done=done, on_error=self.show_error
        )

    def ask_amount(self, name: str) -> None:
        """The grow / shrink / feather dialog (window-modal, so the canvas stays visible
        behind it with the preview)."""
        from editor.ui.dialogs import MaskAmountDialog

        if self.amount_flow is not None:
            self.amount_flow.dialog.raise_()
            return
        edge = self.short_edge()
        value = remembered_amount(name, edge)
        dialog = MaskAmountDialog(name, value, maximum_amount(edge), self.window)
        self.amount_dialog = dialog
        self.amount_flow = AmountFlow(self, name, dialog)
        dialog.open()
        self.amount_flow.request(value)

    def finish_op(self, name: str, px: int, new_mask: np.ndarray) -> None:
        """Apply a worked-out grow / shrink / feather as one undo step and remember ``px``."""
        remember_amount(name, px, self.short_edge())
        text = f"{MASK_OPS[name][0]} by {px} px"
        self.canvas.replace_mask(new_mask, text)  # a large mask: compared in a worker
        self.show_info(f"{text}.")

    # -- brush size -----------------------------------------------------------------
    def brush_size_dialog(self, px: int | None = None) -> None:
        """Type the brush diameter (or set ``px``)."""
        if px is None:
            from editor.ui.dialogs import BrushSizeDialog

            size = round(self.canvas.brush_size())
            dialog = BrushSizeDialog(size, int(MAX_BRUSH), self.short_edge() or None, self.window)
            if not dialog.exec():
                return
            px = dialog.value()
        self.canvas.set_brush_size(px)

    def load_mask_dialog(self, path: str | None = None) -> None:
        """Replace the mask with a file (one undo step): grayscale or an alpha channel,
        the reading used said in one line; another size of the same aspect is scaled
        after the user confirms, another aspect is refused."""
        from editor.core.mask_import import read_mask_file

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Load mask", "", MASK_FILTER)
            if not path:
                return
        assert self.doc.mask is not None
        photo = self._photo()

        def read(imported: ImportedMask) -> None:
            if self._photo() is not photo or self.doc.mask is None:
                self.show_error(f"Another photo was opened; load {imported.label} again.")
                return
            self._fit_imported(imported)

        self.runner.in_thread(read_mask_file, path, on_done=read, on_error=self.show_error)

    def _fit_imported(self, imported: ImportedMask) -> None:
        from editor.core.errors import MaskError
        from editor.core.mask_import import needs_scaling, scale_mask

        assert self.doc.mask is not None
        h, w = self.doc.mask.shape
        try:
            scale = needs_scaling(imported.size, (w, h))
        except MaskError as error:
            self.show_error(str(error))
            return
        text = f"Load mask {imported.label}"
        if not scale:
            self._apply_imported(imported.values, text, imported.reading)
            return
        mw, mh = imported.size
        if not self._ask_scale(f"{mw}x{mh}", f"{w}x{h}"):
            self.show_info(f"Mask {imported.label} not loaded: it is {mw}x{mh}, not {w}x{h}.")
            return
        photo = self._photo()
        reading = f"{imported.reading}, scaled from {mw}x{mh}"

        def scaled(values: np.ndarray) -> None:
            if self._photo() is not photo:
                self.show_error(f"Another photo was opened; load {imported.label} again.")
                return
            self._apply_imported(values, text, reading)

        self.runner.in_thread(
            scale_mask, imported.values, (w, h), on_done=scaled, on_error=self.show_error
        )

    def _photo(self) -> object:
        """The photo being edited (its first source: a variant used as source keeps it)."""
        entries = self.doc.sources.entries
        return entries[0] if entries else None

    def _ask_scale(self, mask_size: str, photo_size: str) -> bool:
        std = QMessageBox.StandardButton
        box = QMessageBox(self.window)
        box.setObjectName("scale-mask")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Scale the mask?")
        box.setText(f"Scale the mask from {mask_size} to {photo_size} (aspect kept)?")
        scale = box.addButton("Scale mask", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(std.Cancel)
        box.setDefaultButton(scale)
        self.scale_question = box
        box.exec()
        return box.clickedButton() is scale

    def _apply_imported(self, values: np.ndarray, text: str, reading: str) -> None:
        self.canvas.apply_mask(values, text)
        self.show_info(f"{text} ({reading}).")

    # -- the last photo's mask ------------------------------------------------------
    def _keep_last_mask(self) -> None:
        """Another photo is shown: the one before it leaves its mask (if painted; nothing
        writes it any more: handed over uncopied) as the last mask; another source of the
        same photo (or undoing one) does not count. The source history still names the
        previous photo here (it is reset after)."""
        if self.doc.switching_source:
            return
        previous = self._shown
        entry = self.doc.sources.current
        if (previous is not None and previous is not self.doc.mask
                and not self.doc.never_painted(previous)):  # fmt: skip
            self.last_mask.hand_over(previous, entry.label if entry else "the last photo")
            checked = self.window.update_actions  # e.g. empty after all: the one before shows
            self.runner.in_thread(self.last_mask.check, on_done=lambda _: checked())
        self._shown = self.doc.mask

    def can_reuse_mask(self) -> bool:
        """A last mask of the shown photo's size exists."""
        mask = self.doc.mask
        return mask is not None and self.last_mask.fits(mask.shape)

    def reuse_hint(self) -> str:
        """The status line's hint after opening a photo of the last mask's size."""
        if not self.can_reuse_mask():
            return ""
        keys = self.window.actions_.reuse_mask.shortcuts()
        key = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else "Reuse"
        return f"{key} reuses the mask of {self.last_mask.label} (same size)."

    def reuse_last_mask(self) -> None:
        """Replace the mask with the last photo's (same size), as one undo step."""
        mask = self.doc.mask
        if mask is None or self.last_mask.values is None:
            self.show_error("No last mask yet: paint one, then open the next photo.")
            return
        if not self.last_mask.fits(mask.shape):
            h, w = mask.shape
            self.show_error(
                f"The last mask is {self.last_mask.size_text()} but this photo is {w}x{h}; "
                "load a mask instead (Ctrl+Shift+O)."
            )
            return
        text = f"Reuse the mask of {self.last_mask.label}"
        if not self.canvas.apply_mask(self.last_mask.values.copy(), text):
            self.show_info("The mask already is the last mask.")
            return
        self.show_info(f"{text}.")

    def save_mask_dialog(self, path: str | None = None) -> None:
        """Save the mask as a PNG; the unsaved mark goes away once it is written."""
        from editor.ui.export import export_mask

        if path is None:
            suggestion = self.doc.suggest_path("-mask.png")
            path, _ = QFileDialog.getSaveFileName(self.window, "Save mask", suggestion, MASK_FILTER)
            if not path:
                return
        assert self.doc.mask is not None
        history, index = self.doc.history, self.doc.history.index
        mask = self.doc.mask.copy()

        def done(written: Path) -> None:
            if history.index == index:
                history.set_clean()
            self.show_info(f"Saved the mask to {written}.")

        self.runner.in_thread(export_mask, mask, path, on_done=done, on_error=self.show_error)

    # -- overlay --------------------------------------------------------------------
    def overlay_color_dialog(self, color: Any = "ask") -> None:
        """Choose the overlay colour: a preset, a custom one, or automatic (None: a hue far
        from each photo's). ``color`` given (a QColor or None) skips the dialog."""
        if color == "ask":
            from editor.ui.dialogs import OverlayColorDialog

            image = self.doc.image
            auto = contrasting_color(image) if image is not None else None
            dialog = OverlayColorDialog(overlay_color_choice(), auto, self.window)
            if not dialog.exec():
                return
            color = dialog.choice()
        if color is not None and not QColor(color).isValid():
            return
        set_overlay_color_choice(None if color is None else QColor(color))
        self._apply_overlay_color()

    def _apply_overlay_color(self) -> None:
        chosen = overlay_color_choice()
        if chosen is None:
            image = self.doc.image
            self.auto_overlay = contrasting_color(image) if image is not None else None
            chosen = self.auto_overlay
        if chosen is not None:
            self.canvas.set_overlay_color(chosen)

    def overlay_opacity_dialog(self, percent: int | None = None) -> None:
        if percent is None:
            value, ok = QInputDialog.getInt(
                self.window,
                "Overlay opacity",
                "Opacity (%)",
                round(overlay_opacity() * 100),
                5,
                100,
            )
            if not ok:
                return
            percent = value
        prefs.set_value(OVERLAY_OPACITY, percent / 100)
        self.canvas.set_overlay_opacity(percent / 100)

    def apply_overlay_prefs(self) -> None:
        self._apply_overlay_color()
        self.canvas.set_overlay_opacity(overlay_opacity())
        pressure = prefs.get_str("canvas/pressure", "true").lower() != "false"
        self.window.actions_.pressure.setChecked(pressure)
        self.canvas.set_pressure_enabled(pressure)
