"""Combine variants with the pick brush in the real window: K enters the mode, keys and
chips choose the source, a drag on the canvas picks it there (through the worker), each
stroke is one undo step of the mode, Esc leaves and K continues; export and use as
source; the mask, prompt and results survive everything."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolButton

from editor.core.variant import Variant


def run_variants(window, ui, n: int = 2):  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    mask = ui.paint(window, 30, 90, 20, 140)
    window.controls.prompt_edit.setPlainText("a red hat")
    window.controls.variants_spin.setValue(n)
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed" and len(record.variants) == n, record.error
    assert not np.array_equal(record.full(0)[40:80, 30:130], record.full(1)[40:80, 30:130])
    return record, mask


def enter(window, qtbot):  # type: ignore[no-untyped-def]
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: window.combine.active is not None, timeout=20_000)
    return window.combine.active


def idle(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.combine.worker.pending == 0, timeout=20_000)


def drag(window, qtbot, a: tuple[float, float], b: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    """A left drag on the canvas from source point a to b (through real mouse events)."""
    canvas = window.canvas
    pa = canvas.map_from_source(QPointF(*a)).toPoint()
    pb = canvas.map_from_source(QPointF(*b)).toPoint()
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pa)
    for t in np.linspace(0, 1, 8)[1:]:
        p = QPoint(round(pa.x() + (pb.x() - pa.x()) * t), round(pa.y() + (pb.y() - pa.y()) * t))
        QTest.mouseMove(canvas, p)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pb)
    idle(window, qtbot)


def grab_rgb(canvas) -> np.ndarray:  # type: ignore[no-untyped-def]
    image = canvas.grab().toImage().convertToFormat(canvas.grab().toImage().Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def test_pick_brush_paints_a_variant_undo_redo_and_leave(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    record, mask = run_variants(window, ui)
    canvas = window.canvas
    mask_undo = canvas.undo_stack.index()
    canvas.set_view(1.0, QPointF(80, 60))
    c = enter(window, qtbot)
    assert window.combine.bar.isVisible()
    assert window.actions_.all["combine"].isChecked()
    assert "COMBINE" in canvas.shown_variant() and "variant 1" in canvas.shown_variant()
    assert window.combine.bar.chips[1].isChecked()
    # starts all original: the composite is the job's source
    assert np.array_equal(c.combiner.composite, record.source)
    QTest.keyClick(window, Qt.Key.Key_2)  # key 2: the brush paints variant 2
    assert c.label == 2 and window.combine.bar.chips[2].isChecked()
    assert "variant 2" in canvas.shown_variant()
    canvas.set_brush_size(20)
    drag(window, qtbot, (40, 60), (120, 60))
    pick = c.combiner.pick
    assert (pick[55:66, 45:116] == 2).all() and (pick[:40] == 0).all()
    assert np.array_equal(c.combiner.composite[56:65, 50:110], record.full(1)[56:65, 50:110])
    assert np.array_equal(c.combiner.composite[:40], record.source[:40])
    # the canvas shows the composite there
    shot = grab_rgb(canvas)
    o = canvas.map_from_source(QPointF(0, 0)).toPoint()
    seen = shot[o.y() + 57 : o.y() + 64, o.x() + 60 : o.x() + 100].astype(int)
    assert np.abs(seen - record.full(1)[57:64, 60:100].astype(int)).mean() < 2
    # chips choose too; a second stroke is a second undo step
    qtbot.mouseClick(window.combine.bar.chips[1], Qt.MouseButton.LeftButton)
    assert c.label == 1
    drag(window, qtbot, (60, 40), (60, 80))
    assert (c.combiner.pick[45:76, 56:65] == 1).all()
    assert len(c.undo) == 2
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    idle(window, qtbot)
    assert (c.combiner.pick[45:76, 56:65] == 2).sum() > 0 and (c.combiner.pick == 1).sum() == 0
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    idle(window, qtbot)
    assert (c.combiner.pick == 0).all()
    assert np.array_equal(c.combiner.composite, record.source)
    mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(window, Qt.Key.Key_Z, mods)  # redo
    idle(window, qtbot)
    assert (c.combiner.pick[55:66, 45:116] == 2).all()
    # the mask and its undo steps were never touched
    assert np.array_equal(canvas.mask(), mask) and canvas.undo_stack.index() == mask_undo
    # Esc leaves; the keys are the window's again; K continues where it was
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.combine.active is None and canvas.shown_variant() is None
    assert not window.combine.bar.isVisible()
    assert not window.actions_.all["combine"].isChecked()
    QTest.keyClick(window, Qt.Key.Key_1)  # shows variant 1 large again, as before
    qtbot.waitUntil(lambda: window.results.shown() == (record.number, 0), timeout=10_000)
    QTest.keyClick(window, Qt.Key.Key_0)
    again = enter(window, qtbot)
    assert again is c and (c.combiner.pick[55:66, 45:116] == 2).all()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    idle(window, qtbot)
    assert (c.combiner.pick == 0).all()  # the same history continues too
    QTest.keyClick(window, Qt.Key.Key_K)  # K again leaves
    assert window.combine.active is None
    assert np.array_equal(canvas.mask(), mask)
    assert window.controls.prompt_edit.toPlainText() == "a red hat"
    assert len(record.variants) == 2


def test_export_composite_and_use_it_as_the_source(window, qtbot, ui, tmp_path) -> None:  # type: ignore[no-untyped-def]
    record, mask = run_variants(window, ui)
    window.canvas.set_view(1.0, QPointF(80, 60))
    c = enter(window, qtbot)
    window.canvas.set_brush_size(30)
    drag(window, qtbot, (40, 60), (120, 60))  # variant 1
    target = tmp_path / "out" / "combined.png"
    target.parent.mkdir()
    window.combine.export_composite(str(target))
    idle(window, qtbot)
    assert "Exported the composite" in window.message_label.text()
    with Image.open(target) as png:
        assert png.size == (160, 120)
        saved = np.asarray(png.convert("RGB"))
        text = dict(png.text)
    assert np.array_equal(saved, c.combiner.composite[..., :3])
    rows = json.loads(text["Combined Sources"])
    assert [r["name"] for r in rows] == ["original", "variant 1"]
    assert rows[1]["job_id"] in (record.remote_id, record.job_id)
    assert sum(r["pixels"] for r in rows) == 160 * 120
    assert "variant 1" in text["Combined"] and "key" not in json.dumps(text).lower()
    # the bar's Export: a new name next to the photo each time, never overwriting
    export = window.combine.bar.findChild(QToolButton, "combine-export")
    qtbot.mouseClick(export, Qt.MouseButton.LeftButton)
    idle(window, qtbot)
    first = window.combine.exported
    window.combine.quick_export()
    idle(window, qtbot)
    assert first is not None and window.combine.exported != first
    assert first.name == "photo-combined-1.png"
    assert window.combine.exported.name == "photo-combined-2.png"
    # use as source: one undo step; the mask stays
    composite = c.combiner.composite.copy()
    window.combine.use_composite()
    qtbot.waitUntil(lambda: window.combine.active is None, timeout=10_000)
    assert np.array_equal(window.document.image, composite)
    assert np.array_equal(window.canvas.mask(), mask)
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the window's undo
    assert np.array_equal(window.document.image, record.source)
    assert np.array_equal(window.canvas.mask(), mask)


def test_fill_all_and_feather_and_a_variant_of_another_size(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    record, _mask = run_variants(window, ui)
    c = enter(window, qtbot)
    bar = window.combine.bar
    bar.start.setCurrentIndex(2)
    bar.start.activated.emit(2)  # "Fill all with": variant 2
    idle(window, qtbot)
    assert (c.combiner.pick == 2).all()
    assert np.array_equal(c.combiner.composite, record.full(1))
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # one step
    idle(window, qtbot)
    assert (c.combiner.pick == 0).all()
    window.canvas.set_brush_size(40)
    window.canvas.set_view(1.0, QPointF(80, 60))
    drag(window, qtbot, (80, 40), (80, 80))
    narrow = c.combiner.composite.copy()
    bar.feather.setValue(12)  # the edge control (debounced)
    qtbot.waitUntil(lambda: c.combiner.feather_px == 12, timeout=5_000)
    idle(window, qtbot)
    wide = c.combiner.composite
    assert not np.array_equal(narrow, wide)
    # far from any edge the sources are untouched by the feather
    assert np.array_equal(wide[:10], record.source[:10])
    QTest.keyClick(window, Qt.Key.Key_Escape)
    # a variant of another size: one line saying why, nothing lost
    record.variants[1] = Variant.whole(np.zeros((60, 80, 3), np.uint8))
    window.combine._kept.clear()
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: "is not 160x120" in window.message_label.text(), timeout=10_000)
    assert window.combine.active is None and not window.actions_.all["combine"].isChecked()
    assert "\n" not in window.message_label.text()


def test_other_tools_and_another_photo_leave_the_mode(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    record, _mask = run_variants(window, ui)
    c = enter(window, qtbot)
    QTest.keyClick(window, Qt.Key.Key_L)  # the lasso edits the mask: the mode ends
    assert window.combine.active is None and window.canvas.tool() == "lasso"
    assert window.canvas.shown_variant() is None
    QTest.keyClick(window, Qt.Key.Key_B)
    assert enter(window, qtbot) is c  # the same combination again
    # a thumbnail click shows that variant: the mode ends, the variant is shown
    card = window.results.card(record.number)
    qtbot.mouseClick(card.variant_buttons[1], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.results.shown() == (record.number, 1), timeout=10_000)
    assert window.combine.active is None and "variant 2 of 2" in window.canvas.shown_variant()
    QTest.keyClick(window, Qt.Key.Key_0)
    enter(window, qtbot)
    window.canvas.set_image(ui.photo(90, 100, seed=4))  # another photo shown
    assert window.combine.active is None and window.canvas.shown_variant() is None
    assert not window.combine.bar.isVisible()
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_K)
    assert "another size" in window.message_label.text()
    assert window.combine.active is None
