"""How the canvas paints its layers into an exposed rectangle (mixed into CanvasView).

Zoomed in, the photo and the overlay are copied from widget-sized buffers sampled once
per view (``zoomed``); zoomed out, the photo's smooth-scaled level is drawn once per
view into a widget-sized image too, and the overlay (which strokes change) is drawn
from its own levels through the view's transform; the mask's dashed edge comes from
its own widget-sized cache.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QColor, QPainter, QTransform

from .banner import checker_brush
from .photo_layer import PhotoLayer

if TYPE_CHECKING:
    import numpy as np

    from .overlay import EdgeLayer, MaskOverlay
    from .viewport import Viewport
    from .zoomed import ZoomedLayers

BACKGROUND = QColor(48, 48, 48)


class CanvasPaintMixin:
    """``_paint_layers`` of CanvasView (see the module text)."""

    _vp: Viewport
    _photo: PhotoLayer | None
    _variant: PhotoLayer | None
    _overlay: MaskOverlay | None
    _edges: EdgeLayer
    _zoomed: ZoomedLayers
    _overlay_mode: str
    _overlay_opacity: float
    _mask: np.ndarray | None  # a property of CanvasView: the document's mask

    def _paint_layers(self, p: QPainter, r: QRect) -> None:
        vp = self._vp
        if self._paint_zoomed(p, r):
            return
        photo = self._variant or self._photo
        if isinstance(photo, PhotoLayer) and not photo.showable(vp.zoom):
            p.fillRect(r, BACKGROUND)  # its quick level is a moment away (a worker's)
            return
        cached = isinstance(photo, PhotoLayer) and not photo.has_alpha
        if not cached:  # (the cached photo is drawn on the background: it covers r)
            p.fillRect(r, BACKGROUND)
        src = vp.visible_source_rect(r)
        if src.isEmpty() or photo is None or self._mask is None:
            if cached:
                p.fillRect(r, BACKGROUND)
            return
        srcf = QRectF(src)
        if photo.has_alpha:
            p.fillRect(vp.rect_from_source(srcf).intersected(QRectF(r)), checker_brush())
        if cached:  # zoomed out: the smooth-scaled photo, drawn once per view
            level = photo.level_for(vp.zoom)[0]
            render = partial(self._draw_photo, photo)
            p.drawImage(r.topLeft(), self._zoomed.scaled_photo(level, vp, render), r)
        p.save()
        p.setClipRect(r)
        p.setTransform(QTransform(vp.zoom, 0, 0, vp.zoom, vp.offset.x(), vp.offset.y()))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, vp.zoom < 1.0)
        if not cached:
            photo.draw(p, src, vp.zoom)
        variant = self._variant is not None  # the result as it is: only the mask's outline
        overlay = self._overlay
        if overlay is not None and self._overlay_mode == "overlay" and overlay.empty:
            overlay = None  # nothing to draw (a new photo's empty mask)
        scaled = self._scaled_overlay_shown(vp.zoom)
        if (
            scaled is None
            and overlay is not None
            and self._overlay_mode != "hidden"
            and not variant
        ):
            if self._overlay_mode == "overlay":
                p.setOpacity(self._overlay_opacity)
            overlay.draw(p, src, vp.zoom, as_mask=self._overlay_mode == "mask")
        p.restore()
        if scaled is not None:  # zoomed out: drawn once per view, as the photo is
            image = self._zoomed.scaled_overlay(scaled, vp, self._overlay_opacity)
            p.drawImage(r.topLeft(), image, r)
        if self._overlay_mode == "overlay" or variant:
            self._paint_edges(p, r)

    def _scaled_overlay_shown(self, zoom: float) -> MaskOverlay | None:
        """The overlay when the view at ``zoom`` shows it from the zoomed-out buffer
        (``ZoomedLayers.scaled_overlay``: the colour overlay over an opaque photo, below
        100 %), else None. A worker asks too, to sample that buffer ahead of the paint."""
        overlay, photo = self._overlay, self._photo
        if (overlay is None or overlay.empty or zoom >= 1.0 or self._overlay_mode != "overlay"
                or self._variant is not None
                or not isinstance(photo, PhotoLayer) or photo.has_alpha):  # fmt: skip
            return None
        return overlay

    def _paint_edges(self, p: QPainter, r: QRect) -> None:
        """The mask's dashed edge (its cache built for this view first if need be)."""
        assert self._mask is not None
        overlay = self._overlay
        blank = overlay is not None and overlay.empty and overlay.mask is self._mask
        self._edges.ensure(self._mask, self._vp, blank)
        if self._edges.image is not None:
            p.drawImage(r.topLeft(), self._edges.image, r)

    def _draw_photo(self, photo: PhotoLayer, p: QPainter, clip: QRect) -> None:
        """Draw ``photo`` as the view shows it into widget rectangle ``clip`` of ``p``."""
        vp = self._vp
        p.fillRect(clip, BACKGROUND)
        src = vp.visible_source_rect(clip)
        if src.isEmpty():
            return
        p.setClipRect(clip)
        p.setTransform(QTransform(vp.zoom, 0, 0, vp.zoom, vp.offset.x(), vp.offset.y()))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, vp.zoom < 1.0)
        photo.draw(p, src, vp.zoom)

    def _paint_zoomed(self, p: QPainter, r: QRect) -> bool:
        """Zoomed in on an opaque photo: copy the exposed rectangle from the widget-sized
        photo and overlay buffers (``zoomed``), unscaled. False where that does not
        apply (zoomed out, a transparent photo, the mask shown in grey)."""
        photo = self._variant or self._photo
        variant = self._variant is not None
        mode = self._overlay_mode
        if (self._vp.zoom < 1.0 or not isinstance(photo, PhotoLayer)
                or photo.array.shape[2:] != (3,)
                or self._overlay is None
                or self._mask is None or (mode == "mask" and not variant)):  # fmt: skip
            return False
        p.drawImage(r.topLeft(), self._zoomed.photo_image(photo.array, photo, self._vp), r)
        if mode == "overlay" and not variant:
            overlay = self._overlay
            lut = overlay.faded_lut(self._overlay_opacity)  # the opacity in the colours
            p.drawImage(r.topLeft(), self._zoomed.overlay_image(overlay.mask, lut, self._vp), r)
        if mode == "overlay" or variant:
            self._paint_edges(p, r)
        return True
