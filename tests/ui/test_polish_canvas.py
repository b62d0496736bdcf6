"""Issue 10 polish on the canvas: overlay colours, brush size (drag, typed, default by
photo), Ctrl+1 around the pointer, grow/shrink/feather with a live preview."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.core import mask as mask_ops


def _flat_photo(h: int, w: int, rgb: tuple[int, int, int]) -> np.ndarray:
    photo = np.empty((h, w, 3), np.uint8)
    photo[...] = rgb
    return photo


def _hue_distance(a: QColor, b: QColor) -> float:
    d = abs(a.hueF() - b.hueF()) * 360 % 360
    return min(d, 360 - d)


def _mouse(canvas, kind, pos: QPointF, button, buttons, mods) -> None:  # type: ignore[no-untyped-def]
    event = QMouseEvent(kind, pos, canvas.mapToGlobal(pos), button, buttons, mods)
    QApplication.sendEvent(canvas, event)


def _move(
    canvas, pos: QPointF, buttons=Qt.MouseButton.NoButton, mods=Qt.KeyboardModifier.NoModifier
) -> None:  # type: ignore[no-untyped-def]
    _mouse(canvas, QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton, buttons, mods)


# -- 9. overlay colours: a contrasting default, presets, custom -------------------------------


def test_contrasting_colour_avoids_the_photos_hues() -> None:
    from editor.ui.canvas.overlay import OVERLAY_PRESETS, contrasting_color

    crimson = QColor(OVERLAY_PRESETS[0][1])
    red = contrasting_color(_flat_photo(300, 400, (200, 20, 30)))
    assert _hue_distance(red, QColor(200, 20, 30)) > 90
    green = contrasting_color(_flat_photo(300, 400, (40, 180, 60)))
    assert _hue_distance(green, QColor(40, 180, 60)) > 90
    # no strong colours: the familiar default
    assert contrasting_color(_flat_photo(300, 400, (128, 128, 128))) == crimson
    # half red dress, half blue sky: neither red nor blue
    mixed = _flat_photo(300, 400, (200, 20, 30))
    mixed[:, 200:] = (40, 90, 220)
    pick = contrasting_color(mixed)
    assert _hue_distance(pick, QColor(200, 20, 30)) > 60
    assert _hue_distance(pick, QColor(40, 90, 220)) > 60


def test_overlay_colour_follows_the_photo_until_one_is_chosen(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.settings import overlay_color_choice

    red_photo = ui.write_png(ui.tmp_path / "red.png", _flat_photo(120, 160, (210, 25, 35)))
    ui.open(window, red_photo)
    shown = window.canvas.overlay_color()
    assert _hue_distance(shown, QColor(210, 25, 35)) > 90  # not red on a red subject
    assert overlay_color_choice() is None

    def pick_blue() -> None:
        dialog = QApplication.activeModalWidget()
        qtbot.mouseClick(dialog.swatches["#2050ff"], Qt.MouseButton.LeftButton)
        assert "#2050ff" in dialog.current_label.text()
        dialog.accept()

    QTimer.singleShot(50, pick_blue)
    window.actions_.overlay_color.trigger()
    assert window.canvas.overlay_color().name() == "#2050ff"
    assert overlay_color_choice() is not None
    # a chosen colour stays, whatever the next photo
    green_photo = ui.write_png(ui.tmp_path / "green.png", _flat_photo(100, 100, (20, 40, 230)))
    ui.open(window, green_photo)
    assert window.canvas.overlay_color().name() == "#2050ff"

    def pick_auto() -> None:
        dialog = QApplication.activeModalWidget()
        qtbot.mouseClick(dialog.auto_button, Qt.MouseButton.LeftButton)
        dialog.accept()

    QTimer.singleShot(50, pick_auto)
    window.actions_.overlay_color.trigger()
    assert overlay_color_choice() is None
    assert _hue_distance(window.canvas.overlay_color(), QColor(20, 40, 230)) > 90


# -- 10. brush size: follows the photo, typed, dragged ---------------------------------------


def test_default_brush_follows_the_photo_size(window, ui) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.canvas.tools import default_brush_size

    assert default_brush_size(6000, 4000) == 80  # 2 % of the short edge on 24 MP
    assert default_brush_size(3000, 2000) == 40
    assert default_brush_size(160, 120) == 8  # never a 2 px brush
    ui.open(window, ui.photo_file("big.png", h=1500, w=2000))
    assert window.canvas.brush_size() == 30
    window.canvas.set_brush_size(55)
    ui.open(window, ui.photo_file("same.png", h=1500, w=2000, seed=3))
    assert window.canvas.brush_size() == 55  # same size of photo: the user's size stays
    ui.open(window, ui.photo_file("small.png", h=600, w=800))
    assert window.canvas.brush_size() == 12


def test_typed_brush_size(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())

    def type_size() -> None:
        dialog = QApplication.activeModalWidget()
        dialog.spin.selectAll()
        QTest.keyClicks(dialog.spin, "1200")
        QTest.keyClick(dialog.spin, Qt.Key.Key_Return)

    QTimer.singleShot(50, type_size)
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    assert window.canvas.brush_size() == 1200
    assert "1200 px" in window.brush_label.text()


def test_alt_right_drag_resizes_the_brush_without_painting(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    photo = ui.write_png(ui.tmp_path / "grey.png", _flat_photo(400, 600, (60, 60, 60)))
    ui.open(window, photo)
    canvas = window.canvas
    canvas.set_view(0.5, QPointF(300, 200))
    canvas.set_brush_size(40)
    start = QPointF(canvas.width() / 2, canvas.height() / 2)
    alt = Qt.KeyboardModifier.AltModifier
    right = Qt.MouseButton.RightButton
    _move(canvas, start)
    _mouse(canvas, QEvent.Type.MouseButtonPress, start, right, right, alt)
    assert canvas.resizing_brush()
    _move(canvas, start + QPointF(30, 5), right, alt)
    assert canvas.brush_size() == 40 + 2 * 30 / 0.5  # the circle's edge follows the pointer
    # the live circle stays centred where the drag began, with the new radius
    shot = canvas.grab().toImage()
    r = canvas.brush_size() / 2 * 0.5
    ring = shot.pixelColor(round(start.x() - r), round(start.y()))
    inside = shot.pixelColor(round(start.x() - r / 2), round(start.y()))
    assert ring.lightness() in (0, 255) and inside.lightness() < 100, (ring.name(), inside.name())
    _move(canvas, start + QPointF(-5, 0), right, alt)
    assert canvas.brush_size() == 40 - 2 * 5 / 0.5
    _mouse(canvas, QEvent.Type.MouseButtonRelease, start, right, Qt.MouseButton.NoButton, alt)
    assert not canvas.resizing_brush()
    assert not canvas.mask().any()  # nothing was painted
    # Ctrl+Alt+left drag does the same (where the window manager keeps Alt+drag)
    left = Qt.MouseButton.LeftButton
    ctrl_alt = Qt.KeyboardModifier.ControlModifier | alt
    size = canvas.brush_size()
    _mouse(canvas, QEvent.Type.MouseButtonPress, start, left, left, ctrl_alt)
    _move(canvas, start + QPointF(50, 0), left, ctrl_alt)
    _mouse(canvas, QEvent.Type.MouseButtonRelease, start, left, Qt.MouseButton.NoButton, ctrl_alt)
    assert canvas.brush_size() == size + 2 * 50 / 0.5
    assert not canvas.mask().any()


# -- 11. Ctrl+1 zooms to 100 % around the pointer ------------------------------------------------


def test_ctrl_1_zooms_around_the_pointer(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file("wide.png", h=1600, w=2400))
    canvas = window.canvas
    canvas.zoom_fit()
    assert canvas.zoom() < 1.0
    pointer = QPointF(canvas.width() * 0.3, canvas.height() * 0.4)
    _move(canvas, pointer)
    under = canvas.map_to_source(pointer)
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom() == 1.0
    after = canvas.map_to_source(pointer)
    assert abs(after.x() - under.x()) < 1 and abs(after.y() - under.y()) < 1
    # the pointer away from the canvas: around the middle of the view, as before
    canvas.zoom_fit()
    QApplication.sendEvent(canvas, QEvent(QEvent.Type.Leave))
    middle = QPointF(canvas.width() / 2, canvas.height() / 2)
    centre = canvas.map_to_source(middle)
    QTest.keyClick(canvas, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    after = canvas.map_to_source(middle)
    assert abs(after.x() - centre.x()) < 1 and abs(after.y() - centre.y()) < 1


# -- 13. grow / shrink / feather: a verb, a preview, remembered amounts scaled to the photo -----


def test_grow_dialog_previews_then_applies_one_undo_step(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file("p.png", h=400, w=600))
    before = ui.paint(window, 100, 200, 150, 300)
    window.actions_.grow.trigger()
    dialog = window.mask_ops.amount_dialog
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Grow mask"
    assert dialog.ok_button.text() == "Grow"
    assert dialog.value() == 2  # 0.5 % of the 400 px short edge
    qtbot.waitUntil(lambda: window.canvas.mask_preview() is not None, timeout=5_000)
    dialog.spin.setValue(12)
    expected = mask_ops.grow(before, 12)
    qtbot.waitUntil(lambda: np.array_equal(window.canvas.mask_preview(), expected), timeout=5_000)
    assert np.array_equal(window.canvas.mask(), before)  # only a preview
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: np.array_equal(window.canvas.mask(), expected), timeout=5_000)
    assert window.canvas.mask_preview() is None
    assert "Grow mask by 12 px" in window.message_label.text()
    window.actions_.undo.trigger()
    assert np.array_equal(window.canvas.mask(), before)

    # feather has its own amount (not the grow value); Cancel leaves the mask as it was
    window.actions_.feather.trigger()
    dialog = window.mask_ops.amount_dialog
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Feather mask" and dialog.ok_button.text() == "Feather"
    assert dialog.value() == 4  # 1 % of the short edge
    qtbot.waitUntil(lambda: window.canvas.mask_preview() is not None, timeout=5_000)
    dialog.reject()
    assert window.canvas.mask_preview() is None
    assert np.array_equal(window.canvas.mask(), before)

    # grow remembers 12 px; on a photo twice as large it offers twice as much
    window.actions_.grow.trigger()
    assert window.mask_ops.amount_dialog.value() == 12
    window.mask_ops.amount_dialog.reject()
    window.session.unsaved_answer = "discard"
    ui.open(window, ui.photo_file("p2.png", h=800, w=1200))
    ui.paint(window, 100, 200, 150, 300)
    window.actions_.grow.trigger()
    assert window.mask_ops.amount_dialog.value() == 24
    window.mask_ops.amount_dialog.reject()


def test_preview_can_be_switched_off(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file("p.png", h=400, w=600))
    before = ui.paint(window, 100, 200, 150, 300)
    window.actions_.shrink.trigger()
    dialog = window.mask_ops.amount_dialog
    qtbot.waitUntil(lambda: window.canvas.mask_preview() is not None, timeout=5_000)
    dialog.preview_check.setChecked(False)
    qtbot.waitUntil(lambda: window.canvas.mask_preview() is None, timeout=5_000)
    dialog.spin.setValue(5)
    dialog.accept()  # no preview was worked out for 5 px: the operation runs now
    expected = mask_ops.grow(before, -5)
    qtbot.waitUntil(lambda: np.array_equal(window.canvas.mask(), expected), timeout=5_000)


def test_preview_overlay_matches_a_fresh_overlay_of_the_preview(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The preview is a copy of the mask's overlay changed where they differ: every
    pyramid level must equal an overlay built from the preview itself."""

    from editor.ui.canvas import CanvasView
    from editor.ui.canvas.overlay import MaskOverlay

    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    rng = np.random.default_rng(1)
    h, w = 1100, 1500  # several pyramid levels, odd sizes
    view.set_image(rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    mask = np.zeros((h, w), np.uint8)
    mask[300:700, 400:900] = 255
    mask[800:1000, 1200:1400] = 128
    view.apply_mask(mask, "paint")

    def same_as_fresh(overlay, target: np.ndarray) -> None:  # type: ignore[no-untyped-def]
        fresh = MaskOverlay(target.copy(), view.overlay_color())
        for mine, ref in zip(overlay.levels, fresh.levels, strict=True):
            assert np.array_equal(mine.mask, ref.mask)
            assert mine.image.colorTable() == ref.image.colorTable()

    for target in (mask_ops.grow(mask, 25), mask_ops.feather(mask, 12), mask_ops.grow(mask, -9)):
        view.show_mask_preview(target)
        assert np.array_equal(view.mask_preview(), target)
        same_as_fresh(view._overlay, target)
    view.show_mask_preview(None)
    assert view.mask_preview() is None
    assert np.array_equal(view.mask(), mask)
    same_as_fresh(view._overlay, mask)


def test_contrasting_colour_is_worked_out_once_per_photo(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The decoding thread asks first; the UI thread's question for the same photo is
    answered without sampling it again, and another photo is sampled afresh."""
    from editor.ui.canvas import overlay_colors

    calls: list[int] = []
    real = overlay_colors.hue_crowding

    def counting(image, hues):  # type: ignore[no-untyped-def]
        calls.append(id(image))
        return real(image, hues)

    monkeypatch.setattr(overlay_colors, "hue_crowding", counting)
    red = _flat_photo(300, 400, (200, 20, 30))
    first = overlay_colors.contrasting_color(red)
    assert overlay_colors.contrasting_color(red) == first and len(calls) == 1
    green = _flat_photo(300, 400, (40, 180, 60))
    assert overlay_colors.contrasting_color(green) != first and len(calls) == 2
    first.setRed(1)  # the caller's copy: the kept answer is not changed through it
    assert overlay_colors.contrasting_color(green) == overlay_colors.contrasting_color(green)
    assert len(calls) == 2
