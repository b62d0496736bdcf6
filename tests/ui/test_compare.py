"""Compare view: synchronised split, side by side, flash key, difference map."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from editor.ui.compare import CompareDialog, CompareView
from editor.ui.imaging import difference_map


@pytest.fixture
def pair(ui):  # type: ignore[no-untyped-def]
    original = ui.photo(100, 150, seed=2)
    variant = original.copy()
    mask = np.zeros((100, 150), np.uint8)
    mask[20:60, 30:90] = 255
    variant[25:55, 35:85] = (0, 0, 255)  # inside the mask
    variant[90:95, 5:10] = (255, 255, 0)  # outside the mask: 25 px
    return original, variant, mask


@pytest.fixture
def view(qtbot, qloop, pair):  # type: ignore[no-untyped-def]
    v = CompareView(*pair)
    qtbot.addWidget(v)
    v.resize(600, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_split_drag_moves_the_divider(view, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert view.split() == 0.5
    assert view.shown_image_at(100, 200) == "original"
    assert view.shown_image_at(500, 200) == "variant"
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    qtbot.mouseMove(view, QPoint(150, 200))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(150, 200))
    assert view.split() == pytest.approx(0.25, abs=0.01)
    assert view.shown_image_at(200, 200) == "variant"
    grab = view.grab().toImage()
    assert grab.pixelColor(150, 10) == grab.pixelColor(150, 300)  # the divider line


def test_pan_and_zoom_are_shared(view, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.set_mode("side")
    z0 = view.zoom()
    left = view.pane_to_image(QPointF(150, 200))
    right = view.pane_to_image(QPointF(450, 200))
    assert left == right  # the same image point sits at the same place in both panes
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(view, QPoint(140, 120))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(140, 120))
    assert view.center() != QPointF(75, 50)
    assert view.pane_to_image(QPointF(150, 200)) == view.pane_to_image(QPointF(450, 200))
    view.zoom_100()
    assert view.zoom() == 1.0 != z0


def test_flash_key_shows_the_original(view, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_F)
    assert view.flashing() and view.shown_image_at(500, 200) == "original"
    qtbot.keyRelease(view, Qt.Key.Key_F)
    assert not view.flashing() and view.shown_image_at(500, 200) == "variant"


def test_difference_view(view, qtbot, pair) -> None:  # type: ignore[no-untyped-def]
    view.set_mode("difference")
    qtbot.waitUntil(view.difference_ready, timeout=10_000)
    inside, outside = view.diff_fractions
    assert inside == pytest.approx(30 * 50 / (40 * 60))
    assert outside == pytest.approx(25 / (100 * 150 - 40 * 60))
    picture, _, _ = difference_map(*pair)
    assert tuple(picture[30, 40]) == (255, 150, 0)
    assert tuple(picture[92, 7]) == (255, 0, 200)
    assert picture[5, 5, 0] == picture[5, 5, 1] == picture[5, 5, 2]  # unchanged: grey


def test_dialog_mode_buttons(qtbot, qloop, pair) -> None:  # type: ignore[no-untyped-def]
    dialog = CompareDialog(*pair, title="job #1")
    qtbot.addWidget(dialog)
    dialog.show()
    buttons = {b.property("mode"): b for b in dialog.mode_group.buttons()}
    qtbot.mouseClick(buttons["difference"], Qt.MouseButton.LeftButton)
    assert dialog.view.mode() == "difference"
    qtbot.waitUntil(lambda: "Changed pixels" in dialog.info.text(), timeout=10_000)
    qtbot.mouseClick(buttons["side"], Qt.MouseButton.LeftButton)
    assert dialog.view.mode() == "side"
