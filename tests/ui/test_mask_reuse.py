"""Mask reuse in the real window: "Reuse last mask" for the next photo of the same size
(one undo step, kept across photos of other sizes), and Load mask... reading alpha
channels and grayscale files, scaling another size of the same aspect only after the
user confirms, refusing another aspect in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt, QTimer

from editor.core.mask import to_openai_png


def _open(window, qtbot, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Open ``path`` (discarding the painted mask of the photo before) and wait for it."""
    window.session.unsaved_answer = "discard"
    window.opener.open_path(str(path))
    qtbot.waitUntil(
        lambda: window.document.path == str(path) and not window.opening, timeout=10_000
    )


def _answer_scale(window, verb: str, seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Click ``verb`` on the "Scale the mask?" question once it shows."""

    def click() -> None:
        box = window.mask_ops.scale_question
        if box is None or not box.isVisible():
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        for button in box.buttons():
            if button.text().replace("&", "") == verb:
                button.click()
                return

    QTimer.singleShot(0, click)


def test_reuse_last_mask_on_the_next_photo_of_the_same_size(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    reuse = window.actions_.reuse_mask
    _open(window, qtbot, ui.photo_file("a.png", seed=1))
    assert not reuse.isEnabled()  # no last mask yet
    assert "Paint the area to change." in window.message_label.text()
    painted = ui.paint(window, 10, 60, 20, 90)
    _open(window, qtbot, ui.photo_file("b.png", seed=2))
    assert not window.canvas.mask().any()  # the new photo starts empty
    assert reuse.isEnabled()
    assert "Ctrl+Shift+M reuses the mask of a.png" in window.message_label.text()
    undo_before = window.document.history.index
    window.canvas.setFocus()
    qtbot.keyClick(
        window.canvas,
        Qt.Key.Key_M,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert np.array_equal(window.canvas.mask(), painted)
    assert window.document.history.index == undo_before + 1  # one undo step
    assert "Reuse the mask of a.png" in window.message_label.text()
    window.canvas.undo()
    assert not window.canvas.mask().any()
    window.canvas.redo()
    assert np.array_equal(window.canvas.mask(), painted)

    # another size: not offered; the kept mask survives it and an unpainted photo
    _open(window, qtbot, ui.photo_file("small.png", h=80, w=100, seed=3))
    assert not reuse.isEnabled()
    assert "Ctrl+Shift+M" not in window.message_label.text()
    window.mask_ops.reuse_last_mask()  # called anyway: one line, nothing changes
    assert "160x120" in window.message_label.text() and "100x80" in window.message_label.text()
    assert not window.canvas.mask().any()
    _open(window, qtbot, ui.photo_file("c.png", seed=4))
    assert reuse.isEnabled()
    reuse.trigger()
    assert np.array_equal(window.canvas.mask(), painted)


def test_another_source_of_the_same_photo_is_not_a_next_photo(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    _open(window, qtbot, ui.photo_file("a.png", seed=1))
    painted = ui.paint(window, 10, 60, 20, 90)
    variant = np.full_like(window.document.image, 200)
    window.document.use_source(variant, "variant 1")  # what "Use as new source" does
    window.update_actions()
    assert not window.actions_.reuse_mask.isEnabled()
    ui.paint(window, 70, 90, 20, 90)
    window.canvas.undo()  # back to the painted mask; the source stays
    _open(window, qtbot, ui.photo_file("b.png", seed=2))
    assert window.actions_.reuse_mask.isEnabled()
    window.actions_.reuse_mask.trigger()
    assert np.array_equal(window.canvas.mask(), painted)


def test_load_mask_reads_an_alpha_channel_and_says_so(window, qtbot, ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    wanted = np.zeros((120, 160), np.uint8)
    wanted[30:70, 40:120] = 255
    path = tmp_path / "openai-mask.png"
    path.write_bytes(to_openai_png(wanted))
    window.mask_ops.load_mask_dialog(str(path))
    qtbot.waitUntil(lambda: "transparent = edit" in window.message_label.text(), timeout=10_000)
    assert np.array_equal(window.canvas.mask(), wanted)
    assert window.document.history.undo_text == "Load mask openai-mask.png"


def test_load_mask_of_another_size_scales_only_after_confirming(
    window, qtbot, ui, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    big = np.zeros((240, 320), np.uint8)
    big[60:140, 80:240] = 255
    path = tmp_path / "big-mask.png"
    Image.fromarray(big, "L").save(path)

    seen: list[str] = []
    _answer_scale(window, "Cancel", seen)
    window.mask_ops.load_mask_dialog(str(path))
    qtbot.waitUntil(lambda: "not loaded" in window.message_label.text(), timeout=10_000)
    assert seen == ["Scale the mask from 320x240 to 160x120 (aspect kept)?"]
    assert not window.canvas.mask().any()

    _answer_scale(window, "Scale mask", seen)
    window.mask_ops.load_mask_dialog(str(path))
    qtbot.waitUntil(lambda: "scaled from 320x240" in window.message_label.text(), timeout=10_000)
    expected = np.zeros((120, 160), np.uint8)
    expected[30:70, 40:120] = 255
    assert np.array_equal(window.canvas.mask(), expected)
    window.canvas.undo()  # one undo step
    assert not window.canvas.mask().any()


def test_load_mask_of_another_aspect_is_refused_in_one_line(
    window, qtbot, ui, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    painted = ui.paint(window, 10, 60, 20, 90)
    path = tmp_path / "square.png"
    Image.fromarray(np.full((100, 100), 255, np.uint8), "L").save(path)
    window.mask_ops.load_mask_dialog(str(path))
    qtbot.waitUntil(lambda: "different shape" in window.message_label.text(), timeout=10_000)
    assert "100x100" in window.message_label.text() and "160x120" in window.message_label.text()
    assert window.mask_ops.scale_question is None  # never asked
    assert np.array_equal(window.canvas.mask(), painted)


def test_an_unpainted_photo_between_keeps_the_last_mask(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    """A photo opened and left unpainted leaves no mask of its own (known without
    reading it), so the painted one before it is still offered."""
    _open(window, qtbot, ui.photo_file("a.png", seed=1))
    painted = ui.paint(window, 10, 60, 20, 90)
    _open(window, qtbot, ui.photo_file("b.png", seed=2))
    _open(window, qtbot, ui.photo_file("c.png", seed=3))
    assert window.actions_.reuse_mask.isEnabled()
    assert "Ctrl+Shift+M reuses the mask of a.png" in window.message_label.text()
    window.mask_ops.reuse_last_mask()
    assert np.array_equal(window.canvas.mask(), painted)


def test_a_mask_painted_then_cleared_does_not_replace_the_last_mask(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    """The previous photo's mask is handed over without a copy or a read on the UI
    thread; a worker finds it empty, and the painted mask before it is offered again."""
    _open(window, qtbot, ui.photo_file("a.png", seed=1))
    painted = ui.paint(window, 10, 60, 20, 90)
    _open(window, qtbot, ui.photo_file("b.png", seed=2))
    ui.paint(window, 100, 140, 10, 40)
    window.mask_ops.op("clear")
    qtbot.waitUntil(lambda: not window.canvas.mask().any(), timeout=10_000)
    _open(window, qtbot, ui.photo_file("c.png", seed=3))
    qtbot.waitUntil(lambda: window.mask_ops.last_mask.label == "a.png", timeout=10_000)
    assert window.actions_.reuse_mask.isEnabled()
    window.mask_ops.reuse_last_mask()
    assert np.array_equal(window.canvas.mask(), painted)
    assert "Reuse the mask of a.png" in window.message_label.text()
