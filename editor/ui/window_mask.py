"""Window behaviour for painting: tools, mask operations, overlay, zoom, mask files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QColorDialog, QFileDialog, QInputDialog

from editor.ui import prefs
from editor.ui.settings import OVERLAY_COLOR, OVERLAY_OPACITY, overlay_color, overlay_opacity

if TYPE_CHECKING:
    from editor.ui.window import MainWindow

    _Base = MainWindow
else:
    _Base = object

REGION_COUNT_DELAY_MS = 250
MASK_FILTER = "PNG mask (*.png);;Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp)"


class MaskMixin(_Base):
    """Tools and mask operations; every change goes through canvas.apply_mask (undoable)."""

    _mask_amount = 8
    _doc_generation = 0  # bumped whenever the canvas gets another image
    _region_seq = 0

    def _init_region_count(self) -> None:
        """Count the mask's separate regions (off the UI thread, after a short pause):
        the offline fill's expected time follows them."""
        self._regions_timer = QTimer(self)
        self._regions_timer.setSingleShot(True)
        self._regions_timer.setInterval(REGION_COUNT_DELAY_MS)
        self._regions_timer.timeout.connect(self._count_regions)
        self.canvas.mask_edited.connect(lambda _rect: self._regions_timer.start())
        self.canvas.image_changed.connect(self._regions_timer.start)

    def _count_regions(self) -> None:
        from editor.core.fill import region_boxes

        mask = self.canvas.mask()
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
        self.canvas.set_tool(tool)  # type: ignore[arg-type]
        self._update_actions()

    def tool_brush(self) -> None:
        self._set_tool("brush")

    def tool_eraser(self) -> None:
        self._set_tool("eraser")

    def tool_lasso(self) -> None:
        self._set_tool("lasso")

    def tool_swap(self) -> None:
        self.canvas.swap_brush_eraser()
        self._update_actions()

    def brush_bigger(self) -> None:
        self.canvas.grow_brush()

    def brush_smaller(self) -> None:
        self.canvas.shrink_brush()

    def brush_harder(self) -> None:
        self.canvas.harder()

    def brush_softer(self) -> None:
        self.canvas.softer()

    def toggle_pressure(self) -> None:
        on = self.actions_.pressure.isChecked()
        self.canvas.set_pressure_enabled(on)
        prefs.set_value("canvas/pressure", on)

    # -- mask operations ------------------------------------------------------------
    def _apply(self, new_mask: np.ndarray, text: str) -> None:
        self.canvas.apply_mask(new_mask, text)
        self.show_info(f"{text}.")

    def mask_invert(self) -> None:
        from editor.core.mask import invert

        self._apply(invert(self.canvas.mask()), "Invert mask")

    def mask_clear(self) -> None:
        from editor.core.mask import clear

        self._apply(clear(self.canvas.mask()), "Clear mask")

    def mask_fill(self) -> None:
        from editor.core.mask import fill

        self._apply(fill(self.canvas.mask()), "Fill mask")

    def mask_grow(self, px: int | None = None) -> None:
        from editor.core.mask import grow

        self._amount_op("Grow mask", px, lambda m, n: grow(m, n))

    def mask_shrink(self, px: int | None = None) -> None:
        from editor.core.mask import grow

        self._amount_op("Shrink mask", px, lambda m, n: grow(m, -n))

    def mask_feather(self, px: int | None = None) -> None:
        from editor.core.mask import feather

        self._amount_op("Feather mask", px, feather)

    def _amount_op(
        self, title: str, px: int | None, op: Callable[[np.ndarray, int], np.ndarray]
    ) -> None:
        """Ask for N px (unless given), run ``op`` in a worker thread, apply as one undo step."""
        if px is None:
            from editor.ui.dialogs import AmountDialog

            dialog = AmountDialog(title, "By", self._mask_amount, self)
            if not dialog.exec():
                return
            px = dialog.value()
        self._mask_amount = px
        state = (self.canvas.undo_stack.index(), self._doc_generation)
        text = f"{title} by {px} px"
        self.show_info(f"{text}…")

        def done(new_mask: np.ndarray) -> None:
            if (self.canvas.undo_stack.index(), self._doc_generation) != state:
                self.show_error(f"The mask changed while working; {title.lower()} again.")
                return
            self._apply(new_mask, text)

        self.runner.in_thread(
            op, self.canvas.mask().copy(), px, on_done=done, on_error=self.show_error
        )

    def load_mask_dialog(self, path: str | None = None) -> None:
        """Replace the mask with a file of exactly the image's size (one undo step)."""
        from editor.core.mask import load_mask

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Load mask", "", MASK_FILTER)
            if not path:
                return
        h, w = self.canvas.mask().shape[:2]
        name = Path(path).name
        self.runner.in_thread(
            load_mask,
            path,
            (h, w),
            on_done=lambda m: self._apply(m, f"Load mask {name}"),
            on_error=self.show_error,
        )

    def save_mask_dialog(self, path: str | None = None) -> None:
        """Save the mask as a PNG; the unsaved mark goes away once it is written."""
        from editor.ui.export import export_mask

        if path is None:
            suggestion = self._suggest_path("-mask.png")
            path, _ = QFileDialog.getSaveFileName(self, "Save mask", suggestion, MASK_FILTER)
            if not path:
                return
        index = self.canvas.undo_stack.index()
        mask = self.canvas.mask().copy()

        def done(written: Path) -> None:
            if self.canvas.undo_stack.index() == index:
                self.canvas.undo_stack.setClean()
            self.show_info(f"Saved the mask to {written}.")

        self.runner.in_thread(export_mask, mask, path, on_done=done, on_error=self.show_error)

    def _suggest_path(self, suffix: str) -> str:
        if self._path:
            p = Path(self._path)
            return str(p.with_name(p.stem + suffix))
        return "image" + suffix

    # -- view -----------------------------------------------------------------------
    def zoom_in(self) -> None:
        self.canvas.zoom_in()

    def zoom_out(self) -> None:
        self.canvas.zoom_out()

    def zoom_fit(self) -> None:
        self.canvas.zoom_fit()

    def zoom_100(self) -> None:
        self.canvas.zoom_100()

    def overlay_cycle(self) -> None:
        self.canvas.cycle_overlay_mode()

    def overlay_color_dialog(self, color: Any = None) -> None:
        color = color or QColorDialog.getColor(overlay_color(), self, "Mask overlay colour")
        if color.isValid():
            prefs.set_value(OVERLAY_COLOR, color.name())
            self.canvas.set_overlay_color(color)

    def overlay_opacity_dialog(self, percent: int | None = None) -> None:
        if percent is None:
            value, ok = QInputDialog.getInt(
                self, "Overlay opacity", "Opacity (%)", round(overlay_opacity() * 100), 5, 100
            )
            if not ok:
                return
            percent = value
        prefs.set_value(OVERLAY_OPACITY, percent / 100)
        self.canvas.set_overlay_opacity(percent / 100)

    def _apply_overlay_prefs(self) -> None:
        self.canvas.set_overlay_color(overlay_color())
        self.canvas.set_overlay_opacity(overlay_opacity())
        pressure = prefs.get_str("canvas/pressure", "true").lower() != "false"
        self.actions_.pressure.setChecked(pressure)
        self.canvas.set_pressure_enabled(pressure)
