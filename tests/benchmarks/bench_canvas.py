"""Canvas benchmark at any photo size (prints figures, asserts nothing).

Run: QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_canvas.py --size 11648x8736

``--only set_image,brush`` runs only those parts (of set_image, brush, repaint, ops);
the figures are the same as in a whole run.

Run each size in a fresh process (the peak RSS figure is the process's). Measures, in a
1920x1080 CanvasView, with a 1 ms QTimer heartbeat giving the longest event-loop stall:
- set_image: the UI thread's share (call + first paint, with the event loop run between
  them as in the window), and when the display pyramid is complete (it may be built in a
  worker after a quick first level);
- a 500 source-pixel brush stroke (60 px brush, hardness 0.5) sent as real mouse events,
  one move per 10 px, each followed by processEvents(): median and p95 per move event,
  at fit, 100 % and 400 %;
- a full repaint of the 1920x1080 view at fit / 100 % / 400 %;
- 50 undoable strokes: the undo stack's bytes;
- invert / clear / fill / grow / shrink / feather of a full mask (a large feathered
  ellipse plus strokes), each until the canvas shows it, then its undo and its redo, each
  with the longest UI stall while it ran;
- the canvas's peak RSS (photo, display pyramid, mask, overlay, undo of all the above).

``--why`` (with ops) also prints, for each operation's longest stall, what the UI thread
did in it: its own CPU time there (the rest it waited for a CPU or the interpreter lock)
and the ends of jobs (``finish``) and paints that overlapped it.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from benchsize import figure, megapixels, photo_size
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from editor.core import mask as mask_ops
from editor.core.document import MASK_OPS
from editor.ui.canvas import CanvasView

W, H = photo_size()
PARTS = ("set_image", "brush", "repaint", "ops")


def only_parts() -> set[str]:
    """The parts named by ``--only a,b`` (removed from sys.argv), else all."""
    argv = sys.argv
    for i, arg in enumerate(argv):
        if arg == "--only" and i + 1 < len(argv):
            names = set(argv[i + 1].split(","))
            del argv[i : i + 2]
            unknown = names - set(PARTS)
            if unknown:
                raise SystemExit(f"--only {','.join(sorted(unknown))}: choose from {PARTS}")
            return names
    return set(PARTS)


ONLY = only_parts()
WHY = "--why" in sys.argv
if WHY:
    sys.argv.remove("--why")
VIEW_W, VIEW_H = 1920, 1080
OP_PX = {"grow": 20, "shrink": 20, "feather": 40}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def photo() -> np.ndarray:
    """A photo-like gradient with noise (built in bands: no full-size float temporaries)."""
    img = np.empty((H, W, 3), np.uint8)
    x = np.linspace(0, 255, W, dtype=np.float32)[None, :]
    rng = np.random.default_rng(0)
    band = 512
    for y0 in range(0, H, band):
        y = np.linspace(0, 255, H, dtype=np.float32)[y0 : y0 + band, None]
        noise = rng.integers(0, 24, (len(y), W), dtype=np.uint8)
        img[y0 : y0 + band, :, 0] = np.broadcast_to(x, (len(y), W)).astype(np.uint8) + noise
        img[y0 : y0 + band, :, 1] = np.broadcast_to(y, (len(y), W)).astype(np.uint8)
        img[y0 : y0 + band, :, 2] = ((x + y) / 2).astype(np.uint8)
    return img


class Heartbeat:
    """A 1 ms QTimer: the longest gap between its ticks is the longest UI stall."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._beat)
        self.gaps: list[float] = []
        self.ticks: list[tuple[float, float]] = []  # (wall, the UI thread's CPU) per beat

    def _beat(self) -> None:
        self.gaps.append(self.clock.nsecsElapsed() / 1e6)
        self.clock.restart()
        self.ticks.append((time.perf_counter(), time.thread_time()))

    def start(self) -> None:
        self.gaps.clear()
        self.clock.start()
        self.timer.start()
        self.ticks = [(time.perf_counter(), time.thread_time())]
        WORK.clear()

    def stop(self) -> float:
        self.timer.stop()
        self.gaps.append(self.clock.nsecsElapsed() / 1e6)
        self.ticks.append((time.perf_counter(), time.thread_time()))
        return max(self.gaps)

    def why(self) -> str:
        """The longest gap: the UI thread's CPU in it and the work that overlapped it."""
        ticks = self.ticks
        gap, i = max((ticks[i + 1][0] - ticks[i][0], i) for i in range(len(ticks) - 1))
        (t0, c0), (t1, c1) = self.ticks[i], self.ticks[i + 1]
        seen = [
            f"{n} {(b - a) * 1e3:.1f} ms (CPU {c * 1e3:.1f})"
            for n, a, b, c in WORK
            if b > t0 and a < t1
        ]
        return (
            f"{gap * 1e3:.1f} ms, UI thread CPU {(c1 - c0) * 1e3:.1f} ms: {', '.join(seen) or '-'}"
        )


WORK: list[tuple[str, float, float, float]] = []  # UI work with --why: name, start, end, CPU


def watched(cls: type, name: str) -> None:
    """With --why: note each call of ``cls.name`` on the UI thread in WORK."""
    plain = getattr(cls, name)

    def call(*args: object, **kwargs: object) -> object:
        t, c = time.perf_counter(), time.thread_time()
        try:
            return plain(*args, **kwargs)
        finally:
            WORK.append((name, t, time.perf_counter(), time.thread_time() - c))

    setattr(cls, name, call)


def send(view: CanvasView, kind: QEvent.Type, src: QPointF) -> None:
    pos = view.map_from_source(src)
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    buttons = (
        Qt.MouseButton.NoButton
        if kind == QEvent.Type.MouseButtonRelease
        else Qt.MouseButton.LeftButton
    )
    ev = QMouseEvent(
        kind, pos, view.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(view, ev)


def stroke(app: QApplication, view: CanvasView, x0: float, y0: float) -> list[float]:
    """500 px horizontal stroke; returns the seconds of each move event."""
    moves = []
    send(view, QEvent.Type.MouseButtonPress, QPointF(x0, y0))
    app.processEvents()
    for i in range(1, 51):
        t = time.perf_counter()
        send(view, QEvent.Type.MouseMove, QPointF(x0 + 10 * i, y0))
        app.processEvents()
        moves.append(time.perf_counter() - t)
    send(view, QEvent.Type.MouseButtonRelease, QPointF(x0 + 500, y0))
    app.processEvents()
    return moves


def busy(view: CanvasView) -> bool:
    """A full-mask operation, undo or redo still being worked out off the UI thread."""
    return bool(getattr(view, "busy", lambda: False)())


def timed(app: QApplication, beat: Heartbeat, start: Callable[[], None]) -> tuple[float, float]:
    """Run ``start`` from the event loop, wait until the canvas is idle and has painted:
    (milliseconds, longest UI stall in ms)."""
    done = [False]

    def go() -> None:
        start()
        done[0] = True

    beat.start()
    t = time.perf_counter()
    QTimer.singleShot(0, go)
    while not done[0] or busy(beat_view):
        app.processEvents()
        time.sleep(0.0002)
    beat_view.repaint()
    ms = (time.perf_counter() - t) * 1000
    stall = beat.stop()
    return ms, stall


def run_op(view: CanvasView, name: str) -> None:
    px = OP_PX.get(name, 0)
    if hasattr(view, "run_mask_op"):
        view.run_mask_op(name, px)
        return
    # before this round: the op on the UI thread, then apply_mask (as the window did)
    view.apply_mask(MASK_OPS[name][1](view.mask().copy(), px), name)  # type: ignore[union-attr]


def main() -> None:
    global beat_view
    app = QApplication.instance() or QApplication([])
    if WHY:  # before the view exists: PySide looks its overrides up once
        from editor.core.mask_work import MaskWork

        watched(MaskWork, "finish")
        watched(CanvasView, "paintEvent")
    view = beat_view = CanvasView()
    view.resize(VIEW_W, VIEW_H)
    view.show()
    app.processEvents()
    beat = Heartbeat()
    img = photo()
    print(f"canvas benchmark at {W}x{H} ({megapixels((W, H))}), load {os.getloadavg()[0]:.2f}")
    beat.start()
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.0002)
    figure("idle event loop longest gap (noise floor)", beat.stop(), "ms")
    base_rss = rss_mb()
    beat.start()
    t = time.perf_counter()
    cpu = time.thread_time()
    view.set_image(img)
    app.processEvents()  # as in the window: the event loop runs between the call and its paint
    view.repaint()
    first = time.perf_counter() - t
    cpu = time.thread_time() - cpu  # this thread's own work: no waiting for a CPU or the GIL
    layer = view._photo  # its quick level may come from a worker: the photo is seen then
    while layer is not None and not getattr(layer, "showable", lambda _z: True)(view.zoom()):
        app.processEvents()
        time.sleep(0.0002)
    view.repaint()
    seen = time.perf_counter() - t
    while busy(view):
        app.processEvents()
        time.sleep(0.0005)
    complete = time.perf_counter() - t
    stall = beat.stop()
    if "set_image" in ONLY:
        figure("set_image UI thread + first paint", first * 1000, "ms")
        figure("set_image UI thread CPU", cpu * 1000, "ms")
        figure("set_image photo on screen", seen * 1000, "ms", "its first paint with pixels")
        figure("set_image display pyramid complete", complete * 1000, "ms")
        figure("set_image longest UI stall", stall, "ms")
    view.set_brush_size(60)
    view.set_hardness(0.5)
    cx, cy = W / 2, H / 2

    for label, setup in (
        ("fit", view.zoom_fit),
        ("100%", lambda: view.set_view(1.0, QPointF(cx, cy))),
        ("400%", lambda: view.set_view(4.0, QPointF(cx, cy))),
    ):
        if "brush" not in ONLY:
            break
        setup()
        view.repaint()
        per_move: list[float] = []
        for k in range(12):
            y = cy - 40 + 8 * k
            x0 = cx - 250 if label != "400%" else cx - 150
            per_move.extend(stroke(app, view, x0, y))
        per_move.sort()
        figure(f"brush move event @ {label} median", statistics.median(per_move) * 1000, "ms")
        figure(f"brush move event @ {label} p95", per_move[int(len(per_move) * 0.95)] * 1000, "ms")
        view.undo_stack.clear()

    for label, setup in (
        ("fit", view.zoom_fit),
        ("100%", lambda: view.set_view(1.0, QPointF(cx, cy))),
        ("400%", lambda: view.set_view(4.0, QPointF(cx, cy))),
    ):
        if "repaint" not in ONLY:
            break
        setup()
        view.repaint()
        warm = []
        for _ in range(5):
            t = time.perf_counter()
            view.repaint()
            warm.append(time.perf_counter() - t)
        figure(f"full repaint @ {label}", statistics.median(warm) * 1000, "ms")

    if "ops" not in ONLY:
        figure("canvas peak RSS", peak_rss_mb(), "MB", f"{base_rss:.0f} MB before the image")
        return
    # a mask covering much of the photo with a feathered edge, then 50 strokes
    import cv2

    ellipse = np.zeros((H, W), np.uint8)  # drawn in place: no full-size float temporaries
    cv2.ellipse(ellipse, (W // 2, H // 2), (int(0.35 * W), int(0.35 * H)), 0, 0, 360, 255, -1)
    start_mask = mask_ops.feather(ellipse, 30)
    del ellipse
    view.apply_mask(start_mask, "Ellipse")
    del start_mask
    view.undo_stack.clear()
    before = view.undo_stack.memory_used()
    for k in range(50):
        x = 200 + (k % 10) * (W - 1000) / 10
        y = 300 + (k // 10) * (H - 600) / 5
        view.set_view(1.0, QPointF(x + 250, y))
        stroke(app, view, x, y)
    figure("undo stack after 50 strokes", (view.undo_stack.memory_used() - before) / 1e6, "MB")
    view.zoom_fit()
    view.repaint()

    # cumulative, so every step changes the mask and all six stay on the undo stack
    for name in ("invert", "grow", "shrink", "feather", "clear", "fill"):
        for label, start in (
            (f"{name} full mask", lambda name=name: run_op(view, name)),
            (f"undo {name}", view.undo_stack.undo),
            (f"redo {name}", view.undo_stack.redo),
        ):
            ms, stall = timed(app, beat, start)
            figure(label, ms, "ms")
            figure(f"{label} longest UI stall", stall, "ms")
            if WHY:
                print(f"  why: {beat.why()}")
    for patch_step in range(view.undo_stack.count()):
        command = view.undo_stack.command(patch_step)
        if command.patch is not None and hasattr(command.patch, "wait_compressed"):
            command.patch.wait_compressed()
    held = view.undo_stack.memory_used() / 1e6
    figure("undo stack after 50 strokes + 6 full-mask ops", held, "MB")
    figure("process RSS after the image", rss_mb() - base_rss, "MB")
    figure("canvas peak RSS", peak_rss_mb(), "MB", f"{base_rss:.0f} MB before the image")


beat_view: CanvasView


if __name__ == "__main__":
    main()
