"""Take the README screenshots of the real window under an X server (e.g. Xvfb).

    Xvfb :97 -screen 0 1600x1000x24 &
    DISPLAY=:97 python docs/screenshots/take_screenshots.py

Paints the mask with real pointer events (xdotool), runs a job against the local
sandbox server and captures the window, the results and the compare view with
ImageMagick's ``import``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


async def _run(*cmd: str) -> None:
    proc = await asyncio.create_subprocess_exec(*cmd)
    await proc.wait()


async def _shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    await asyncio.sleep(0.6)
    await _run("import", "-window", str(int(widget.winId())), str(HERE / name))
    print(HERE / name)


async def _until(predicate, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout * 20)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the window did not get there in time")


async def _drag(points: list[tuple[int, int]]) -> None:
    """A real brush stroke: press, move through ``points``, release."""
    x0, y0 = points[0]
    args = ["xdotool", "mousemove", str(x0), str(y0), "mousedown", "1"]
    for x, y in points[1:]:
        args += ["mousemove", str(x), str(y), "sleep", "0.02"]
    args += ["mouseup", "1"]
    await _run(*args)


async def scenario(window, photo: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPointF

    await _until(lambda: window.canvas.has_image())
    await asyncio.sleep(0.5)
    canvas = window.canvas
    h, w = canvas.image().shape[:2]
    bx, by, r = int(w * 0.62), int(h * 0.74), int(h * 0.035)
    canvas.set_brush_size(max(20, int(r * 0.9)))

    def screen(x: float, y: float) -> tuple[int, int]:
        p = canvas.mapToGlobal(canvas.map_from_source(QPointF(x, y)).toPoint())
        return p.x(), p.y()

    # cover the buoy, its pole and lamp with a few overlapping strokes
    for dx in (-0.7, 0.0, 0.7):
        top = by - 3.6 * r
        pts = [screen(bx + dx * r, top + i * (4.8 * r) / 12) for i in range(13)]
        await _drag(pts)
    c = window.controls
    c.prompt_edit.setPlainText("a small wooden rowing boat floating on the calm lake")
    c.resolution_box.setCurrentIndex(c.resolution_box.findData("2k"))
    c.mode_box.setCurrentIndex(c.mode_box.findData("balanced"))
    c.variants_spin.setValue(2)
    await _until(lambda: "Ready" in c.readiness_label.text(), 20)
    await _until(lambda: "credits" in c.balance_label.text(), 20)
    canvas.setFocus()
    await _run("xdotool", "mousemove", *map(str, screen(bx + 3 * r, by - r)))
    await _shot(window, "window-mask.png")
    window.run_job()
    await _until(lambda: bool(window.jobs) and not window.runner.running(), 120)
    await _shot(window, "window-results.png")
    window.compare_selected()
    dialog = window.compare_dialog
    dialog.setGeometry(40, 40, 1400, 900)
    await asyncio.sleep(0.5)
    view = dialog.view
    view.set_view(view.zoom() * 2.2, QPointF(bx, by - r))
    view.set_split(0.5)
    await _shot(dialog, "compare-split.png")
    dialog.set_mode("difference")
    await _until(view.difference_ready, 30)
    view.zoom_fit()
    await _shot(dialog, "compare-difference.png")
    dialog.close()


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="mask-editor-shots-"))
    os.environ["MASK_EDITOR_SETTINGS_DIR"] = str(tmp / "settings")
    os.environ["MASK_EDITOR_DATA_DIR"] = str(tmp / "data")
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    from demo_photo import make_photo
    from PIL import Image

    from editor.sandbox import Sandbox
    from editor.ui import prefs

    photo = tmp / "lake.jpg"
    Image.fromarray(make_photo()).save(photo, quality=92)
    sandbox = Sandbox(key="sk-screenshot-demo", delays=0.3).start()
    os.environ["FASHN_API_KEY"] = "sk-screenshot-demo"
    prefs.set_value("backends/fashn/base_url", sandbox.url)
    prefs.set_value("backends/default", "fashn")
    import qasync

    from editor.ui.launch import create_app, create_window

    app = create_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = create_window(str(photo))
    window._force_close = True
    window.setGeometry(0, 0, 1600, 1000)
    try:
        with loop:
            loop.run_until_complete(scenario(window, photo))
            loop.run_until_complete(window.shutdown())
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
