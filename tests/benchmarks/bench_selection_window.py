"""Selection tools in the real window (prints figures; asserts nothing).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_selection_window.py [--size WxH]

The photo is ``--size`` (default 6000x4000); its content scales with it (the same
framing with more pixels, as a medium-format camera sees the scene).

For each tool: wall time from the click (or drag, or OK) to the mask changed as one undo
step, and the longest event-loop stall meanwhile (a 1 ms QTimer heartbeat): the window
must stay responsive while the worker thread computes.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchsize import figure, megapixels, photo_size


def photo(w: int, h: int) -> np.ndarray:
    """A sky-like gradient, a large wall (the lower half), a round object, noise; laid
    out as fractions of the 24 MP original (6000x4000)."""
    s = w / 6000
    rng = np.random.default_rng(1)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = np.linspace(90, 200, h, dtype=np.uint8)[:, None, None]
    img[h // 2 :, :] = (120, 110, 100)
    r = int(700 * s)
    cy, cx = int(2600 * s), int(3000 * s)
    yy, xx = np.ogrid[cy - r : cy + r, cx - r : cx + r]
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 < r**2
    img[cy - r : cy + r, cx - r : cx + r][disc] = (40, 60, 200)
    for c in range(3):
        img[..., c] += rng.integers(0, 6, size=(h, w), dtype=np.uint8)
    return img


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QPointF, QRectF, QTimer
    from PySide6.QtWidgets import QApplication

    from editor.ui.window import MainWindow

    w, h = photo_size()
    s = w / 6000
    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    win = MainWindow()
    win.force_close = True
    win.show()
    win.canvas.set_image(photo(w, h))
    print(f"{megapixels((w, h))} photo ({w}x{h}) in the window")
    sel = win.selection
    stalls: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        stalls.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(beat)

    async def measure(name: str, start) -> None:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.2)
        index = win.document.history.index
        stalls.clear()
        last[0] = time.perf_counter()
        heartbeat.start()
        t0 = time.perf_counter()
        start()
        # landed: computed, and on a large mask written by the mask worker too
        while sel.busy or win.document.mask_work.busy():
            await asyncio.sleep(0.001)
        wall = time.perf_counter() - t0
        heartbeat.stop()
        steps = win.document.history.index - index
        figure(f"{name}: click to mask", wall * 1000, "ms", note=f"undo steps {steps}")
        figure(f"{name}: longest UI stall", max(stalls, default=0) * 1000, "ms")

    async def run() -> None:
        await measure("wand, contiguous (the wall)", lambda: sel.wand_at(QPointF(100, h - 100)))
        sel.global_box.setChecked(True)
        await measure("wand, global", lambda: sel.wand_at(QPointF(3000 * s, 2600 * s), True))
        sel.global_box.setChecked(False)
        box = QRectF(2100 * s, 1700 * s, 1800 * s, 1800 * s)
        await measure("object from a box (around the object)", lambda: sel.box_at(box))

        def colour() -> None:
            from editor.ui.window.colour_range import open_colour_range

            dialog = open_colour_range(sel)
            assert dialog is not None
            dialog.colour = (40, 60, 200)
            dialog.slider.setValue(30)
            dialog.accept()

        await measure("colour range (OK, full res)", colour)
        await win.shutdown()

    with loop:
        loop.run_until_complete(run())


if __name__ == "__main__":
    main()
