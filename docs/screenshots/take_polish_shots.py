"""Screenshots of the issue-10 polish in the real window, under an X server (e.g. Xvfb).

    Xvfb :56 -screen 0 1600x1000x24 &
    DISPLAY=:56 python docs/screenshots/take_polish_shots.py

A red subject with the automatic overlay colour and the auto-mode estimate note
(overlay-auto.png), the grow dialog's live preview (grow-preview.png) and the F1
sheet (shortcuts.png). The mask is painted with real pointer events (xdotool).
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


async def _shot(name: str) -> None:
    await asyncio.sleep(0.8)
    await _run("import", "-window", "root", str(HERE / name))
    print(HERE / name)


async def _until(predicate, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout * 20)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the window did not get there in time")


async def scenario(window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPointF

    await _until(lambda: window.canvas.has_image())
    await asyncio.sleep(0.5)
    canvas = window.canvas
    h, w = canvas.image().shape[:2]

    def screen(x: float, y: float) -> tuple[int, int]:
        p = canvas.mapToGlobal(canvas.map_from_source(QPointF(x, y)).toPoint())
        return p.x(), p.y()

    # paint over the red dress with real strokes at the default brush (2 % of the edge)
    canvas.set_brush_size(canvas.brush_size() * 3)
    cx, cy = w * 0.35, h * 0.55
    for dx in (-0.06, 0.0, 0.06):
        pts = [screen(cx + dx * w, cy - 0.2 * h + i * 0.4 * h / 10) for i in range(11)]
        args = ["xdotool", "mousemove", *map(str, pts[0]), "mousedown", "1"]
        for x, y in pts[1:]:
            args += ["mousemove", str(x), str(y), "sleep", "0.02"]
        await _run(*args, "mouseup", "1")
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("fashn"))
    c.resolution_box.setCurrentIndex(c.resolution_box.findData("2k"))
    c.variants_spin.setValue(2)
    await _run("xdotool", "mousemove", *map(str, screen(w * 0.7, h * 0.3)))
    await _shot("overlay-auto.png")

    window.actions_.grow.trigger()
    dialog = window.mask_ops.amount_dialog
    dialog.move(window.geometry().right() - dialog.width() - 420, window.geometry().top() + 120)
    dialog.spin.setValue(60)
    await _until(lambda: canvas.mask_preview() is not None, 20)
    await asyncio.sleep(1.0)
    await _shot("grow-preview.png")
    dialog.reject()

    window.actions_.shortcuts.trigger()
    await _shot("shortcuts.png")
    window.support.cheat_sheet.close()


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="mask-editor-shots-"))
    os.environ["MASK_EDITOR_SETTINGS_DIR"] = str(tmp / "settings")
    os.environ["MASK_EDITOR_DATA_DIR"] = str(tmp / "data")
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    from demo_photo import make_photo
    from PIL import Image, ImageDraw

    from editor.sandbox import Sandbox
    from editor.ui import prefs

    image = Image.fromarray(make_photo())
    draw = ImageDraw.Draw(image)
    w, h = image.size
    # a red dress: the subject a red overlay would hide
    draw.ellipse((w * 0.27, h * 0.3, w * 0.43, h * 0.8), fill=(196, 24, 36))
    photo = tmp / "red-dress.jpg"
    image.save(photo, quality=92)
    sandbox = Sandbox(key="sk-screenshot-demo", delays=0.3).start()
    os.environ["FASHN_API_KEY"] = "sk-screenshot-demo"
    prefs.set_value("backends/fashn/base_url", sandbox.url)
    import qasync

    from editor.ui.launch import create_app, create_window

    app = create_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = create_window(str(photo))
    window.force_close = True
    window.setGeometry(0, 0, 1600, 1000)
    try:
        with loop:
            loop.run_until_complete(scenario(window))
            loop.run_until_complete(window.shutdown())
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
