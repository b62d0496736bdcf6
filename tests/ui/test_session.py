"""Session files from the window: save/open round trip, and asking before work is lost."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from canvas_strokes import stroke
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def finished_local_job(window, qtbot, ui):  # type: ignore[no-untyped-def]
    """Open a photo, paint, run the offline fill; returns the job record."""
    ui.open(window, ui.photo_file())
    window.canvas.set_brush_size(12)
    stroke(window.canvas, [(40, 40), (70, 50), (100, 60)])
    assert window.canvas.mask().any()
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    return record


def test_save_and_open_session_round_trip(window, qtbot, ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    record = finished_local_job(window, qtbot, ui)
    window.variants.use_as_source()  # a second source, so the history is saved too
    qtbot.waitUntil(lambda: len(window.document.sources.entries) == 2)  # built off-thread
    stroke(window.canvas, [(10, 100), (60, 100)])
    window.controls.prompt_edit.setPlainText("keep the sky")
    window.controls.seed_spin.setValue(1234)
    mask = window.canvas.mask().copy()
    assert window.isWindowModified()
    target = tmp_path / "work.maskedit"
    window.session.save_session_dialog(str(target))
    qtbot.waitUntil(lambda: "Saved the session" in window.message_label.text(), timeout=20_000)
    assert not window.isWindowModified()
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
    assert {"manifest.json", "source.png", "mask.png", "history/000.png"} <= names
    assert "results/000/00.png" in names

    window.mask_ops.op("clear")
    window.controls.prompt_edit.setPlainText("something else")
    window.controls.seed_spin.setValue(7)
    window.session.unsaved_answer = "discard"
    window.session.open_session_dialog(str(target))
    qtbot.waitUntil(lambda: "Opened the session" in window.message_label.text(), timeout=20_000)

    assert np.array_equal(window.canvas.mask(), mask)
    assert np.array_equal(window.canvas.image(), record.full(0)[..., :3])
    assert window.controls.prompt() == "keep the sky"
    assert window.controls.seed_spin.value() == 1234
    assert len(window.document.sources.entries) == 2 and window.document.sources.can_go_back
    restored = list(window.document.jobs.values())
    assert len(restored) == 1 and restored[0].status == "completed"
    for got, want in zip(restored[0].full_images(), record.full_images(), strict=True):
        assert np.array_equal(got, want)
    card = window.results.card(restored[0].number)
    assert card is not None and len(card.variant_buttons) == len(record.variants)
    assert not window.isWindowModified()
    window.variants.source_back()
    assert np.array_equal(window.canvas.image(), record.source)


def test_damaged_session_file_keeps_the_work(window, qtbot, ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    painted = ui.paint(window, 5, 30, 5, 30)
    bad = tmp_path / "bad.maskedit"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    window.session.unsaved_answer = "discard"
    window.opener.open_path(str(bad))
    qtbot.waitUntil(lambda: "bad.maskedit" in window.message_label.text(), timeout=10_000)
    assert "\n" not in window.message_label.text()
    assert np.array_equal(window.canvas.mask(), painted)


def _answer_next_message_box(qtbot, button) -> list[str]:  # type: ignore[no-untyped-def]
    """Click ``button`` in the next modal message box; returns its text once shown."""
    seen: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(20, click)
    return seen


def test_opening_with_unsaved_changes_asks_cancel_keeps_work(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    painted = ui.paint(window, 10, 40, 10, 40)
    other = ui.photo_file("other.png", seed=3)
    seen = _answer_next_message_box(qtbot, QMessageBox.StandardButton.Cancel)
    window.opener.open_path(str(other))
    assert seen and "Save your work" in seen[0]
    qtbot.wait(200)
    assert "photo.png" in window.windowTitle()
    assert np.array_equal(window.canvas.mask(), painted)


def test_opening_with_unsaved_changes_discard_opens(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    ui.paint(window, 10, 40, 10, 40)
    other = ui.photo_file("other.png", seed=3)
    seen = _answer_next_message_box(qtbot, QMessageBox.StandardButton.Discard)
    window.opener.open_path(str(other))
    qtbot.waitUntil(lambda: "other.png" in window.windowTitle(), timeout=10_000)
    assert seen and not window.canvas.mask().any()


def test_save_answer_saves_the_session_then_opens(window, qtbot, ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from editor.core.session import load_session

    ui.open(window, ui.photo_file())
    ui.paint(window, 10, 40, 10, 40)
    target = tmp_path / "s.maskedit"
    window.session.save_session_dialog(str(target))
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=10_000)
    painted = ui.paint(window, 50, 60, 50, 90)  # changed again after saving
    window.controls.prompt_edit.setPlainText("later prompt")
    assert window.isWindowModified()
    window.session.unsaved_answer = "save"  # the same dialog answered "Save"
    window.opener.open_path(str(ui.photo_file("other.png", seed=3)))
    qtbot.waitUntil(lambda: "other.png" in window.windowTitle(), timeout=10_000)
    saved = load_session(target)
    assert np.array_equal(saved.mask, painted) and saved.prompt == "later prompt"


def test_closing_with_unsaved_changes_asks(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    ui.paint(window, 10, 40, 10, 40)
    window.force_close = False
    seen = _answer_next_message_box(qtbot, QMessageBox.StandardButton.Cancel)
    window.close()
    assert seen and "quitting" in seen[0]
    assert window.isVisible()
    window.session.unsaved_answer = "discard"
    window.close()
    assert not window.isVisible()


def test_an_opened_sessions_mask_levels_are_built_off_the_ui_thread(
    window, qtbot, ui, tmp_path: Path, request
) -> None:  # type: ignore[no-untyped-def]
    import threading

    ui.open(window, ui.photo_file())
    painted = ui.paint(window, 10, 60, 20, 90)
    target = tmp_path / "painted.maskedit"
    window.session.save_session_dialog(str(target))
    qtbot.waitUntil(lambda: "Saved the session" in window.message_label.text(), timeout=20_000)
    window.mask_ops.op("clear")
    threads = request.getfixturevalue("pyramid_threads")  # from here on
    window.session.unsaved_answer = "discard"
    window.session.open_session_dialog(str(target))
    qtbot.waitUntil(lambda: "Opened the session" in window.message_label.text(), timeout=20_000)
    assert np.array_equal(window.canvas.mask(), painted)
    assert threads and threading.main_thread().name not in threads
    shown = window.canvas._overlay
    assert shown is not None and not shown.empty and shown.mask is window.canvas.mask()
