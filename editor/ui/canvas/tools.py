"""Tool and overlay settings of CanvasView (a mixin; the state lives in the view)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QMouseEvent

from .overlay import MaskOverlay

Tool = Literal["brush", "eraser", "lasso", "wand", "box"]
SELECTION_TOOLS = ("wand", "box")  # click / drag tools handled by canvas/selecttools.py
OverlayMode = Literal["overlay", "mask", "hidden"]
OVERLAY_MODES: tuple[OverlayMode, ...] = ("overlay", "mask", "hidden")
MIN_BRUSH, MAX_BRUSH = 1.0, 5000.0
HARDNESS_STEP = 0.25
DEFAULT_BRUSH_FRACTION = 0.02  # a new photo's brush: 2 % of its short edge
MIN_DEFAULT_BRUSH = 8.0


def default_brush_size(width: int, height: int) -> float:
    """Brush diameter for a newly opened photo: about 2 % of its short edge, rounded to a
    figure a person would type (60 px on a 3000 px photo, 80 px on 24 MP)."""
    px = max(MIN_DEFAULT_BRUSH, min(width, height) * DEFAULT_BRUSH_FRACTION)
    step = 1 if px < 20 else 5 if px < 100 else 10
    return float(min(MAX_BRUSH, round(px / step) * step))


def is_size_drag(e: QMouseEvent) -> bool:
    """Alt + right button (Photoshop on Windows) or Ctrl+Alt + left button (Photoshop on
    macOS, and where the window manager keeps Alt+drag for itself) resizes the brush."""
    mods = e.modifiers()
    alt = bool(mods & Qt.KeyboardModifier.AltModifier)
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    if e.button() == Qt.MouseButton.RightButton:
        return alt
    return e.button() == Qt.MouseButton.LeftButton and alt and ctrl


class CanvasToolsMixin:
    """Brush, eraser, lasso and overlay settings."""

    _size_drag: tuple[float, float] | None = None  # pointer x and brush size at the press
    _live_overlay: MaskOverlay | None = None  # the mask's overlay, while a preview is shown
    _preview_overlay: MaskOverlay | None = None
    _preview_changes = 0  # the document's mask edits when the preview began

    # --- history -------------------------------------------------------------------------
    def stroke_active(self) -> bool:
        """True while a brush/eraser stroke is being drawn (button or pen still down)."""
        return self._stroke is not None

    def undo(self) -> bool:
        """Undo one step; ignored (False) in the middle of a stroke, whose undo step is
        only recorded when it ends."""
        if self.stroke_active() or not self.undo_stack.canUndo() or self.refuse_while_busy():
            return False
        self.undo_stack.undo()
        return True

    def redo(self) -> bool:
        """Redo one step; ignored (False) in the middle of a stroke."""
        if self.stroke_active() or not self.undo_stack.canRedo() or self.refuse_while_busy():
            return False
        self.undo_stack.redo()
        return True

    # --- tools ---------------------------------------------------------------------------
    def set_tool(self, tool: Tool) -> None:
        """Select 'brush', 'eraser', 'lasso', 'wand' (magic wand) or 'box' (object)."""
        if tool not in ("brush", "eraser", "lasso", *SELECTION_TOOLS):
            raise ValueError(f"unknown tool {tool!r}")
        if tool != self._tool:
            self._end_stroke()
            self._lasso.clear()
            self._tool = tool
            self._update_cursor_shape()
            self.update()
            self.brush_changed.emit()

    def tool(self) -> Tool:
        """The current tool."""
        return self._tool

    def swap_brush_eraser(self) -> None:
        """X: brush <-> eraser (from the lasso, back to the brush)."""
        self.set_tool("eraser" if self._tool == "brush" else "brush")

    def set_brush_size(self, px: float) -> None:
        """Brush diameter in source pixels (1..5000)."""
        px = float(min(MAX_BRUSH, max(MIN_BRUSH, px)))
        if px != self._brush_size:
            self._update_cursor_area()
            self._brush_size = px
            self._update_cursor_area()
            self.brush_changed.emit()

    def brush_size(self) -> float:
        """Brush diameter in source pixels."""
        return self._brush_size

    def size_drag_press(self, e: QMouseEvent) -> bool:
        """Start resizing the brush by dragging (True when this press does that): the
        outline stays where the drag began and its edge follows the pointer."""
        if self._tool == "lasso" or self._image is None or not is_size_drag(e):
            return False
        self._end_stroke()
        if self._cursor_pos is None:
            self._set_cursor_pos(QPointF(e.position()))
        self._size_drag = (e.position().x(), self._brush_size)
        return True

    def size_drag_move(self, e: QMouseEvent) -> bool:
        """A horizontal move while resizing: right grows, left shrinks, by twice the
        distance (the diameter), in image pixels at the current zoom."""
        if self._size_drag is None:
            return False
        x0, size0 = self._size_drag
        self.set_brush_size(round(size0 + 2 * (e.position().x() - x0) / self._vp.zoom))
        return True

    def size_drag_release(self, _e: QMouseEvent) -> bool:
        """End of a brush-size drag (True when one was under way)."""
        if self._size_drag is None:
            return False
        self._size_drag = None
        return True

    def resizing_brush(self) -> bool:
        """True while the brush size is being dragged."""
        return self._size_drag is not None

    def grow_brush(self) -> None:
        """]: about 20 % larger (at least 1 px)."""
        self.set_brush_size(max(self._brush_size + 1, round(self._brush_size * 1.2)))

    def shrink_brush(self) -> None:
        """[: about 20 % smaller (at least 1 px)."""
        self.set_brush_size(min(self._brush_size - 1, round(self._brush_size / 1.2)))

    def set_hardness(self, hardness: float) -> None:
        """Edge hardness 0 (soft falloff from the centre) .. 1 (crisp edge)."""
        hardness = float(min(1.0, max(0.0, hardness)))
        if hardness != self._hardness:
            self._hardness = hardness
            self._update_cursor_area()
            self.brush_changed.emit()

    def hardness(self) -> float:
        """Edge hardness 0..1."""
        return self._hardness

    def harder(self) -> None:
        """Shift+]: hardness up 25 %."""
        self.set_hardness(round(self._hardness / HARDNESS_STEP + 1) * HARDNESS_STEP)

    def softer(self) -> None:
        """Shift+[: hardness down 25 %."""
        self.set_hardness(round(self._hardness / HARDNESS_STEP - 1) * HARDNESS_STEP)

    def set_pressure_enabled(self, enabled: bool) -> None:
        """Let pen pressure scale the brush size (on by default)."""
        if bool(enabled) != self._pressure_enabled:
            self._pressure_enabled = bool(enabled)
            self.brush_changed.emit()

    def pressure_enabled(self) -> bool:
        """True when pen pressure scales the brush size."""
        return self._pressure_enabled

    # --- view ----------------------------------------------------------------------------
    def zoom_100_at_pointer(self) -> None:
        """Ctrl+1: 100 % around the pointer when it is over the canvas (as the wheel
        zooms), else around the middle of the view."""
        pos = self._cursor_pos
        if pos is not None and self.rect().contains(pos.toPoint()):
            self.set_zoom(1.0, QPointF(pos))
        else:
            self.zoom_100()

    # --- overlay ---------------------------------------------------------------------
    def set_overlay_color(self, color: QColor) -> None:
        """Colour of the mask overlay (opacity is separate)."""
        if QColor(color) == self._overlay_color:
            return  # recolouring rebuilds the overlay buffers: not for nothing
        self._overlay_color = QColor(color)
        for overlay in (self._overlay, self._live_overlay):
            if overlay is not None:
                overlay.set_color(self._overlay_color)
        self.update()

    def set_next_overlay_color(self, color: QColor) -> None:
        """Colour for the overlay of the next image shown (the one shown keeps its own),
        so a new photo's overlay is built once in its colour, not built and recoloured."""
        self._overlay_color = QColor(color)

    def overlay_color(self) -> QColor:
        """Colour of the mask overlay."""
        return QColor(self._overlay_color)

    def set_overlay_opacity(self, opacity: float) -> None:
        """Opacity 0..1 of the overlay where the mask is 255."""
        self._overlay_opacity = float(min(1.0, max(0.0, opacity)))
        self.update()

    def overlay_opacity(self) -> float:
        """Opacity of the overlay."""
        return self._overlay_opacity

    def set_overlay_mode(self, mode: OverlayMode) -> None:
        """'overlay' (colour + dashed edge over the photo), 'mask' (the mask alone, white =
        edit, exactly the pixels sent) or 'hidden'."""
        if mode not in OVERLAY_MODES:
            raise ValueError(f"unknown overlay mode {mode!r}")
        self._overlay_mode = mode
        self.update()

    def overlay_mode(self) -> OverlayMode:
        """The current overlay mode."""
        return self._overlay_mode

    def cycle_overlay_mode(self) -> OverlayMode:
        """overlay -> mask -> hidden -> overlay; returns the new mode."""
        i = OVERLAY_MODES.index(self._overlay_mode)
        self.set_overlay_mode(OVERLAY_MODES[(i + 1) % len(OVERLAY_MODES)])
        return self._overlay_mode

    def _overlay_for(self, mask: np.ndarray) -> MaskOverlay:
        """The overlay of a new image's ``mask``: another source of the same photo comes
        with the mask shown, whose levels move over (no rebuilding a 100 MP pyramid); a
        new photo's mask is known blank (nothing to read)."""
        old, document = self._overlay, self.document  # type: ignore[attr-defined]
        if (document.switching_source and old is not None and self._live_overlay is None
                and old.mask.shape == mask.shape):  # fmt: skip
            new = old.adopt(mask)
            if new.color() != self._overlay_color:  # picked for this source's hues
                new.set_color(self._overlay_color)
            return new
        return MaskOverlay(mask, self._overlay_color, blank=document.mask_blank)

    # --- preview ---------------------------------------------------------------------
    def show_mask_preview(self, preview: np.ndarray | None) -> None:
        """Draw the overlay of ``preview`` (a mask of the photo's size, e.g. the mask grown
        by N px) in place of the mask's, over the mask's own dashed edge, until called
        with None. The document's mask is not touched."""
        if preview is None:
            self._end_preview()
            return
        if self._overlay is None or self._mask is None or preview.shape != self._mask.shape:
            return
        shown = self._preview_overlay
        if shown is None or self._overlay is not shown:
            # a copy of the mask's overlay, then changed where the preview differs
            self._live_overlay = self._overlay
            self._preview_changes = self.document.changes
            shown = self._preview_overlay = self._overlay.clone()
            self._overlay = shown
        # only the rows and columns that differ from the mask shown are refreshed
        diff = shown.mask != preview
        rows, cols = np.flatnonzero(diff.any(axis=1)), np.flatnonzero(diff.any(axis=0))
        if rows.size:
            y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            shown.mask[y0:y1, x0:x1] = preview[y0:y1, x0:x1]
            self._mask_region_changed(QRect(int(x0), int(y0), int(x1 - x0), int(y1 - y0)))

    def mask_preview(self) -> np.ndarray | None:
        """The preview mask shown (None when the canvas shows the mask itself)."""
        shown = self._preview_overlay
        return shown.mask if shown is not None and self._overlay is shown else None

    def _end_preview(self) -> None:
        shown, live = self._preview_overlay, self._live_overlay
        self._preview_overlay = self._live_overlay = None
        if shown is not None and self._overlay is shown and live is not None:
            self._overlay = live
            if self.document.changes != self._preview_changes:  # edited meanwhile
                live.refresh_all()
            self.update()
