"""Autosave and recovery: a restart after a crash (simulated in-process, and a real
``kill -9`` of the app in a subprocess) restores mask, prompt and results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from canvas_strokes import stroke
from PySide6.QtCore import QTimer
from window_helpers import close_window, crash, new_window


def test_autosave_then_restart_restores_mask_prompt_results(qtbot, qloop, ui) -> None:  # type: ignore[no-untyped-def]
    first = new_window(qtbot)
    ui.open(first, ui.photo_file())
    first.canvas.set_brush_size(10)
    stroke(first.canvas, [(30, 30), (60, 40), (90, 50)])
    first.run.run_job()  # offline fill: needs no prompt
    record = ui.wait_job(first, timeout=120_000)
    assert record.status == "completed", record.error
    stroke(first.canvas, [(20, 90), (140, 95)])
    first.controls.prompt_edit.setPlainText("a wooden bench, warm evening light")
    first.controls.resolution_box.setCurrentIndex(2)
    mask = first.canvas.mask().copy()
    qtbot.wait(600)  # the prompt is written after a short pause in typing
    crash(first)
    first.close()

    second = new_window(qtbot)
    second.recovery.recovery_answer = "restore"
    second.recovery.offer_recovery()
    qtbot.waitUntil(lambda: "Restored your work" in second.message_label.text(), timeout=20_000)
    assert np.array_equal(second.canvas.mask(), mask)
    assert np.array_equal(second.canvas.image(), first.canvas.image())
    assert second.controls.prompt() == "a wooden bench, warm evening light"
    assert second.controls.resolution_box.currentData() == "4k"
    jobs = list(second.document.jobs.values())
    assert len(jobs) == 1 and jobs[0].status == "completed"
    for got, want in zip(jobs[0].full_images(), record.full_images(), strict=True):
        assert np.array_equal(got, want)
    assert second.results.card(jobs[0].number) is not None
    assert second.isWindowModified()  # restored, but not yet saved anywhere
    # the restored work is autosaved again, the old leftovers are gone
    qtbot.waitUntil(lambda: not second.session.autosaver.has_recovery(), timeout=10_000)
    close_window(qtbot, second)
    close_window(qtbot, first)


def test_restored_mask_levels_are_built_off_the_ui_thread(qtbot, qloop, ui, request) -> None:  # type: ignore[no-untyped-def]
    import threading

    first = new_window(qtbot)
    ui.open(first, ui.photo_file())
    painted = ui.paint(first, 10, 60, 20, 90)
    crash(first)
    first.close()

    threads = request.getfixturevalue("pyramid_threads")  # from here on
    second = new_window(qtbot)
    second.recovery.recovery_answer = "restore"
    second.recovery.offer_recovery()
    qtbot.waitUntil(lambda: "Restored your work" in second.message_label.text(), timeout=20_000)
    assert np.array_equal(second.canvas.mask(), painted)
    # the restored mask's levels were worked out by the thread that read the autosave
    assert threads and threading.main_thread().name not in threads
    shown = second.canvas._overlay
    assert shown is not None and not shown.empty and shown.mask is second.canvas.mask()
    close_window(qtbot, second)
    close_window(qtbot, first)


def click_when_shown(win, button: str) -> None:  # type: ignore[no-untyped-def]
    """Click a button of the window's recovery dialog as soon as it is on screen."""

    def attempt() -> None:
        dialog = getattr(win.recovery, "recovery_dialog", None)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, attempt)
            return
        getattr(dialog, button).click()

    QTimer.singleShot(20, attempt)


def test_recovery_dialog_later_then_discard(qtbot, qloop, ui) -> None:  # type: ignore[no-untyped-def]
    first = new_window(qtbot)
    ui.open(first, ui.photo_file())
    ui.paint(first, 10, 50, 10, 50)
    crash(first)

    second = new_window(qtbot)
    click_when_shown(second, "later_button")
    second.recovery.offer_recovery()
    qtbot.waitUntil(lambda: "offered again" in second.message_label.text(), timeout=20_000)
    assert "Photo: photo.png (160 × 120)" in second.recovery.recovery_dialog.details.text()
    assert not second.canvas.has_image()
    close_window(qtbot, second)  # "later" keeps the leftovers

    third = new_window(qtbot)
    click_when_shown(third, "discard_button")
    third.recovery.offer_recovery()
    qtbot.waitUntil(lambda: "Discarded" in third.message_label.text(), timeout=20_000)
    qtbot.waitUntil(lambda: not third.session.autosaver.has_recovery(), timeout=10_000)
    assert not third.canvas.has_image()
    close_window(qtbot, third)
    close_window(qtbot, first)


def test_clean_quit_leaves_nothing_to_recover(qtbot, qloop, ui) -> None:  # type: ignore[no-untyped-def]
    from editor.core.autosave import Autosaver

    first = new_window(qtbot)
    ui.open(first, ui.photo_file())
    ui.paint(first, 10, 50, 10, 50)
    assert first.session.autosaver.flush(10)
    assert (first.session.autosaver.folder / "mask.png").is_file()
    close_window(qtbot, first)
    assert not first.session.autosaver.folder.exists()
    assert not Autosaver().has_recovery()


APP_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    import numpy as np
    import qasync
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    from editor.ui.launch import create_app
    from editor.ui.window import MainWindow

    photo, expected = sys.argv[1], sys.argv[2]
    app = create_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    win = MainWindow()
    win.show()

    def send(kind, x, y, button, buttons):
        pos = win.canvas.map_from_source(QPointF(x + 0.5, y + 0.5))
        QApplication.sendEvent(win.canvas, QMouseEvent(
            kind, pos, win.canvas.mapToGlobal(pos), button, buttons,
            Qt.KeyboardModifier.NoModifier))

    def stroke(points, release=True):
        left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
        send(QEvent.Type.MouseButtonPress, *points[0], left, left)
        for x, y in points[1:]:
            send(QEvent.Type.MouseMove, x, y, none, left)
        if release:
            send(QEvent.Type.MouseButtonRelease, *points[-1], left, none)

    async def main():
        win.opener.open_path(photo)
        while win.document.sources.current is None or win.opening:
            await asyncio.sleep(0.02)
        win.canvas.set_brush_size(14)
        stroke([(40, 40), (120, 60)])
        win.run.run_job()
        while not win.document.jobs or win.runner.running():
            await asyncio.sleep(0.05)
        print("job", next(iter(win.document.jobs.values())).status, flush=True)
        stroke([(20, 150), (200, 160)])
        stroke([(150, 20), (160, 180)])
        win.controls.prompt_edit.setPlainText("replace the lamp with a plant")
        np.save(expected, win.canvas.mask())
        await asyncio.sleep(0.6)
        await asyncio.to_thread(win.session.autosaver.flush)
        print("flushed", flush=True)
        stroke([(10, 10), (230, 190)], release=False)  # killed in the middle of a stroke
        print("midstroke", flush=True)
        await asyncio.sleep(120)

    loop.run_until_complete(main())
    """
)


@pytest.mark.timeout(240)
def test_kill_9_then_restart_restores_the_last_finished_stroke(
    qtbot, qloop, ui, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "app.py"
    script.write_text(APP_SCRIPT)
    photo = ui.photo_file("kitchen.png", h=200, w=240, seed=5)
    expected = tmp_path / "expected.npy"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")  # same data and settings folders
    proc = subprocess.Popen(
        [sys.executable, str(script), str(photo), str(expected)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 180
    try:
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.startswith("midstroke"):
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert "job completed" in lines and "midstroke" in lines, (lines, err[-2000:])

    win = new_window(qtbot)
    win.recovery.recovery_answer = "restore"
    win.recovery.offer_recovery()
    qtbot.waitUntil(lambda: "Restored your work" in win.message_label.text(), timeout=30_000)
    mask = np.load(expected)
    assert mask.any()
    assert np.array_equal(win.canvas.mask(), mask)  # not the unfinished stroke
    assert win.controls.prompt() == "replace the lamp with a plant"
    jobs = list(win.document.jobs.values())
    assert len(jobs) == 1 and jobs[0].status == "completed" and jobs[0].variants
    assert jobs[0].full(0).shape[:2] == (200, 240)
    assert win.document.sources.current is not None and win.document.sources.current.path == str(
        photo
    )
    close_window(qtbot, win)
