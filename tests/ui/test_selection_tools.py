"""Selection tools in the real window: magic wand (W), object from a box (G), mask from
a variant's changes, colour range. Each lands as ONE undo step through the document."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QSpinBox

from editor.core.job_record import JobRecord

H, W = 120, 160
NO = Qt.KeyboardModifier.NoModifier


def photo() -> np.ndarray:
    """Grey background, a red square (20..60, 20..60) and, apart from it, another red
    square (100..140, 70..110); a blue disc on the grey for the object box."""
    img = np.full((H, W, 3), 128, np.uint8)
    img[20:60, 20:60] = (200, 30, 30)
    img[70:110, 100:140] = (205, 35, 28)
    yy, xx = np.mgrid[:H, :W]
    img[(yy - 40) ** 2 + (xx - 115) ** 2 < 15**2] = (30, 40, 210)
    return img


@pytest.fixture
def win(window, qtbot):  # type: ignore[no-untyped-def]
    window.canvas.set_image(photo())
    window.canvas.set_view(1.0, QPointF(W / 2, H / 2))
    window.update_actions()
    return window


def send(view, kind, sx, sy, mods=NO) -> None:  # type: ignore[no-untyped-def]
    pos = view.map_from_source(QPointF(sx + 0.5, sy + 0.5))
    moving = kind == QEvent.Type.MouseMove
    button = Qt.MouseButton.NoButton if moving else Qt.MouseButton.LeftButton
    buttons = (
        Qt.MouseButton.NoButton
        if kind == QEvent.Type.MouseButtonRelease
        else Qt.MouseButton.LeftButton
    )
    event = QMouseEvent(kind, pos, view.mapToGlobal(pos), button, buttons, mods)
    QApplication.sendEvent(view, event)


def click(view, sx, sy, mods=NO) -> None:  # type: ignore[no-untyped-def]
    send(view, QEvent.Type.MouseButtonPress, sx, sy, mods)
    send(view, QEvent.Type.MouseButtonRelease, sx, sy, mods)


def drag(view, a, b, mods=NO) -> None:  # type: ignore[no-untyped-def]
    send(view, QEvent.Type.MouseButtonPress, *a, mods)
    send(view, QEvent.Type.MouseMove, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2, mods)
    send(view, QEvent.Type.MouseMove, *b, mods)
    send(view, QEvent.Type.MouseButtonRelease, *b, mods)


def settle(win, qtbot, steps: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the worker thread's selection has landed as undo step ``steps``."""
    qtbot.waitUntil(lambda: not win.selection.busy and win.document.history.index == steps,
                    timeout=10_000)  # fmt: skip


def test_wand_key_click_selects_contiguous_colour_as_one_undo_step(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    QTest.keyClick(win.canvas, Qt.Key.Key_W)
    assert win.canvas.tool() == "wand"
    assert win.actions_.wand.isChecked() and not win.actions_.brush.isChecked()
    click(win.canvas, 30, 30)
    settle(win, qtbot, 1)
    mask = win.document.mask
    assert (mask[20:60, 20:60] == 255).all()
    assert mask.sum() == 255 * 40 * 40  # contiguous: the other red square is not taken
    assert win.canvas.undo_stack.undoText() == "Magic wand"
    win.canvas.undo()
    assert not win.document.mask.any()
    win.canvas.redo()
    assert (win.document.mask[20:60, 20:60] == 255).all()


def test_wand_global_toggle_shift_adds_alt_subtracts(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    win.actions_.wand.trigger()
    toggle = win.findChild(QCheckBox, "wand-global")
    toggle.setChecked(True)
    click(win.canvas, 30, 30)
    settle(win, qtbot, 1)
    assert (win.document.mask[70:110, 100:140] == 255).all()  # within tolerance 32
    assert win.document.mask.sum() == 255 * 2 * 40 * 40
    toggle.setChecked(False)
    click(win.canvas, 5, 5, Qt.KeyboardModifier.ShiftModifier)  # grey background added
    settle(win, qtbot, 2)
    assert win.canvas.undo_stack.undoText() == "Magic wand add"
    assert win.document.mask[5, 5] == 255 and win.document.mask[30, 30] == 255
    assert win.document.mask[40, 115] == 0  # the blue disc is no grey
    click(win.canvas, 30, 30, Qt.KeyboardModifier.AltModifier)
    settle(win, qtbot, 3)
    assert not win.document.mask[20:60, 20:60].any()
    assert win.document.mask[5, 5] == 255


def test_wand_tolerance_control_is_used_and_remembered(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    from editor.ui import prefs

    spin = win.findChild(QSpinBox, "wand-tolerance")
    assert spin.value() == 32
    spin.setValue(2)  # the second square (205, 35, 28) is now too far from (200, 30, 30)
    assert prefs.get_str("selection/tolerance") == "2"
    win.findChild(QCheckBox, "wand-global").setChecked(True)
    win.actions_.wand.trigger()
    click(win.canvas, 30, 30)
    settle(win, qtbot, 1)
    assert win.document.mask.sum() == 255 * 40 * 40


def test_wand_runs_in_a_worker_thread(win, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from editor.ui.window import selection

    threads: list[str] = []
    real = selection.magic_wand

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(selection, "magic_wand", spy)
    win.actions_.wand.trigger()
    click(win.canvas, 30, 30)
    assert win.selection.busy  # returned before the selection was computed
    settle(win, qtbot, 1)
    assert threads and threads[0] != threading.main_thread().name


def test_stroke_during_wand_is_kept_and_both_are_undo_steps(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    win.actions_.wand.trigger()
    click(win.canvas, 30, 30, Qt.KeyboardModifier.ShiftModifier)
    # the mask changes before the wand lands (as a brush stroke would)
    painted = win.document.mask.copy()
    painted[100:110, 0:10] = 255
    win.document.apply_mask(painted, "Brush stroke")
    settle(win, qtbot, 2)
    assert (win.document.mask[100:110, 0:10] == 255).all()
    assert (win.document.mask[20:60, 20:60] == 255).all()


def test_object_box_drag_proposes_the_object_as_one_undo_step(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    QTest.keyClick(win.canvas, Qt.Key.Key_G)
    assert win.canvas.tool() == "box" and win.actions_.object_box.isChecked()
    drag(win.canvas, (92, 17), (138, 63))
    settle(win, qtbot, 1)
    mask = win.document.mask
    yy, xx = np.mgrid[:H, :W]
    disc = (yy - 40) ** 2 + (xx - 115) ** 2 < 13**2
    assert (mask[disc] == 255).mean() > 0.95
    ring = ((yy - 40) ** 2 + (xx - 115) ** 2 > 18**2) & (abs(yy - 40) < 22) & (abs(xx - 115) < 22)
    assert (mask[ring] == 0).mean() > 0.95
    assert win.canvas.undo_stack.undoText() == "Object from a box"
    win.canvas.undo()
    assert not win.document.mask.any()


def test_object_box_click_is_no_box_and_brush_refines_after(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    win.actions_.object_box.trigger()
    click(win.canvas, 50, 50)
    qtbot.wait(50)
    assert win.document.history.index == 0 and not win.selection.busy
    assert "box" in win.message_label.text()
    win.actions_.brush.trigger()
    assert win.canvas.tool() == "brush"
    drag(win.canvas, (10, 100), (30, 100))
    assert win.document.history.index == 1 and win.document.mask[100, 20] == 255


def test_mask_from_difference_turns_the_leak_into_the_mask(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    source = photo()
    used = np.zeros((H, W), np.uint8)
    used[20:60, 20:60] = 255
    variant = source.copy()
    variant[20:60, 20:60] = (0, 200, 0)  # the wanted edit
    variant[80:100, 10:40] = (250, 250, 250)  # the leak, outside the mask
    record = JobRecord(number=1, backend="local", source=source, mask=used)
    record.set_images([variant])
    record.thumbs = [variant[::2, ::2].copy()]
    record.status = "done"
    win.results.add_job(record)
    win.document.add_job(record)
    win.results.update_job(1)
    assert not win.actions_.mask_from_difference.isEnabled()
    win.results.select(1, 0)
    win.update_actions()
    assert win.actions_.mask_from_difference.isEnabled()
    win.actions_.mask_from_difference.trigger()
    settle(win, qtbot, 1)
    mask = win.document.mask
    assert (mask[82:98, 12:38] == 255).all()
    assert not mask[20:60, 20:60].any()  # the wanted edit is not the leak
    assert not mask[:75].any()
    assert win.canvas.undo_stack.undoText().startswith("Mask from variant 1 of #1")
    record.set_images([source.copy()])  # a variant without a leak leaves the mask alone
    win.actions_.mask_from_difference.trigger()
    qtbot.waitUntil(lambda: not win.selection.busy, timeout=10_000)
    assert win.document.history.index == 1 and (win.document.mask[82:98, 12:38] == 255).all()
    assert "changed nothing outside its mask" in win.message_label.text()


def test_tools_are_in_the_toolbar_menus_and_shortcut_sheet(win) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.actions import SPECS
    from editor.ui.menus import TOOLBAR

    assert {"wand", "object_box"} <= set(TOOLBAR)
    keys = {n: [a.toString() for a in win.actions_.all[n].shortcuts()] for n in SPECS}
    assert keys["wand"] == ["W"] and keys["object_box"] == ["G"]
    menu_texts = [a.text() for m in win.menuBar().actions() for a in m.menu().actions()]
    for name in ("wand", "object_box", "colour_range", "mask_from_difference"):
        assert SPECS[name].text in menu_texts


def test_colour_range_picks_previews_live_and_applies_one_undo_step(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QSlider

    from editor.ui.canvas.preview_layer import SelectionPreviewLayer

    win.actions_.colour_range.trigger()
    dialog = win.selection.colour_dialog
    assert dialog is not None and dialog.isVisible()
    click(win.canvas, 30, 30)  # picks the red, paints nothing
    assert dialog.colour == (200, 30, 30)
    assert win.document.history.index == 0
    layer = win.canvas.findChild(SelectionPreviewLayer)
    qtbot.waitUntil(lambda: layer.values() is not None, timeout=10_000)
    slider = dialog.findChild(QSlider, "colour-range-fuzziness")
    slider.setValue(5)  # the second red is ~3.4 away in CIELAB: both squares
    assert int((layer.values() > 0).sum()) == 2 * 40 * 40
    slider.setValue(0)
    assert int((layer.values() > 0).sum()) == 40 * 40  # exactly the picked colour
    slider.setValue(10)
    dialog.accept()
    settle(win, qtbot, 1)
    mask = win.document.mask
    assert (mask[20:60, 20:60] == 255).all()
    assert (mask[70:110, 100:140] > 0).all()  # the near red, softer
    assert not mask[0:15].any()
    assert win.canvas.undo_stack.undoText() == "Colour range"
    assert layer.values() is None  # the preview is gone with the dialog


def test_tools_are_listed_in_the_f1_sheet_and_status_bar(win) -> None:  # type: ignore[no-untyped-def]
    win.actions_.shortcuts.trigger()
    table = win.support.cheat_sheet.table
    rows = {table.item(i, 0).text(): table.item(i, 1).text() for i in range(table.rowCount())}
    assert rows.get("Magic wand") == "W" and rows.get("Object from a box") == "G"
    win.support.cheat_sheet.close()
    win.actions_.object_box.trigger()
    assert win.brush_label.text() == "Object box"
    assert "drag a box" in win.message_label.text()


def test_selection_waits_for_a_stroke_in_progress(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    win.actions_.wand.trigger()
    click(win.canvas, 30, 30)  # computing in the worker thread...
    win.actions_.brush.trigger()
    win.canvas.set_brush_size(6)
    send(win.canvas, QEvent.Type.MouseButtonPress, 5, 100)  # ...while a stroke starts
    send(win.canvas, QEvent.Type.MouseMove, 15, 100)
    qtbot.wait(300)
    assert win.canvas.stroke_active() and win.selection.busy
    assert win.document.history.index == 0  # not landed in the middle of the stroke
    send(win.canvas, QEvent.Type.MouseButtonRelease, 15, 100)
    settle(win, qtbot, 2)
    texts = [win.canvas.undo_stack.command(i).text() for i in range(2)]
    assert texts == ["Brush stroke", "Magic wand"]
    mask = win.document.mask
    assert mask[100, 10] == 0  # the wand replaced the mask: the stroke is undone by it
    assert (mask[20:60, 20:60] == 255).all()
    win.canvas.undo()
    assert win.document.mask[100, 10] == 255 and not win.document.mask[20:60, 20:60].any()


def test_colour_range_closed_before_its_preview_is_ready(win, qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.canvas.preview_layer import SelectionPreviewLayer

    win.actions_.colour_range.trigger()
    win.selection.colour_dialog.reject()  # before the worker thread built the preview
    qtbot.wait(300)
    layers = win.canvas.findChildren(SelectionPreviewLayer)
    assert all(layer.values() is None for layer in layers)
    assert win.document.history.index == 0
    assert not [r for r in caplog.records if "already deleted" in r.getMessage() + str(r.exc_info)]


def test_wand_on_a_large_photo_lands_through_the_mask_worker(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """On a photo past the mask worker's size the selection is written, recorded and
    redrawn in the worker (the UI thread only repaints), still as one undo step."""
    from editor.core.mask_work import ASYNC_FROM

    h, w = 1800, 2400
    assert h * w >= ASYNC_FROM
    img = np.full((h, w, 3), 128, np.uint8)
    img[200:1400, 300:2000] = (200, 30, 30)
    window.canvas.set_image(img)
    window.canvas.zoom_fit()
    window.update_actions()
    written: list[tuple[int, int, int, int]] = []
    window.document.mask_work.after_write.append(lambda _mask, rect, *_runs: written.append(rect))
    QTest.keyClick(window.canvas, Qt.Key.Key_W)
    click(window.canvas, 1000, 800)
    settle(window, qtbot, 1)
    mask = window.document.mask
    assert written, "the selection did not go through the mask worker"
    assert (mask[200:1400, 300:2000] == 255).all() and int(mask.sum()) == 255 * 1200 * 1700
    assert window.canvas.undo_stack.undoText() == "Magic wand"
    window.canvas.undo()
    qtbot.waitUntil(lambda: not window.document.mask_work.busy(), timeout=10_000)
    assert not window.document.mask.any()
    window.canvas.redo()
    qtbot.waitUntil(lambda: not window.document.mask_work.busy(), timeout=10_000)
    assert int(window.document.mask.sum()) == 255 * 1200 * 1700
