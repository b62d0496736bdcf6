"""Canvas benchmark on a 24 MP photo (prints figures, asserts nothing).

Run: QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_canvas.py

Measures, in a 1920x1080 CanvasView:
- set_image: photo conversion + pyramid + overlay buffer, once per image;
- a 500 source-pixel brush stroke (60 px brush, hardness 0.5) sent as real mouse
  events, one move per 10 px, each followed by processEvents() so the dirty
  rectangle is repainted: median time per move event (dabs + overlay + edge + paint),
  per dab, and per whole stroke including the undo patch;
- moving a large brush outline (only the ring is repainted);
- one pan step of (8, 5) px (scrolls the screen, repaints the uncovered strips);
- a full repaint of the 1920x1080 view (QWidget.repaint, synchronous) at fit / 100 %
  / 400 %, with the edge cache warm and after a view change (cold);
- memory held by 50 undoable strokes (undo stack bytes and process RSS growth).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from editor.ui.canvas import CanvasView

W, H = 6000, 4000
VIEW_W, VIEW_H = 1920, 1080


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def photo() -> np.ndarray:
    y = np.linspace(0, 255, H, dtype=np.float32)[:, None]
    x = np.linspace(0, 255, W, dtype=np.float32)[None, :]
    img = np.empty((H, W, 3), np.uint8)
    img[..., 0] = x.astype(np.uint8)
    img[..., 1] = y.astype(np.uint8)
    img[..., 2] = ((x + y) / 2).astype(np.uint8)
    return img


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


def stroke(app: QApplication, view: CanvasView, x0: float, y0: float) -> tuple[float, list[float]]:
    """500 px horizontal stroke; returns (total seconds, per-move seconds)."""
    moves = []
    t0 = time.perf_counter()
    send(view, QEvent.Type.MouseButtonPress, QPointF(x0, y0))
    app.processEvents()
    for i in range(1, 51):
        t = time.perf_counter()
        send(view, QEvent.Type.MouseMove, QPointF(x0 + 10 * i, y0))
        app.processEvents()
        moves.append(time.perf_counter() - t)
    send(view, QEvent.Type.MouseButtonRelease, QPointF(x0 + 500, y0))
    app.processEvents()
    return time.perf_counter() - t0, moves


def main() -> None:
    app = QApplication.instance() or QApplication([])
    view = CanvasView()
    view.resize(VIEW_W, VIEW_H)
    view.show()
    app.processEvents()
    img = photo()
    base_rss = rss_mb()
    t = time.perf_counter()
    view.set_image(img)
    app.processEvents()
    print(f"set_image 24 MP (convert, pyramid, overlay, first paint): "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")  # fmt: skip
    view.set_brush_size(60)
    view.set_hardness(0.5)

    for label, setup in (
        ("fit", view.zoom_fit),
        ("100%", lambda: view.set_view(1.0, QPointF(3000, 2000))),
    ):
        setup()
        view.repaint()
        totals, per_move = [], []
        for k in range(20):
            y = 1700 + 30 * k
            total, moves = stroke(app, view, 2750, y)
            totals.append(total)
            per_move.extend(moves)
        dabs_per_stroke = 500 / (60 / 2 * 0.25) + 1
        med_stroke = statistics.median(totals)
        print(
            f"stroke 500 px @ {label} (zoom {view.zoom():.3f}): median {med_stroke * 1000:.2f} ms "
            f"per stroke (51 events, ~{dabs_per_stroke:.0f} dabs), "
            f"median {statistics.median(per_move) * 1000:.3f} ms per move event incl. repaint, "
            f"p95 {sorted(per_move)[int(len(per_move) * 0.95)] * 1000:.3f} ms, "
            f"{med_stroke / dabs_per_stroke * 1000:.3f} ms per dab all-in"
        )
        view.undo_stack.clear()

    # dab cost alone (numpy stamp, no display)
    from editor.ui.canvas.brush import MaskStroke

    mask = np.zeros((H, W), np.uint8)
    st = MaskStroke(mask, erase=False)
    t = time.perf_counter()
    for i in range(2000):
        st.dab(100 + (i % 1000) * 5, 2000, 30, 0.5)
    print(f"dab alone (60 px brush): {(time.perf_counter() - t) / 2000 * 1e6:.1f} us")

    for label, setup in (
        ("fit", view.zoom_fit),
        ("100%", lambda: view.set_view(1.0, QPointF(3000, 2000))),
        ("400%", lambda: view.set_view(4.0, QPointF(3000, 2000))),
    ):
        setup()
        t = time.perf_counter()
        view.repaint()
        cold = time.perf_counter() - t
        warm = []
        for _ in range(10):
            t = time.perf_counter()
            view.repaint()
            warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        view.grab()
        grab = time.perf_counter() - t
        print(
            f"repaint 1920x1080 @ {label}: {statistics.median(warm) * 1000:.1f} ms warm, "
            f"{cold * 1000:.1f} ms after a view change (edge cache rebuilt), "
            f"grab {grab * 1000:.1f} ms"
        )

    for label, setup in (
        ("fit+", lambda: view.set_zoom(0.3)),
        ("100%", lambda: view.set_view(1.0, QPointF(3000, 2000))),
        ("400%", lambda: view.set_view(4.0, QPointF(3000, 2000))),
    ):
        setup()
        view.repaint()
        steps = []
        for i in range(40):
            t = time.perf_counter()
            view.pan_by(-8 if i < 20 else 8, 5 if i < 20 else -5)
            app.processEvents()
            steps.append(time.perf_counter() - t)
        print(
            f"pan step (8,5) px @ {label}: median {statistics.median(steps) * 1000:.1f} ms "
            f"incl. repaint of the uncovered strips"
        )

    view.zoom_fit()
    view.set_brush_size(3000)  # outline ~800 widget px across at fit
    view.repaint()
    moves = []
    for i in range(40):
        pos = QPointF(600 + 10 * i, 500)
        t = time.perf_counter()
        ev = QMouseEvent(QEvent.Type.MouseMove, pos, view.mapToGlobal(pos), Qt.MouseButton.NoButton,
                         Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
        QApplication.sendEvent(view, ev)
        app.processEvents()
        moves.append(time.perf_counter() - t)
    print(
        f"brush outline move (800 px circle) @ fit: median {statistics.median(moves) * 1000:.1f} ms"
    )
    view.set_brush_size(60)

    view.set_view(1.0, QPointF(3000, 2000))
    view.undo_stack.clear()
    before = rss_mb()
    for k in range(50):
        x = 200 + (k % 10) * 560
        y = 300 + (k // 10) * 700
        view.set_view(1.0, QPointF(x + 250, y))
        stroke(app, view, x, y)
    stack = view.undo_stack
    print(
        f"50 undoable strokes (500 px, 60 px brush): {stack.count()} commands, "
        f"{stack.memory_used() / 1e6:.2f} MB in the undo stack, RSS +{rss_mb() - before:.1f} MB; "
        f"process RSS {rss_mb():.0f} MB (photo+pyramid+mask+overlay; "
        f"{base_rss:.0f} MB before the image)"
    )
    t = time.perf_counter()
    view.apply_mask(255 - view.mask(), "Invert")
    inv = time.perf_counter() - t
    print(
        f"apply_mask(invert) 24 MP: {inv * 1000:.0f} ms, patch "
        f"{stack.command(stack.count() - 1).patch.nbytes / 1e6:.2f} MB (compressed)"
    )
    t = time.perf_counter()
    stack.undo()
    print(f"undo of the invert: {(time.perf_counter() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
