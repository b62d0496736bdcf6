"""Tool and overlay settings of CanvasView (a mixin; the state lives in the view)."""

from __future__ import annotations

from typing import Literal

from PySide6.QtGui import QColor

Tool = Literal["brush", "eraser", "lasso", "wand", "box"]
SELECTION_TOOLS = ("wand", "box")  # click / drag tools handled by canvas/selecttools.py
OverlayMode = Literal["overlay", "mask", "hidden"]
OVERLAY_MODES: tuple[OverlayMode, ...] = ("overlay", "mask", "hidden")
MIN_BRUSH, MAX_BRUSH = 1.0, 5000.0
HARDNESS_STEP = 0.25


class CanvasToolsMixin:
    """Brush, eraser, lasso and overlay settings."""

    # --- history -------------------------------------------------------------------------
    def stroke_active(self) -> bool:
        """True while a brush/eraser stroke is being drawn (button or pen still down)."""
        return self._stroke is not None

    def undo(self) -> bool:
        """Undo one step; ignored (False) in the middle of a stroke, whose undo step is
        only recorded when it ends."""
        if self.stroke_active() or not self.undo_stack.canUndo():
            return False
        self.undo_stack.undo()
        return True

    def redo(self) -> bool:
        """Redo one step; ignored (False) in the middle of a stroke."""
        if self.stroke_active() or not self.undo_stack.canRedo():
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

    # --- overlay ---------------------------------------------------------------------
    def set_overlay_color(self, color: QColor) -> None:
        """Colour of the mask overlay (opacity is separate)."""
        self._overlay_color = QColor(color)
        if self._overlay is not None:
            self._overlay.set_color(self._overlay_color)
        self.update()

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
