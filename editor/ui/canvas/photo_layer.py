"""The photo as the canvas draws it: a view of the photo's own array (no copy) plus
box-filtered half-size 32-bit levels, built in a worker after a quick nearest-pixel
level, so a 100-150 MP photo is on screen in a fraction of a second and zoomed-out
views stay smooth and cheap."""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QObject, QRect, QRectF, Signal
from PySide6.QtGui import QImage, QPainter

from editor.core.threads import lower_thread_priority

PYRAMID_MIN_EDGE = 256


def level_index(zoom: float, count: int) -> int:
    """Pyramid level (of ``count``) to draw at ``zoom``: the smallest one still at least as
    large as the screen needs (level k is 1 / 2**k of the source size)."""
    if zoom >= 1.0:
        return 0
    return min(count - 1, max(0, math.floor(-math.log2(zoom))))


def clip_rect(src: QRect, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """``src`` clipped to an array of ``shape`` (H, W, ...): (x0, y0, x1, y1)."""
    h, w = shape[:2]
    x0, y0 = max(0, src.left()), max(0, src.top())
    return x0, y0, min(w, src.left() + src.width()), min(h, src.top() + src.height())


class _Ready(QObject):
    """Brings a worker's result to the UI thread: ``arrived`` is emitted by the worker
    and, connected to a method of this QObject (which lives on the UI thread), is queued
    there; ``done`` then fires on the UI thread once the result is in place."""

    arrived = Signal()
    quick_arrived = Signal()  # the quick level, made in a worker
    done = Signal()

    def __init__(self, collect: Callable[[], None], collect_quick: Callable[[], None]) -> None:
        super().__init__()
        self._collect = collect
        self._collect_quick = collect_quick
        self.arrived.connect(self._deliver)
        self.quick_arrived.connect(self._deliver_quick)

    def _deliver(self) -> None:
        self._collect()
        self.done.emit()

    def _deliver_quick(self) -> None:
        self._collect_quick()
        self.done.emit()


_PYRAMID_WORKER = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="canvas-pyramid", initializer=lower_thread_priority
)


# the quick level of a photo shown without one (no opening preview): made at once, at
# the UI thread's priority (the photo's first paint waits for it), lock-free (cv2)
_QUICK_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canvas-quick")


def start_pyramid_worker() -> None:
    """Start the worker's thread now (a few ms), not in the first paint of a photo."""
    _PYRAMID_WORKER.submit(int)


def photo_pyramid(image: np.ndarray) -> list[np.ndarray]:
    """Half-size levels of ``image`` (H x W x 3 RGB or 4 RGBA), each a 2x2 box average of
    the one before (cv2 area resize: lock-free), as 32-bit BGRA bytes, which is Qt's
    (A)RGB32 in memory, the format the raster engine draws fastest."""
    import cv2

    levels: list[np.ndarray] = []
    prev = image
    to_bgra = cv2.COLOR_RGBA2BGRA if image.shape[2] == 4 else cv2.COLOR_RGB2BGRA
    while max(prev.shape[:2]) > 2 * PYRAMID_MIN_EDGE:
        h, w = prev.shape[:2]
        lh, lw = max(1, h // 2), max(1, w // 2)
        crop = prev[: 2 * lh, : 2 * lw]
        if crop.shape[0] < 2 * lh or crop.shape[1] < 2 * lw:  # clamped to 1 row / column
            pad = ((0, 2 * lh - crop.shape[0]), (0, 2 * lw - crop.shape[1]), (0, 0))
            crop = np.pad(crop, pad, mode="edge")
        prev = cv2.resize(crop, (lw, lh), interpolation=cv2.INTER_AREA)
        levels.append(cv2.cvtColor(prev, to_bgra))
    return levels


QUICK_EDGE = 2048  # the quick level shown until the pyramid is built: at most this wide


def quick_level(image: np.ndarray) -> tuple[QImage, np.ndarray] | None:
    """A small nearest-pixel sample of ``image`` (tens of ms at 100 MP, where the smooth
    pyramid takes a few hundred), to draw zoomed-out views until the pyramid is ready."""
    import cv2

    h, w = image.shape[:2]
    step = 1
    while max(h, w) / step > QUICK_EDGE:
        step *= 2
    if step == 1:
        return None
    lw, lh = max(1, w // step), max(1, h // step)
    small = cv2.resize(image, (lw, lh), interpolation=cv2.INTER_NEAREST)
    alpha = image.shape[2] == 4
    arr = cv2.cvtColor(small, cv2.COLOR_RGBA2BGRA if alpha else cv2.COLOR_RGB2BGRA)
    fmt = QImage.Format.Format_ARGB32 if alpha else QImage.Format.Format_RGB32
    return QImage(arr.data, lw, lh, lw * 4, fmt), arr


def _needs_quick(image: np.ndarray) -> bool:
    return max(image.shape[:2]) > QUICK_EDGE


class PhotoLayer:
    """The photo as a QImage pyramid (level k is 1 / 2**k of the source size).

    Level 0 is a view of the photo's own array (no copy: it must stay unchanged while
    shown). The smaller levels are built at once, or with ``background`` in a worker
    thread started once the first paint is done (so that paint has the CPUs), and
    ``ready`` fires when they are complete; until then a quick nearest-pixel level is
    drawn zoomed out: the one given (the opening's preview) or one made at once in
    another worker (``showable`` is False until it is in: the UI thread does not wait)."""

    def __init__(
        self,
        image: np.ndarray,
        *,
        background: bool = False,
        quick: tuple[QImage, np.ndarray] | None = None,
    ) -> None:
        h, w = image.shape[:2]
        self._array = np.ascontiguousarray(image)
        self.has_alpha = image.shape[2] == 4
        fmt = QImage.Format.Format_RGBA8888 if self.has_alpha else QImage.Format.Format_RGB888
        full = QImage(self._array.data, w, h, w * image.shape[2], fmt)
        self.levels: list[QImage] = [full]
        self._arrays: list[np.ndarray] = []
        self._quick: tuple[QImage, np.ndarray] | None = None  # shown while building
        self.ready: _Ready | None = None
        self._pending: Future[list[np.ndarray]] | None = None
        self._waiting = False  # a background build not started yet
        self._quick_pending: Future[tuple[QImage, np.ndarray] | None] | None = None
        if not background:
            self._add_levels(photo_pyramid(self._array))
            return
        self._quick = quick  # e.g. the opening's preview
        self.ready = _Ready(self._collect, self._collect_quick)
        self._waiting = True
        if quick is None and _needs_quick(self._array):  # a worker's: tens of ms at 100 MP
            arrived = self.ready.quick_arrived
            self._quick_pending = _QUICK_WORKER.submit(quick_level, self._array)
            self._quick_pending.add_done_callback(lambda _f: arrived.emit())

    def start(self) -> None:
        """Start building the smaller levels in the worker (once)."""
        if not self._waiting or self.ready is None:
            return
        self._waiting = False
        arrived = self.ready.arrived
        self._pending = _PYRAMID_WORKER.submit(photo_pyramid, self._array)
        self._pending.add_done_callback(lambda _f: arrived.emit())

    def _add_levels(self, arrays: list[np.ndarray]) -> None:
        fmt = QImage.Format.Format_ARGB32 if self.has_alpha else QImage.Format.Format_RGB32
        for arr in arrays:
            lh, lw = arr.shape[:2]
            self.levels.append(QImage(arr.data, lw, lh, lw * 4, fmt))
        self._arrays = arrays  # the QImages are views of these

    def _collect(self) -> None:
        pending, self._pending, self._quick = self._pending, None, None
        self._quick_pending = None  # the levels are in: the quick one is not needed
        if pending is not None:
            self._add_levels(pending.result())

    def _collect_quick(self) -> None:
        pending, self._quick_pending = self._quick_pending, None
        if pending is not None and len(self.levels) == 1:  # not after the levels
            self._quick = pending.result()

    def showable(self, zoom: float) -> bool:
        """False while nothing fit to draw at ``zoom`` exists yet: zoomed out, the quick
        level still being made (drawing the full photo scaled would take far longer)."""
        return zoom >= 1.0 or self._quick_pending is None

    def when_built(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the UI thread once the worker's levels are in place."""
        if self.ready is not None:
            self.ready.done.connect(callback)

    def building(self) -> bool:
        """True while the smaller levels (or the quick one) are still to be built."""
        return self._waiting or self._pending is not None or self._quick_pending is not None

    @property
    def array(self) -> np.ndarray:
        """The photo's own pixels (H x W x 3 RGB or 4 RGBA), not a copy."""
        return self._array

    def draw(self, p: QPainter, src: QRect, zoom: float) -> None:
        """Draw source rectangle ``src`` (the painter maps source pixels). Zoomed in, the
        few pixels on screen are converted to 32 bits first: Qt draws 24-bit pixels
        scaled several times slower than converting them and drawing the 32-bit copy."""
        if zoom >= 1.0:
            x0, y0, x1, y1 = clip_rect(src, self._array.shape)
            if x0 < x1 and y0 < y1:
                import cv2

                alpha = self.has_alpha
                code = cv2.COLOR_RGBA2BGRA if alpha else cv2.COLOR_RGB2BGRA
                arr = cv2.cvtColor(self._array[y0:y1, x0:x1], code)
                fmt = QImage.Format.Format_ARGB32 if alpha else QImage.Format.Format_RGB32
                image = QImage(arr.data, x1 - x0, y1 - y0, (x1 - x0) * 4, fmt)
                p.drawImage(QRectF(x0, y0, x1 - x0, y1 - y0), image)
            return
        level, sx, sy = self.level_for(zoom)
        level_src = QRectF(src.x() * sx, src.y() * sy, src.width() * sx, src.height() * sy)
        p.drawImage(QRectF(src), level, level_src)

    def level_for(self, zoom: float) -> tuple[QImage, float, float]:
        """Smallest level still at least as large as the screen needs: (image, sx, sy)
        where source pixel x maps to level pixel x * sx."""
        img = self.levels[level_index(zoom, len(self.levels))]
        if self._quick is not None and zoom < 1.0:  # a nearest-pixel sample while building
            img = self._quick[0]
        full = self.levels[0]
        return img, img.width() / full.width(), img.height() / full.height()
