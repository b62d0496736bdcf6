"""The canvas's side of work done off the UI thread on a large photo.

- Full-mask operations and the undo / redo of them go to the document's ``MaskWork``
  (a worker thread writes the changed tiles into the mask in place). Right after the
  worker writes, and still in the worker, the overlay's smaller mask levels and the
  edge of the whole view are worked out too, and zoomed out the overlay of the whole
  view (Qt's smooth scaling of it is ~5 ms), so the UI thread only swaps the edge cache
  and the overlay in and repaints when the job ends.
- ``busy()`` says whether anything of the sort is still running (also the photo's
  display pyramid), e.g. for benchmarks and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QRect

from editor.core.document import MASK_OPS
from editor.core.mask import edge_changes
from editor.core.mask_records import TILE, Rect, Run

from .edge import edge_colours
from .photo_layer import start_pyramid_worker
from .scaled_overlay import ScaledOverlay, prepare_scaled_overlay

if TYPE_CHECKING:
    from editor.core.document import Document

    from .edge import EdgeLayer
    from .overlay import MaskOverlay, PhotoLayer
    from .viewport import Viewport
    from .zoomed import ZoomedLayers

_Fresh = tuple[Rect, tuple[float, ...], np.ndarray | None, ScaledOverlay | None]


class CanvasWorkMixin:
    """Full-mask edits in a worker, as seen from the canvas (mixed into CanvasView)."""

    document: Document
    _overlay: MaskOverlay | None
    _live_overlay: MaskOverlay | None
    _edges: EdgeLayer
    _photo: PhotoLayer | None
    _vp: Viewport
    _zoomed: ZoomedLayers
    _overlay_opacity: float
    _scaled_overlay_shown: Callable[[float], MaskOverlay | None]  # of CanvasPaintMixin
    _work_arrived: Any  # Signal() of the CanvasView
    status_hint: Any  # Signal(str) of the CanvasView
    _fresh: _Fresh | None = None

    def _init_work(self) -> None:
        work = self.document.mask_work
        work.notify = self._notify_from_worker
        work.after_write.append(self._after_worker_write)
        self._work_arrived.connect(self._finish_work)
        start_pyramid_worker()

    def _notify_from_worker(self) -> None:
        self._work_arrived.emit()  # from the worker thread: queued to the UI thread

    def _finish_work(self) -> None:
        self.document.mask_work.finish()

    def busy(self) -> bool:
        """True while work for the display or the mask runs in a worker (the photo's
        smaller levels, a full-mask operation, its undo or redo)."""
        building = self._photo is not None and self._photo.building()
        return building or self.document.mask_work.busy()

    def refuse_while_busy(self) -> bool:
        """True (and a status line) while a full-mask job runs: a stroke, undo or another
        operation would have to wait for it, which may be seconds on a huge photo."""
        text = self.document.mask_work.busy_text()
        if text:
            self.status_hint.emit(f"Still working on {text.lower()}; try again in a moment.")
        return bool(text)

    def run_mask_op(self, name: str, px: int = 0) -> bool:
        """Run ``MASK_OPS[name]`` (``px`` for grow, shrink, feather) as one undo step: in a
        worker on a large mask (the canvas shows it when done), at once on a small one.
        False when nothing changed (known at once only on a small mask)."""
        title, func, takes_px = MASK_OPS[name]
        text = f"{title} by {px} px" if takes_px else title
        if self.refuse_while_busy():
            return False
        self._end_stroke()
        work = self.document.mask_work

        def compute(mask: np.ndarray) -> np.ndarray | list[tuple[Rect, np.ndarray]]:
            changes = edge_changes(name, mask, px)  # a grow or feather: only near edges
            return func(mask, px) if changes is None else changes

        if work.edit(compute, text, invert=name == "invert"):
            return True
        return self.document.mask_op(name, px)

    def replace_mask(self, new_mask: np.ndarray, text: str) -> bool:
        """Like ``apply_mask``, but on a large mask the comparison, the undo record and the
        writing happen in a worker."""
        if self.refuse_while_busy():
            return False
        self._end_stroke()
        mask = self.document.mask
        fits = mask is not None and new_mask.shape == mask.shape and new_mask.dtype == np.uint8
        if fits and self.document.mask_work.edit(lambda _mask: new_mask, text):
            return True
        return self.document.apply_mask(new_mask, text)

    def _after_worker_write(
        self, mask: np.ndarray, rect: Rect, runs: list[Run], boxes: list[Rect]
    ) -> None:
        """In the worker, right after it wrote ``rect`` of ``mask``: the overlay's smaller
        levels there (tile by tile where the record says which tiles it wrote: a flat
        tile is a fill on every level; box by box where it wrote boxes), and the edge of
        the whole view as it is now."""
        for overlay in (self._overlay, self._live_overlay):
            if overlay is not None and overlay.mask is mask:
                if runs:
                    overlay.refresh_runs(runs, TILE)
                elif boxes:
                    overlay.refresh_boxes(boxes)
                else:
                    overlay.refresh_box(*rect)
        vp = self._vp.copy()
        key = vp.key()
        codes = None
        if self._edges.valid:
            w, h = vp.view_size.width(), vp.view_size.height()
            codes = edge_colours(mask, vp, w, h)
        self._fresh = (rect, key, codes, self._scaled_overlay_of(mask, vp))

    def _scaled_overlay_of(self, mask: np.ndarray, vp: Viewport) -> ScaledOverlay | None:
        """In the worker: the zoomed-out overlay of view ``vp`` as the next paint would
        draw it (None where the paint draws the overlay otherwise)."""
        overlay = self._scaled_overlay_shown(vp.zoom)
        if overlay is None or overlay.mask is not mask:
            return None
        opacity = self._overlay_opacity
        return prepare_scaled_overlay(overlay, vp, overlay.faded_lut(opacity), opacity)

    def _worker_refreshed(self, rect: QRect) -> bool:
        """True when a worker already brought the levels (and the edge) up to date for
        this change of ``rect``; the edge cache then takes the worker's edge, or is
        rebuilt at the next paint if the view moved meanwhile."""
        fresh, self._fresh = self._fresh, None
        box = (rect.left(), rect.top(), rect.left() + rect.width(), rect.top() + rect.height())
        if fresh is None or fresh[0] != box:
            return False
        _box, key, codes, scaled = fresh
        if codes is not None and key == self._vp.key() and self._edges.valid:
            self._edges.adopt(codes)
        else:
            self._edges.invalidate()
        self._zoomed.invalidate_overlay()
        if scaled is not None:  # used by the paint if the view and overlay still match it
            self._zoomed.adopt_scaled_overlay(scaled)
        return True
