"""Opening photos: menu path, command line, drop, paste, recent files, broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from editor.ui import prefs
from editor.ui.imaging import to_qimage


def test_open_shows_image_title_and_recent(window, qtbot, ui, photo_path: Path) -> None:
    ui.open(window, photo_path)
    assert window.canvas.has_image()
    assert window.canvas.image().shape[:2] == (120, 160)
    assert window.canvas.mask().shape == (120, 160)
    assert not window.canvas.mask().any()
    assert "photo.png" in window.windowTitle()
    assert not window.isWindowModified()
    qtbot.waitUntil(lambda: bool(window.recent_menu.actions()), timeout=5_000)  # off-thread
    assert prefs.recent_files()[0] == str(photo_path.resolve())
    assert [a.text() for a in window.recent_menu.actions()] == [str(photo_path.resolve())]
    assert window.size_label.text() == "160 × 120"


def test_painting_marks_the_title_modified(window, qtbot, ui, photo_path: Path) -> None:
    ui.open(window, photo_path)
    ui.paint(window, 10, 20, 10, 30)
    assert window.isWindowModified()
    window.canvas.undo_stack.undo()
    assert not window.isWindowModified()


def test_broken_file_keeps_current_work(
    window, qtbot, ui, photo_path: Path, tmp_path: Path
) -> None:
    ui.open(window, photo_path)
    painted = ui.paint(window, 5, 40, 5, 60)
    window.canvas.undo_stack.setClean()  # so opening does not ask to discard
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    image_before = window.canvas.image()
    window.opener.open_path(str(broken))
    qtbot.waitUntil(lambda: "broken.jpg" in window.message_label.text(), timeout=10_000)
    message = window.message_label.text()
    assert "\n" not in message and "Traceback" not in message
    assert window.canvas.image() is image_before
    assert np.array_equal(window.canvas.mask(), painted)
    assert "photo.png" in window.windowTitle()


def test_unsupported_and_missing_files_are_reported(window, qtbot, tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("hello, not an image")
    window.opener.open_path(str(text))
    qtbot.waitUntil(lambda: "notes.png" in window.message_label.text(), timeout=10_000)
    assert not window.canvas.has_image()
    window.opener.open_path(str(tmp_path / "missing.png"))
    qtbot.waitUntil(lambda: "missing.png" in window.message_label.text(), timeout=10_000)
    assert not window.canvas.has_image()


def test_drop_a_file_opens_it(window, qtbot, ui, tmp_path: Path) -> None:
    path = ui.photo_file("dropped.png", 50, 70, seed=3)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.document.sources.current is not None, timeout=10_000)
    assert window.canvas.image().shape[:2] == (50, 70)
    assert "dropped.png" in window.windowTitle()


def test_paste_image_from_clipboard(window, qtbot, ui) -> None:
    photo = ui.photo(40, 30, seed=5)
    QGuiApplication.clipboard().setImage(to_qimage(photo, copy=True))
    window.actions_.paste.trigger()
    qtbot.waitUntil(window.canvas.has_image, timeout=5_000)
    assert np.array_equal(window.canvas.image()[..., :3], photo)
    assert "Pasted image" in window.windowTitle()


def test_paste_without_image_says_so(window, qtbot) -> None:
    QGuiApplication.clipboard().setText("just text")
    window.opener.paste_image()
    assert "no image" in window.message_label.text()
    assert not window.canvas.has_image()


def test_command_line_path_opens_after_start(qtbot, qloop, photo_path: Path) -> None:
    from editor.ui.launch import create_app, create_window

    assert create_app() is QApplication.instance()
    win = create_window(str(photo_path))
    win.force_close = True
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.document.sources.current is not None, timeout=10_000)
    assert "photo.png" in win.windowTitle()


def test_actions_follow_state(window, qtbot, ui, photo_path: Path) -> None:
    a = window.actions_.all
    assert not a["run"].isEnabled() and not a["invert"].isEnabled()
    assert not a["compare"].isEnabled() and not a["export_variant"].isEnabled()
    ui.open(window, photo_path)
    assert a["run"].isEnabled() and a["invert"].isEnabled() and a["save_mask"].isEnabled()
    assert not a["source_back"].isEnabled()
    window.actions_.eraser.trigger()
    assert a["eraser"].isChecked() and not a["brush"].isChecked()
    window.actions_.swap.trigger()
    assert a["brush"].isChecked()


def test_painting_keys_work_right_after_opening(window, qtbot, ui, photo_path: Path) -> None:
    """The backend combo must not keep the focus and eat [ ]: the canvas gets it."""
    window.activateWindow()
    window.controls.backend_box.setFocus()
    ui.open(window, photo_path)
    qtbot.waitUntil(lambda: window.canvas.hasFocus(), timeout=5_000)
    size = window.canvas.brush_size()
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.canvas.brush_size() > size
