"""CanvasView: shows the photo with its mask and paints the mask at source resolution.

A plain QWidget that paints itself rather than a QAbstractScrollArea: the view is a
free zoom/pan transform (``Viewport``) over an image that may be panned half a screen
past its edges, like Photoshop and Krita; scroll bars would add a second source of
truth for the offset and nothing the user needs. Each paint draws only the source
rectangle under the exposed widget area, so a stroke repaints a brush-sized patch.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from editor.core.document import Document
from editor.core.mask_history import Rect

from .background import CanvasWorkMixin
from .banner import paint_banner
from .brush import MaskStroke
from .input import CanvasInputMixin
from .lasso import LassoPath
from .opening_preview import OpeningPreviewMixin
from .outline import paint_brush_outline, paint_lasso
from .overlay import (
    DEFAULT_OVERLAY_COLOR,
    DEFAULT_OVERLAY_OPACITY,
    EdgeLayer,
    MaskOverlay,
    PhotoLayer,
    level_index,
)
from .painting import BACKGROUND as _BACKGROUND
from .painting import CanvasPaintMixin
from .tools import CanvasToolsMixin, OverlayMode, Tool
from .undo import MaskPatch, MaskUndoStack
from .viewport import Viewport, clamp_zoom, next_zoom_step
from .zoomed import ZoomedLayers


class CanvasView(
    OpeningPreviewMixin,
    CanvasToolsMixin,
    CanvasInputMixin,
    CanvasWorkMixin,
    CanvasPaintMixin,
    QWidget,
):
    """Photo + mask view with brush, eraser and lasso; the mask is a live numpy array."""

    mask_edited = Signal(QRect)  # source rectangle, after each stroke / operation / undo
    view_changed = Signal()
    zoom_changed = Signal(float)
    cursor_moved = Signal(QPoint)  # source pixel under the pointer
    brush_changed = Signal()
    image_changed = Signal()  # after set_image: another photo and/or mask is shown
    status_hint = Signal(str)  # a line for the status bar (how the lasso works now)
    variant_closed = Signal()  # the canvas went back from a variant to the photo
    _work_arrived = Signal()  # a worker finished a full-mask job (emitted in the worker)

    def __init__(self, parent: QWidget | None = None, document: Document | None = None) -> None:
        super().__init__(parent)
        # the document owns the mask and its undo steps; the canvas shows and paints it
        self.document = document if document is not None else Document()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMinimumSize(64, 64)
        self.undo_stack = MaskUndoStack(self.document.history, self, self.document.mask_work)
        self._vp = Viewport()
        self._photo: PhotoLayer | None = None
        self._overlay: MaskOverlay | None = None
        self._edges = EdgeLayer()
        self._zoomed = ZoomedLayers()  # photo and overlay at widget pixels, zoomed in
        self._fit_mode = True
        self._tool: Tool = "brush"
        self._brush_size = 60.0
        self._hardness = 1.0
        self._pressure_enabled = True
        self._overlay_color = QColor(DEFAULT_OVERLAY_COLOR)
        self._overlay_opacity = DEFAULT_OVERLAY_OPACITY
        self._overlay_mode: OverlayMode = "overlay"
        self._stroke: MaskStroke | None = None
        self._cursor_drawn: tuple[float, float, float, float] | None = None  # at last paint
        self._pending_box = QRect()  # what is to be repainted, as one rectangle
        self._last_stroke_end: tuple[float, float] | None = None
        self._lasso = LassoPath()
        self._variant: PhotoLayer | None = None  # a result shown in place of the photo
        self._variant_label = ""
        self._init_input()
        self._init_work()
        self.document.on_image.append(self._on_document_image)
        self.document.on_mask.append(self._on_document_mask)
        listeners = (self._on_document_image, self._on_document_mask, self._after_worker_write)
        self.destroyed.connect(lambda _o=None, d=self.document, f=listeners: _detach(d, f))

    @property
    def _image(self) -> np.ndarray | None:
        return self.document.image

    @property
    def _mask(self) -> np.ndarray | None:
        return self.document.mask

    # --- document ------------------------------------------------------------------
    def set_image(self, image: np.ndarray, mask: np.ndarray | None = None) -> None:
        """Show ``image`` (H x W x 3/4 uint8) with ``mask`` (H x W uint8, kept as the live
        mask, not copied when contiguous) or an empty mask; clears the undo steps."""
        self._end_stroke()
        self.document.set_image(image, mask)

    def _on_document_image(self) -> None:
        """The document has another image or mask array: wrap it (no copy) and fit."""
        image, mask = self.document.image, self.document.mask
        if image is None or mask is None:
            return
        self._end_stroke()
        self._lasso.clear()
        self.show_variant(None)
        quick = self.take_opening_preview(image.shape)  # shown until the levels are in
        self._photo = PhotoLayer(image, background=True, quick=quick)  # levels: a worker
        self._photo.when_built(self.update)
        self._overlay = self._overlay_for(mask)
        self._last_stroke_end = None
        h, w = image.shape[:2]
        same_size = self._vp.image_size == QSize(w, h)
        self._vp.image_size = QSize(w, h)
        if self.document.switching_source and same_size and not self._fit_mode:
            self._view_changed()  # another source of the same photo: keep the view
        else:
            self.zoom_fit()
        self.image_changed.emit()

    def _on_document_mask(self, rect: Rect) -> None:
        x0, y0, x1, y1 = rect
        qrect = QRect(x0, y0, x1 - x0, y1 - y0)
        self._mask_region_changed(qrect)
        self.mask_edited.emit(qrect)

    def image(self) -> np.ndarray | None:
        """The photo shown (the array given to ``set_image``)."""
        return self._image

    def mask(self) -> np.ndarray | None:
        """The live mask array (H x W uint8, 255 = edit); change it through ``apply_mask``
        (one undo step, redrawn), not in place."""
        return self._mask

    def has_image(self) -> bool:
        """True once an image is shown."""
        return self._image is not None

    def apply_mask(self, new_mask: np.ndarray, text: str) -> bool:
        """Replace the mask by ``new_mask`` as one undo step named ``text`` (stores only the
        bounding rectangle of changed pixels). Returns False when nothing changed."""
        self._end_stroke()
        return self.document.apply_mask(new_mask, text)

    # --- a variant shown large -----------------------------------------------------------
    def show_variant(self, layer: PhotoLayer | None, label: str = "") -> None:
        """Show ``layer`` (a result, full size, the photo's size) in place of the photo,
        with the mask's outline and ``label`` in a banner; None shows the photo again."""
        if layer is None and self._variant is None:
            return
        if layer is not None:
            size = layer.levels[0].size()
            if size != self._vp.image_size:
                raise ValueError(f"a variant of {size} on a photo of {self._vp.image_size}")
        self._variant, self._variant_label = layer, label if layer is not None else ""
        self._view_changed(zoomed=False)
        if layer is None:
            self.variant_closed.emit()

    def shown_variant(self) -> str | None:
        """The label of the variant shown in place of the photo, or None."""
        return self._variant_label if self._variant is not None else None

    # --- view ------------------------------------------------------------------------
    def zoom(self) -> float:
        """Widget pixels per source pixel."""
        return self._vp.zoom

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the source point under widget point ``anchor`` (default: centre)."""
        if anchor is None:
            anchor = QPointF(self.width() / 2, self.height() / 2)
        self._fit_mode = False
        self._vp.zoom_about(clamp_zoom(zoom), QPointF(anchor))
        self._view_changed()

    def zoom_in(self) -> None:
        """Next preset zoom step up."""
        self.set_zoom(next_zoom_step(self._vp.zoom, +1))

    def zoom_out(self) -> None:
        """Next preset zoom step down."""
        self.set_zoom(next_zoom_step(self._vp.zoom, -1))

    def zoom_fit(self) -> None:
        """Show the whole image (and keep fitting when the widget is resized)."""
        self._vp.view_size = self.size()
        c = QPointF(self._vp.image_size.width() / 2, self._vp.image_size.height() / 2)
        self._vp.set_view(self._vp.fit_zoom(), c)
        self._fit_mode = True
        self._view_changed()

    def zoom_100(self) -> None:
        """One source pixel per widget pixel, keeping the centre."""
        self.set_view(1.0, self.center())

    def center(self) -> QPointF:
        """Source point at the middle of the widget."""
        return self._vp.center()

    def set_view(self, zoom: float, center_source_point: QPointF) -> None:
        """Show ``center_source_point`` in the middle at ``zoom`` (to sync another view)."""
        self._fit_mode = False
        self._vp.set_view(zoom, QPointF(center_source_point))
        self._view_changed()

    def map_to_source(self, p: QPointF | QPoint) -> QPointF:
        """Widget point -> source point (pixel (x, y) spans [x, x+1))."""
        return self._vp.to_source(QPointF(p))

    def map_from_source(self, p: QPointF | QPoint) -> QPointF:
        """Source point -> widget point."""
        return self._vp.from_source(QPointF(p))

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) widget pixels."""
        self._fit_mode = False
        old = QPointF(self._vp.offset)
        self._vp.pan(dx, dy)
        d = self._vp.offset - old
        ix, iy = round(d.x()), round(d.y())
        if (
            abs(d.x() - ix) > 1e-6
            or abs(d.y() - iy) > 1e-6
            or self._lasso.active()
            or self._variant is not None  # the banner must not scroll with the picture
            or (self._photo is not None and self._photo.has_alpha)
        ):
            self._view_changed(zoomed=False)
        elif ix or iy:
            # Whole-pixel pan: move what is on screen and paint only the uncovered strips.
            self._edges.scroll(ix, iy, self._mask, self._vp)
            self._zoomed.scroll(ix, iy, self._vp)
            self.scroll(ix, iy)
            self.view_changed.emit()

    def _view_changed(self, zoomed: bool = True) -> None:
        self._edges.invalidate()
        self._zoomed.invalidate()
        self.update()
        self.view_changed.emit()
        if zoomed:
            self.zoom_changed.emit(self._vp.zoom)

    def resizeEvent(self, event) -> None:
        """Keep fitting in fit mode, else keep the centre point."""
        old_center = self._vp.center()
        self._vp.view_size = self.size()
        if self._fit_mode:
            self.zoom_fit()
        else:
            self._vp.set_view(self._vp.zoom, old_center)
            self._view_changed()
        super().resizeEvent(event)

    # --- edits -------------------------------------------------------------------------
    def _push_edit(self, patch: MaskPatch, text: str, *, apply: bool) -> None:
        self.document.record_edit(patch, text, apply=apply)

    def _mask_region_changed(self, rect: QRect) -> None:
        if self._overlay is None or self._mask is None or rect.isEmpty():
            return
        if self._stroke_landing:  # the stroke's pixels were shown move by move
            self._overlay.flush()
            return
        wr = self._vp.widget_rect_of(rect)
        if not self._worker_refreshed(rect):  # a worker's edit: levels and edge done there
            if self._stroke is not None:  # the levels not drawn now: at the stroke's end
                shown = level_index(self._vp.zoom, len(self._overlay.levels))
                self._overlay.defer(rect, shown)
            else:
                self._overlay.refresh(rect)
            edges = self._edges if self._edges.valid else None
            if edges is not None and self._overlay.mask is not self._mask:  # a preview shown
                edges.update(self._mask, self._vp, wr)  # over the mask's own edge
                edges = None
            self._zoomed.mask_changed(self._overlay.mask, self._vp, wr, edges)
        self._update_rect(wr)

    # --- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the exposed part: photo level, overlay or mask, edge, lasso, brush cursor."""
        self._pending_box = QRect()
        p = QPainter(self)
        try:  # end the painter explicitly: a frame kept alive must not keep it active
            if self._paint_opening_preview(p, _BACKGROUND):
                return
            if self._photo is None or self._mask is None:
                p.fillRect(event.rect(), _BACKGROUND)
                p.setPen(QColor(170, 170, 170))
                text = "Open an image (Ctrl+O) or drop one here"
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
                return
            rects = _paint_rects(event)
            for r in rects:
                self._paint_layers(p, r)
            self._paint_lasso(p)
            self._paint_cursor(p)
            if self._variant is not None:
                paint_banner(p, self._variant_label)
        finally:
            p.end()
        if self._photo is not None:
            self._photo.start()  # its smooth levels: after this first paint

    def _paint_lasso(self, p: QPainter) -> None:
        pts = [self._vp.from_source(q) for q in self._lasso.points]
        if pts:
            if self._cursor_pos is not None and not self._lasso_dragging:
                pts.append(QPointF(self._cursor_pos))
            paint_lasso(p, pts)

    def _paint_cursor(self, p: QPainter) -> None:
        geo = self._cursor_drawn = self._cursor_geometry()
        if geo is not None:
            x, y, radius, core = geo
            paint_brush_outline(p, QPointF(x, y), radius, core)

    def _cursor_geometry(self) -> tuple[float, float, float, float] | None:
        """Centre (x, y), radius and hardness-core radius of the brush outline (widget px)."""
        pos = self._cursor_pos
        if (pos is None or self._tool not in ("brush", "eraser") or self._panning()
                or self._image is None):  # fmt: skip
            return None
        x, y = pos.x(), pos.y()
        vp = self._vp
        z = vp.zoom
        if z >= 2.0:  # dabs land on pixel centres: show the outline where the dab will be
            ox, oy = vp.offset.x(), vp.offset.y()
            x = (int((x - ox) / z) + 0.5) * z + ox
            y = (int((y - oy) / z) + 0.5) * z + oy
        radius = self._brush_size / 2 * z
        return x, y, radius, radius * self._hardness

    def _cursor_rect(self, geo: tuple[float, float, float, float] | None = None) -> QRect:
        """The widget rectangle the outline of ``geo`` (default: as it is now) covers."""
        geo = geo or self._cursor_geometry()
        if geo is None:
            return QRect()
        x, y, radius, _ = geo
        e = max(radius, 7.0) + 3
        return QRectF(x - e, y - e, 2 * e, 2 * e).toAlignedRect()

    def _update_cursor_area(self) -> None:
        self._update_rect(self._cursor_rect())

    def _update_rect(self, r: QRect) -> None:
        """Repaint ``r``, in one rectangle with what else is to be repainted where that
        costs little more (a brush move's outline before and after and its dab): Qt clips
        each image drawn to a region of several rectangles several times slower."""
        if r.isEmpty():
            return
        pending = self._pending_box
        if not pending.isEmpty():
            box = pending.united(r)
            area = pending.width() * pending.height() + r.width() * r.height()
            if box.width() * box.height() <= 1.5 * area:
                r = box
        self._pending_box = r
        self.update(r)


def _paint_rects(event: QPaintEvent) -> list[QRect]:
    """The rectangles to draw for ``event``: after a pan only thin strips are exposed,
    drawn each; overlapping ones (split into bands by Qt) as their bounding box."""
    region = event.region()
    box = event.rect()
    if region.rectCount() <= 1 or region.rectCount() > 8:
        return [box]
    rects = list(region)
    area = sum(r.width() * r.height() for r in rects)
    return [box] if box.width() * box.height() <= area * 1.25 else rects


def _detach(document: Document, listeners: tuple[object, ...]) -> None:
    """The canvas is gone: the document no longer tells it about changes."""
    for group in (document.on_image, document.on_mask, document.mask_work.after_write):
        group[:] = [f for f in group if f not in listeners]  # type: ignore[index]
    document.mask_work.notify = None
