"""Combine variants and the resolution advisor in the real window (prints figures;
asserts nothing).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_combine_window.py [--size WxH]
        [--fake] [--photo PATH] [--shots DIR] [--keep]

Runs 3 variants with the offline engine on a masked photo, then times: entering
combine mode (K to the composite painted), one pick stroke (a drag of 12 moves: each
dab's latency to its repaint request, and release to the last repaint), undo
(Ctrl+Z to repainted), export (PNG at full size with metadata), and the advisor's line
after a mask edit (debounce included; the box search alone). A 1 ms heartbeat reports
the longest event-loop stall meanwhile: the window must never freeze. With ``--shots``
(under Xvfb: DISPLAY=:61) it saves screenshots of the combine mode and the advisor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchsize import figure, photo_size


def photo(w: int, h: int) -> np.ndarray:
    """Structure everywhere: gradients, discs and bars, noise."""
    import cv2

    rng = np.random.default_rng(1)
    img = np.empty((h, w, 3), np.uint8)
    img[..., 0] = np.linspace(60, 200, w, dtype=np.uint8)[None, :]
    img[..., 1] = np.linspace(80, 180, h, dtype=np.uint8)[:, None]
    img[..., 2] = 120
    for _ in range(40):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        cv2.circle(img, centre, int(rng.integers(w // 80, w // 12)), colour, -1)
    img += rng.integers(0, 8, size=img.shape, dtype=np.uint8)
    return img


def fake_job(win, mask: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    """Three variants made up from the photo (its masked box recoloured), as a job."""
    from editor.core.job_record import JobRecord

    source = win.document.image
    ys, xs = np.nonzero(mask[:, :: max(1, mask.shape[1] // 64)].any(axis=1))[0], None
    y0, y1 = int(ys[0]), int(ys[-1]) + 1
    cols = np.flatnonzero(mask[y0])
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    images = []
    for k in range(3):
        image = source.copy()
        region = source[y0:y1, x0:x1]
        image[y0:y1, x0:x1] = 255 - region if k == 2 else np.roll(region, k + 1, axis=2)
        images.append(image)
    record = JobRecord(prompt="made up", status="completed", backend="bench")
    record.source, record.mask = source, mask.copy()
    record.set_images(images)  # kept as crops over the source, as a real job's
    del images
    record.settings = {"seed": 7}
    win.document.add_job(record)
    win.results.add_job(record)
    win.results.update_job(record.number)
    win.update_actions()
    del xs


def main() -> None:
    size = photo_size()
    ap = argparse.ArgumentParser()
    ap.add_argument("--photo", type=Path)
    ap.add_argument("--shots", type=Path)
    ap.add_argument("--keep", action="store_true", help="leave the window open at the end")
    ap.add_argument(
        "--fake", action="store_true", help="made-up variants instead of the offline engine"
    )
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from editor.ui.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    win = MainWindow()
    win.force_close = True
    win.show()
    stalls: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        stalls.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(beat)

    def watch() -> None:
        stalls.clear()
        last[0] = time.perf_counter()
        heartbeat.start()

    def stall(name: str) -> None:
        heartbeat.stop()
        figure(f"{name}: longest stall", max(stalls, default=0) * 1000, "ms")

    async def until(cond, timeout: float = 600.0) -> None:  # type: ignore[no-untyped-def]
        end = time.perf_counter() + timeout
        while not cond():
            if time.perf_counter() > end:
                raise TimeoutError("timed out")
            await asyncio.sleep(0.001)

    def shot(name: str) -> None:
        if args.shots and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            args.shots.mkdir(parents=True, exist_ok=True)
            app.processEvents()
            subprocess.run(["import", "-window", "root", str(args.shots / name)], check=False)

    async def run() -> None:
        combine, canvas, c = win.combine, win.canvas, win.controls
        if args.photo:
            win.opener.open_path(str(args.photo))
            await until(lambda: win.document.image is not None and not win.opening)
        else:
            canvas.set_image(photo(*size))
        h, w = win.document.image.shape[:2]
        print(f"photo {w} x {h} ({w * h / 1e6:.0f} MP)")
        mask = np.zeros((h, w), np.uint8)
        mask[h * 3 // 10 : h * 6 // 10, w * 3 // 10 : w * 7 // 10] = 255
        canvas.apply_mask(mask, "bench mask")
        c.set_backend("local")
        c.prompt_edit.setPlainText("bench")
        c.variants_spin.setValue(3)
        t0 = time.perf_counter()
        if args.fake:
            fake_job(win, mask)
        else:
            win.run.run_job()
        await until(lambda: bool(win.document.jobs) and not win.runner.running())
        record = win.document.jobs[max(win.document.jobs)]
        print(f"3 variants ({'made up' if args.fake else 'local engine'})"
              f"{time.perf_counter() - t0:20.2f} s ({record.status})")  # fmt: skip
        win.activateWindow()
        canvas.setFocus()
        await asyncio.sleep(0.3)
        watch()
        t0 = time.perf_counter()
        QTest.keyClick(win, Qt.Key.Key_K)
        await until(lambda: combine.active is not None)
        canvas.repaint()
        figure("enter combine mode (K to painted)", (time.perf_counter() - t0) * 1000, "ms")
        stall("enter combine mode")
        QTest.keyClick(win, Qt.Key.Key_2)
        canvas.set_brush_size(w / 12)
        a = canvas.map_from_source(QPointF(w * 0.35, h * 0.45)).toPoint()
        b = canvas.map_from_source(QPointF(w * 0.65, h * 0.45)).toPoint()
        latencies = []
        watch()
        t0 = time.perf_counter()
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        for t in np.linspace(0, 1, 13)[1:]:
            QTest.mouseMove(canvas, QPoint(round(a.x() + (b.x() - a.x()) * t), a.y()))
            await until(lambda: combine.worker.pending == 0)
            latencies.append(combine.last_latency)
            await asyncio.sleep(0.016)  # ~60 moves a second, as a hand drags
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
        t1 = time.perf_counter()
        await until(lambda: combine.worker.pending == 0)
        canvas.repaint()
        done = time.perf_counter()
        figure("pick stroke: dab to repaint request, median", np.median(latencies) * 1000, "ms")
        figure("pick stroke: dab to repaint request, max", max(latencies) * 1000, "ms")
        figure("pick stroke: release to painted", (done - t1) * 1000, "ms")
        stall("pick stroke")
        QTest.keyClick(win, Qt.Key.Key_3)
        c2 = canvas.map_from_source(QPointF(w * 0.5, h * 0.35)).toPoint()
        d2 = canvas.map_from_source(QPointF(w * 0.5, h * 0.55)).toPoint()
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, c2)
        QTest.mouseMove(canvas, d2)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, d2)
        await until(lambda: combine.worker.pending == 0)
        shot("combine-variants.png")
        watch()
        t0 = time.perf_counter()
        QTest.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: combine.worker.pending == 0)
        canvas.repaint()
        figure("undo a pick stroke (to painted)", (time.perf_counter() - t0) * 1000, "ms")
        stall("undo a pick stroke")
        out = Path(tempfile.mkdtemp()) / "combined.png"
        watch()
        t0 = time.perf_counter()
        combine.export_composite(str(out))
        await until(lambda: combine.worker.pending == 0)
        figure("export composite PNG", time.perf_counter() - t0, "s",
               note=f"{out.stat().st_size / 1e6:.0f} MB")  # fmt: skip
        stall("export composite PNG")
        print(f"  exported to {out}")
        QTest.keyClick(win, Qt.Key.Key_Escape)
        c.set_backend("fashn")
        c.resolution_box.setCurrentIndex(c.resolution_box.findData("1k"))
        row = c.footer.findChild(type(c.estimate_label), "advisor")
        await until(lambda: row.isVisible())
        mask2 = np.array(canvas.mask(), copy=True)
        mask2[h // 10 : h // 5, w // 10 : w // 5] = 255
        win.advisor.seconds = 0.0
        t0 = time.perf_counter()
        canvas.apply_mask(mask2, "bench mask 2")  # the edit itself is not the advisor's
        watch()
        await until(lambda: win.advisor.seconds > 0, timeout=60)  # the new box has landed
        box_ms = win.advisor.seconds * 1000
        figure("advisor line after a mask edit", (time.perf_counter() - t0) * 1000, "ms",
               note=f"150 ms debounce + box {box_ms:.0f} ms")  # fmt: skip
        stall("advisor line")
        print(f"  {row.text()}")
        shot("advisor.png")
        if not args.keep:
            await win.shutdown()

    with loop:
        loop.run_until_complete(run())
        if args.keep:
            loop.run_forever()


if __name__ == "__main__":
    main()
