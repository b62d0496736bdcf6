"""Mouse, pen-tablet, wheel and key handling of CanvasView (a mixin; state lives there).

- Left drag paints (brush) or erases (eraser); Shift+click draws a straight line from
  the end of the previous stroke. Middle drag or Space+left drag pans; the wheel zooms
  around the pointer.
- Pen tablets: pressure scales the brush size (switchable), the pen's eraser end
  erases, the pen never pans. With the lasso the pen is left to Qt's synthesized mouse
  events, so it behaves exactly like the mouse there.
- Lasso (Photoshop's habit): drag around the area; releasing closes it, wherever the
  drag ended. Ctrl+click adds straight-edge (polygon) points instead; once a polygon is
  started, clicks add points and drags add freehand stretches, and it closes by
  double-click, Enter, or clicking the first point (Ctrl held on a release keeps a
  freehand lasso open for more points). Alt held when it closes subtracts. Backspace
  removes the last point, Escape cancels. The status bar says which mode is on.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QCursor,
    QKeyEvent,
    QMouseEvent,
    QPointingDevice,
    QRegion,
    QTabletEvent,
    QWheelEvent,
)

from editor.core.mask_history import changed_region

from .brush import MaskStroke
from .lasso import rasterise_polygon
from .undo import MaskPatch

MIN_PRESSURE = 0.05
FREEHAND_CLOSE_DRAG = 10.0  # widget pixels a drag must travel (path length) to be freehand
LASSO_HINT = (
    "Lasso: drag around the area, release closes it; Ctrl+click adds straight-edge points; "
    "Alt subtracts."
)
POLYGON_HINT = (
    "Polygon lasso: click to add points; double-click, Enter or a click on the first point "
    "closes it; Backspace removes a point, Esc cancels."
)


class CanvasInputMixin:
    """Event handlers for CanvasView."""

    def _init_input(self) -> None:
        self._cursor_pos: QPointF | None = None
        self._pan_last: QPointF | None = None
        self._space_held = False
        self._tablet_stroke = False
        self._lasso_dragging = False
        self._lasso_press: QPointF | None = None
        self._lasso_last: QPointF | None = None
        self._lasso_travel = 0.0  # widget pixels the pointer moved during this press
        self._lasso_started_here = self._stroke_landing = False  # (a stroke being recorded)
        self._update_cursor_shape()

    # --- helpers -------------------------------------------------------------------------
    def lasso_points(self) -> int:
        """Points of the lasso in progress (0: none)."""
        return len(self._lasso.points)

    def _panning(self) -> bool:
        return self._pan_last is not None

    def _update_cursor_shape(self) -> None:
        if self._panning():
            shape = Qt.CursorShape.ClosedHandCursor
        elif self._space_held:
            shape = Qt.CursorShape.OpenHandCursor
        elif self._image is None:
            shape = Qt.CursorShape.ArrowCursor
        elif self._tool not in ("brush", "eraser"):  # lasso, wand, box
            shape = Qt.CursorShape.CrossCursor
        else:
            shape = Qt.CursorShape.BlankCursor  # the brush outline is drawn instead
        self.setCursor(QCursor(shape))

    def _set_cursor_pos(self, pos: QPointF | None) -> None:
        drawn = self._cursor_drawn  # the outline on screen: repainted without it
        if drawn is not None:
            self._update_cursor_region(drawn)
        self._cursor_pos = None if pos is None else QPointF(pos)
        self._update_cursor_region()
        if pos is not None and self._image is not None:
            s = self._vp.to_source(QPointF(pos))
            self.cursor_moved.emit(QPoint(math.floor(s.x()), math.floor(s.y())))
        if self._lasso.active():
            self.update()

    def _update_cursor_region(self, geo: tuple[float, float, float, float] | None = None) -> None:
        """Repaint the brush outline of ``geo`` (default: now): a large one zoomed out as
        its ring (zoomed in, repainting the disk's rectangle costs less than a ring)."""
        geo = geo or self._cursor_geometry()
        if geo is None:
            return
        x, y, radius, core = geo
        if radius < 48 or self._vp.zoom >= 1.0:
            self._update_rect(self._cursor_rect(geo))
            return
        region = QRegion()
        for rr in (radius, core):
            if rr <= 0:
                continue
            outer = QRectF(x - rr - 3, y - rr - 3, 2 * rr + 6, 2 * rr + 6)
            inner = QRectF(x - rr + 3, y - rr + 3, 2 * rr - 6, 2 * rr - 6)
            ring = QRegion(outer.toAlignedRect(), QRegion.RegionType.Ellipse)
            if inner.width() > 0:
                ring = ring.subtracted(QRegion(inner.toRect(), QRegion.RegionType.Ellipse))
            region = region.united(ring)
        self.update(region)

    def _radius(self, pressure: float) -> float:
        r = self._brush_size / 2
        if self._pressure_enabled:
            r *= max(MIN_PRESSURE, min(1.0, pressure))
        return r

    # --- strokes -------------------------------------------------------------------------
    def _begin_stroke(self, pos: QPointF, *, erase: bool, pressure: float, line: bool) -> None:
        if self._mask is None:
            return
        self._end_stroke()
        if self.refuse_while_busy():  # the worker owns the mask until its job ends
            return
        self._stroke = MaskStroke(self._mask, erase=erase)
        r = self._radius(pressure)
        if line and self._last_stroke_end is not None:
            lx, ly = self._last_stroke_end
            self._stroke.line_to(lx, ly, r, self._hardness)
        self._continue_stroke(pos, pressure)

    def _continue_stroke(self, pos: QPointF, pressure: float) -> None:
        if self._stroke is None:
            return
        s = self._vp.to_source(pos)
        touched = self._stroke.line_to(s.x(), s.y(), self._radius(pressure), self._hardness)
        if touched is not None:
            x0, y0, x1, y1 = touched
            self._mask_region_changed(QRect(x0, y0, x1 - x0, y1 - y0))

    def _end_stroke(self) -> None:
        stroke, self._stroke = self._stroke, None
        self._tablet_stroke = False
        if stroke is None:
            return
        self._last_stroke_end = stroke.last_point
        changed = stroke.finish()
        if changed is not None:
            text = "Eraser stroke" if stroke.erase else "Brush stroke"
            self._stroke_landing = True  # on screen already: only the levels left to do
            try:
                self._push_edit(MaskPatch(*changed), text, apply=False)
            finally:
                self._stroke_landing = False
        if self._overlay is not None:
            self._overlay.flush()

    # --- lasso -----------------------------------------------------------------------------
    def _close_lasso(self, subtract: bool) -> None:
        points = self._lasso.as_tuples()
        self.status_hint.emit(LASSO_HINT)
        self._lasso.clear()
        self._lasso_dragging = False
        self.update()
        if self._mask is None:
            return
        hit = rasterise_polygon(points, self._mask.shape)
        if hit is None:
            return
        (x0, y0, x1, y1), inside = hit
        before = self._mask[y0:y1, x0:x1]  # changed_region copies it before the mask changes
        after = before.copy()
        after[inside] = 0 if subtract else 255
        changed = changed_region(before, after, x0, y0)
        if changed is not None:
            text = "Lasso subtract" if subtract else "Lasso add"
            self._push_edit(MaskPatch(*changed), text, apply=True)

    def _lasso_press_event(self, e: QMouseEvent) -> None:
        src = self._vp.to_source(e.position())
        if self._lasso.near_start(src, self._vp.zoom):
            self._close_lasso(bool(e.modifiers() & Qt.KeyboardModifier.AltModifier))
            return
        self._lasso_started_here = not self._lasso.active()
        self._lasso.add(src)
        self._lasso_press = self._lasso_last = QPointF(e.position())
        self._lasso_travel = 0.0
        self._lasso_dragging = True

    def _lasso_moved(self, pos: QPointF) -> None:
        """Count the path a lasso drag travels (a loop back to its start still counts)."""
        if self._lasso_last is not None:
            self._lasso_travel += math.hypot(
                pos.x() - self._lasso_last.x(), pos.y() - self._lasso_last.y()
            )
            self._lasso_last = QPointF(pos)

    def _lasso_release_event(self, e: QMouseEvent) -> None:
        self._lasso_dragging = False
        press, self._lasso_press = self._lasso_press, None
        self._lasso_moved(QPointF(e.position()))
        self._lasso_last = None
        if press is None or not self._lasso.active():
            return
        mods = e.modifiers()
        if self._lasso_travel >= FREEHAND_CLOSE_DRAG:  # a freehand drag
            self._lasso.add(self._vp.to_source(e.position()))
            if self._lasso_started_here and not mods & Qt.KeyboardModifier.ControlModifier:
                self._close_lasso(bool(mods & Qt.KeyboardModifier.AltModifier))
            else:
                self.status_hint.emit(POLYGON_HINT)
        elif self._lasso_started_here and not mods & Qt.KeyboardModifier.ControlModifier:
            # a plain click is no lasso: polygons start with Ctrl+click
            self._lasso.clear()
            self.update()
            self.status_hint.emit(LASSO_HINT)
        else:
            self.status_hint.emit(POLYGON_HINT)

    # --- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, e: QMouseEvent) -> None:
        """Start painting, panning or a lasso vertex."""
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        button = e.button()
        if self._tablet_stroke or self.size_drag_press(e):
            return
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space_held
        ):
            self._pan_last = QPointF(e.position())
            self._update_cursor_shape()
            self.update()
            return
        if button != Qt.MouseButton.LeftButton or self._image is None:
            return
        self.show_variant(None)  # painting edits the photo's mask: show the photo
        if self._tool == "lasso":
            self._lasso_press_event(e)
            return
        line = bool(e.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._begin_stroke(e.position(), erase=self._tool == "eraser", pressure=1.0, line=line)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        """Continue the stroke / pan / freehand lasso; move the brush outline."""
        pos = QPointF(e.position())
        if self._pan_last is not None:
            d = pos - self._pan_last
            self._pan_last = pos
            self.pan_by(d.x(), d.y())
            return
        if self._tablet_stroke or self.size_drag_move(e):
            return
        self._set_cursor_pos(pos)
        if self._stroke is not None:
            self._continue_stroke(pos, 1.0)
        elif self._lasso_dragging and e.buttons() & Qt.MouseButton.LeftButton:
            self._lasso_moved(pos)
            if self._lasso.add_freehand(self._vp.to_source(pos), self._vp.zoom):
                self.update()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        """End the stroke / pan / freehand lasso."""
        if self.size_drag_release(e):
            return
        if self._pan_last is not None and e.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_last = None
            self._update_cursor_shape()
            self._set_cursor_pos(QPointF(e.position()))
            return
        if e.button() != Qt.MouseButton.LeftButton or self._tablet_stroke:
            return
        if self._stroke is not None:
            self._continue_stroke(QPointF(e.position()), 1.0)
            self._end_stroke()
        elif self._tool == "lasso":
            self._lasso_release_event(e)

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        """Double-click closes the lasso."""
        if self._tool == "lasso" and e.button() == Qt.MouseButton.LeftButton:
            self._lasso_press = self._lasso_last = None
            self._lasso_dragging = False
            if not self._lasso.active():
                return  # a double-click is no lasso of its own
            # Qt 6 sends press + double-click; QTest and some platforms only the latter
            src = self._vp.to_source(e.position())
            pts = self._lasso.points
            if pts and math.hypot(src.x() - pts[-1].x(), src.y() - pts[-1].y()) * self._vp.zoom > 2:
                self._lasso.add(src)
            if len(self._lasso.points) >= 3:
                self._close_lasso(bool(e.modifiers() & Qt.KeyboardModifier.AltModifier))
            return
        self.mousePressEvent(e)

    def leaveEvent(self, e: QEvent) -> None:
        """Hide the brush outline when the pointer leaves."""
        self._set_cursor_pos(None)
        super().leaveEvent(e)

    def wheelEvent(self, e: QWheelEvent) -> None:
        """Zoom around the pointer (one notch = x1.19)."""
        dy = e.angleDelta().y()
        if dy == 0 or self._image is None:
            e.ignore()
            return
        self.set_zoom(self._vp.zoom * 2.0 ** (dy / 480.0), e.position())
        e.accept()

    # --- tablet --------------------------------------------------------------------------
    def tabletEvent(self, e: QTabletEvent) -> None:
        """Pen: paint with pressure; eraser end erases; never pans."""
        if self._tool == "lasso" or self._image is None:
            e.ignore()  # Qt then sends synthesized mouse events
            return
        pos = QPointF(e.position())
        pressure = e.pressure()
        t = e.type()
        if t == QEvent.Type.TabletPress:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.show_variant(None)
            erase = e.pointerType() == QPointingDevice.PointerType.Eraser or self._tool == "eraser"
            line = bool(e.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._begin_stroke(pos, erase=erase, pressure=pressure, line=line)
            self._tablet_stroke = True
        elif t == QEvent.Type.TabletMove:
            self._set_cursor_pos(pos)
            if self._tablet_stroke and self._stroke is not None:
                self._continue_stroke(pos, pressure)
        elif t == QEvent.Type.TabletRelease and self._tablet_stroke:
            self._end_stroke()
        e.accept()

    # --- keys ------------------------------------------------------------------------------
    def event(self, e: QEvent) -> bool:
        """Enter, Backspace and Escape belong to a lasso in progress, not to window
        shortcuts (Escape also leaves the variant view)."""
        if e.type() == QEvent.Type.ShortcutOverride and self._lasso.active():
            key = e.key()  # type: ignore[attr-defined]
            if key in (
                Qt.Key.Key_Escape,
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
                Qt.Key.Key_Backspace,
            ):
                e.accept()
                return True
        return super().event(e)  # type: ignore[misc]

    def keyPressEvent(self, e: QKeyEvent) -> None:
        """Space (hold) pans; Enter / Backspace / Escape finish, edit or cancel a lasso."""
        key = e.key()
        if key == Qt.Key.Key_Space:
            if not e.isAutoRepeat():
                self._space_held = True
                self._update_cursor_shape()
                self._update_cursor_region()
            return
        if key == Qt.Key.Key_Escape and self._variant is not None and not self._lasso.active():
            self.show_variant(None)
            return
        if self._lasso.active():
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._close_lasso(bool(e.modifiers() & Qt.KeyboardModifier.AltModifier))
                return
            if key == Qt.Key.Key_Escape:
                self._lasso.clear()
                self.update()
                self.status_hint.emit("Lasso cancelled. " + LASSO_HINT)
                return
            if key == Qt.Key.Key_Backspace:
                self._lasso.undo_point()
                self.update()
                return
        super().keyPressEvent(e)

    def keyReleaseEvent(self, e: QKeyEvent) -> None:
        """Releasing Space ends pan mode."""
        if e.key() == Qt.Key.Key_Space and not e.isAutoRepeat():
            self._space_held = False
            self._update_cursor_shape()
            self._update_cursor_region()
            return
        super().keyReleaseEvent(e)

    def focusOutEvent(self, e) -> None:
        """A Space released while another widget has focus must not leave pan mode on."""
        self._space_held = False
        self._update_cursor_shape()
        super().focusOutEvent(e)
