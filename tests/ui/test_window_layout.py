"""Window layout: size on small screens, pinned Run, fit of ordinary photos and extreme strips."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDockWidget


def test_window_fits_the_screen_and_its_panels_fit_at_1280x800(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    area = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    assert window.width() <= area.width() and window.height() <= area.height()
    assert area.contains(window.geometry().center())
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280 and window.height() == 800)
    QApplication.processEvents()
    controls_dock = window.findChild(QDockWidget, "controls-dock")
    results_dock = window.findChild(QDockWidget, "results-dock")
    for dock in (controls_dock, results_dock):
        assert dock.isVisible()
        assert window.rect().contains(dock.geometry())
    assert results_dock.height() >= 150
    assert window.canvas.width() >= 600 and window.canvas.height() >= 350
    # the Run button and the estimate are reachable (scrolled into the panel's viewport)
    run = window.controls.run_button
    top_left = run.mapTo(window, QPoint(0, 0))
    assert window.rect().contains(top_left) or controls_dock.widget().verticalScrollBar()


def _fully_visible(widget, window) -> bool:  # type: ignore[no-untyped-def]
    top_left = widget.mapTo(window, QPoint(0, 0))
    inside = window.rect().contains(top_left) and window.rect().contains(
        top_left + QPoint(widget.width() - 1, widget.height() - 1)
    )
    return widget.isVisible() and inside and widget.visibleRegion().boundingRect() == widget.rect()


def test_run_and_estimate_are_pinned_below_the_scrolling_settings(fashn_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    win, c = fashn_window, fashn_window.controls
    win.resize(1280, 800)
    qtbot.waitUntil(lambda: win.width() == 1280 and win.height() == 800)
    QApplication.processEvents()
    dock = win.findChild(QDockWidget, "controls-dock")
    assert dock.widget() is c
    bar = c.scroll.verticalScrollBar()
    pinned = (c.estimate_label, c.time_label, c.run_button, win.cancel_button)
    for position in (bar.minimum(), bar.maximum()):
        bar.setValue(position)
        QApplication.processEvents()
        for widget in pinned:
            assert not c.scroll.isAncestorOf(widget)
            assert _fully_visible(widget, win), widget
    assert c.estimate_label.text().startswith("1 credit")
    assert c.time_label.text().startswith("Expected time: about")
    assert not win.cancel_button.isEnabled()  # nothing running


# -- 3. nothing worth restoring is discarded quietly ----------------------------------------


@pytest.mark.parametrize("shape", [(10, 30000), (30000, 10)])
def test_fit_keeps_the_short_side_of_a_strip_visible(window, qtbot, shape) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.canvas.viewport import MIN_FIT_SHORT_SIDE
    from editor.ui.compare import CompareView

    canvas = window.canvas
    image = np.full((*shape, 3), 250, np.uint8)  # near white on the dark background
    canvas.set_image(image)
    canvas.zoom_fit()
    assert min(shape) * canvas.zoom() >= MIN_FIT_SHORT_SIDE - 1e-6
    centre = QPoint(canvas.width() // 2, canvas.height() // 2)
    shown = canvas.grab().toImage()
    assert shown.pixelColor(centre).lightness() > 200  # the photo, not the background
    along = QPoint(centre.x() + 12, centre.y()) if shape[0] < shape[1] else centre
    assert shown.pixelColor(along).lightness() > 200
    # the source pixel under the centre is the middle one, so painting there works
    middle = canvas.map_to_source(centre)
    assert abs(middle.x() - shape[1] / 2) < 1 and abs(middle.y() - shape[0] / 2) < 1

    view = CompareView(image, image)
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.zoom_fit()
    assert min(shape) * view.zoom() >= MIN_FIT_SHORT_SIDE - 1e-6


def test_fit_of_an_ordinary_photo_still_shows_all_of_it(window) -> None:  # type: ignore[no-untyped-def]
    canvas = window.canvas
    canvas.set_image(np.zeros((300, 1500, 3), np.uint8))
    canvas.zoom_fit()
    assert 1500 * canvas.zoom() <= canvas.width()


# -- 7. partial images of a streamed OpenAI-compatible edit appear as they arrive -----------
