"""A large look at a variant: a thumbnail click (or 1-4) shows it on the canvas at full
size with the mask's outline; a second click, 0 or Escape goes back; V cycles."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest


def grab_rgb(canvas) -> np.ndarray:  # type: ignore[no-untyped-def]
    image = canvas.grab().toImage().convertToFormat(canvas.grab().toImage().Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def run_two_variants(window, ui):  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    mask = ui.paint(window, 40, 80, 50, 110)
    window.controls.variants_spin.setValue(2)
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed" and len(record.variants) == 2, record.error
    return record, mask


def test_click_shows_the_variant_large_and_again_goes_back(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    record, mask = run_two_variants(window, ui)
    canvas = window.canvas
    canvas.set_view(1.0, QPointF(80, 60))  # one source pixel = one screen pixel
    canvas.set_overlay_mode("hidden")  # the photo itself, to compare pixels with
    photo_shot = grab_rgb(canvas)
    card = window.results.card(record.number)
    qtbot.mouseClick(card.variant_buttons[1], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: canvas.shown_variant() is not None, timeout=10_000)
    assert "variant 2 of 2" in canvas.shown_variant()
    assert window.results.shown() == (record.number, 1)
    assert "border" in card.variant_buttons[1].styleSheet()
    assert "variant 2 of 2" in window.message_label.text()
    shot = grab_rgb(canvas)
    # inside the mask (away from the banner and the outline) the screen shows the variant
    origin = canvas.map_from_source(QPointF(0, 0)).toPoint()
    ox, oy = origin.x(), origin.y()
    on_screen = shot[oy + 45 : oy + 75, ox + 55 : ox + 105].astype(int)
    variant = record.full(1)[45:75, 55:105, :3].astype(int)
    photo = canvas.image()[45:75, 55:105, :3].astype(int)
    assert np.abs(on_screen - variant).mean() < 2 < np.abs(on_screen - photo).mean()
    assert not np.array_equal(shot, photo_shot)
    # the mask's outline is drawn on the variant: pixels on the mask's edge changed
    edge = canvas.map_from_source(QPointF(50.0, 60.5)).toPoint()
    assert shot[edge.y(), edge.x() - 1 : edge.x() + 1].tolist() != [
        list(record.full(1)[60, 49, :3]),
        list(record.full(1)[60, 50, :3]),
    ]
    assert canvas.hasFocus()  # keys (Esc, 1-4, V) act on what is shown
    qtbot.mouseClick(card.variant_buttons[1], Qt.MouseButton.LeftButton)  # again: back
    assert canvas.shown_variant() is None and window.results.shown() is None
    assert "border" not in card.variant_buttons[1].styleSheet()
    assert np.array_equal(grab_rgb(canvas), photo_shot)
    assert np.array_equal(canvas.mask(), mask)  # looking changed nothing


def test_keys_cycle_through_variants_and_escape_returns(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    record, _mask = run_two_variants(window, ui)
    canvas = window.canvas
    canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: window.results.shown() == (record.number, 1), timeout=10_000)
    QTest.keyClick(window, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: window.results.shown() == (record.number, 0), timeout=10_000)
    QTest.keyClick(window, Qt.Key.Key_V)  # next
    qtbot.waitUntil(lambda: window.results.shown() == (record.number, 1), timeout=10_000)
    QTest.keyClick(window, Qt.Key.Key_V)  # wraps round
    qtbot.waitUntil(lambda: window.results.shown() == (record.number, 0), timeout=10_000)
    QTest.keyClick(window, Qt.Key.Key_4)
    assert "has 2 variant(s)" in window.message_label.text()
    assert window.results.shown() == (record.number, 0)
    window.controls.run_button.setFocus()
    QTest.keyClick(window.controls.run_button, Qt.Key.Key_Escape)  # the controls': to the canvas
    assert canvas.hasFocus() and canvas.shown_variant() is not None
    QTest.keyClick(canvas, Qt.Key.Key_Escape)  # then back to the photo
    assert canvas.shown_variant() is None
    QTest.keyClick(window, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: canvas.shown_variant() is not None, timeout=10_000)
    QTest.keyClick(window, Qt.Key.Key_0)
    assert canvas.shown_variant() is None and window.results.shown() is None


def test_painting_goes_back_to_the_photo_first(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    record, _mask = run_two_variants(window, ui)
    canvas = window.canvas
    window.variants.show_large(record.number, 0)
    qtbot.waitUntil(lambda: canvas.shown_variant() is not None, timeout=10_000)
    canvas.set_view(1.0, QPointF(80, 60))
    pos = canvas.map_from_source(QPointF(10.5, 10.5)).toPoint()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pos)
    assert canvas.shown_variant() is None
    assert canvas.mask()[10, 10] == 255 and canvas.image() is not record.full(0)
