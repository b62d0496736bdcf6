"""Selection tools in the real window at 24 MP (prints figures; asserts nothing).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_selection_window.py

For each tool: wall time from the click (or drag, or OK) to the mask changed as one undo
step, and the longest event-loop stall meanwhile (a 1 ms QTimer heartbeat): the window
must stay responsive while the worker thread computes.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import numpy as np

W, H = 6000, 4000


def photo() -> np.ndarray:
    """A 24 MP photo: a sky-like gradient, a large wall, an object, noise."""
    rng = np.random.default_rng(1)
    img = np.empty((H, W, 3), np.uint8)
    img[:] = np.linspace(90, 200, H, dtype=np.uint8)[:, None, None]
    img[H // 2 :, :] = (120, 110, 100)
    yy, xx = np.ogrid[:H, :W]
    img[(yy - 2600) ** 2 + (xx - 3000) ** 2 < 700**2] = (40, 60, 200)
    img += rng.integers(0, 6, size=img.shape, dtype=np.uint8)
    return img


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QPointF, QRectF, QTimer
    from PySide6.QtWidgets import QApplication

    from editor.ui.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    win = MainWindow()
    win.force_close = True
    win.show()
    win.canvas.set_image(photo())
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
        while sel.busy:
            await asyncio.sleep(0.001)
        wall = time.perf_counter() - t0
        heartbeat.stop()
        steps = win.document.history.index - index
        print(f"{name:34s} {wall:6.2f} s to the mask, longest stall "
              f"{max(stalls, default=0) * 1000:5.0f} ms, undo steps {steps}")  # fmt: skip

    async def run() -> None:
        await measure("wand, contiguous (wall, 12 MP)", lambda: sel.wand_at(QPointF(100, 3900)))
        sel.global_box.setChecked(True)
        await measure("wand, global", lambda: sel.wand_at(QPointF(3000, 2600), True))
        sel.global_box.setChecked(False)
        box = QRectF(2100, 1700, 1800, 1800)
        await measure("object from a box (1800 x 1800)", lambda: sel.box_at(box))

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
