"""The controls panel at first start and after a restart (issue 10 items 8 and 15): wide
enough from the first show, and resolution, mode and variants remembered per engine."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QComboBox, QDockWidget, QWidget
from window_helpers import close_window, new_window

from editor.ui import prefs
from editor.ui.controls import ControlsWidget


def _closed_port() -> int:
    """A loopback port nothing listens on (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pick(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    assert index >= 0, value
    box.setCurrentIndex(index)


def _clipped_rows(controls: ControlsWidget) -> list[str]:
    """Visible settings rows that do not fit sideways in the scroll area's viewport, or
    whose viewport reaches past the panel itself (the dock clips it there)."""
    viewport = controls.scroll.viewport()
    shown = min(viewport.width(), controls.width() - viewport.mapTo(controls, QPoint(0, 0)).x())
    out = []
    for name, widget in controls._rows().items():
        if not widget.isVisible():
            continue
        right = widget.mapTo(viewport, widget.rect().topRight()).x()
        if right >= shown or widget.width() < widget.minimumSizeHint().width():
            out.append(name)
    return out


def test_first_start_on_fashn_with_its_host_unreachable_is_wide_enough(
    qtbot, qloop, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FASHN_API_KEY", "fa-test-key-0123456789")  # first start: FASHN
    prefs.set_value("backends/fashn/base_url", f"http://127.0.0.1:{_closed_port()}")
    win = new_window(qtbot)
    try:
        qtbot.waitExposed(win)
        win.resize(1280, 800)
        c = win.controls
        assert c.backend() == "fashn"
        qtbot.waitUntil(lambda: "could not be reached" in c.readiness_label.text(), timeout=10_000)
        QApplication.processEvents()
        assert c.scroll.verticalScrollBar().maximum() > 0 or c.height() > 0
        assert c.composite_check.isVisible() and c.focus_check.isVisible()
        assert _clipped_rows(c) == []
        first = c.scroll.minimumWidth()
        dock = win.findChild(QDockWidget, "controls-dock")
        assert dock.width() >= first
        # switching engines used to be what widened it: it is as wide from the start
        _pick(c.backend_box, "local")
        _pick(c.backend_box, "fashn")
        QApplication.processEvents()
        assert c.scroll.minimumWidth() == first
        # a longer message arriving after the first show still fits
        c.set_readiness("Asking FASHN at " + "x" * 120 + " failed.", False)
        QApplication.processEvents()
        assert _clipped_rows(c) == []
    finally:
        close_window(qtbot, win)


def test_a_longer_status_after_the_first_show_refits_the_panel(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ControlsWidget()
    qtbot.addWidget(panel)
    _pick(panel.backend_box, "fashn")
    panel.show()
    qtbot.waitExposed(panel)
    wide = QWidget()
    wide.setMinimumWidth(700)  # a row that only becomes wide after the first show
    panel.form.addRow("Wide", wide)
    QApplication.processEvents()  # the new row is shown
    assert panel.scroll.minimumWidth() < 700
    panel.set_balance("12 credits")  # any later text change re-fits
    assert panel.scroll.minimumWidth() >= 700


def _new_panel(qtbot) -> ControlsWidget:  # type: ignore[no-untyped-def]
    panel = ControlsWidget()
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_resolution_mode_and_variants_survive_a_restart_per_engine(qtbot) -> None:  # type: ignore[no-untyped-def]
    first = _new_panel(qtbot)
    _pick(first.backend_box, "fashn")
    _pick(first.resolution_box, "2k")
    _pick(first.mode_box, "quality")
    _pick(first.option_widgets["aspect_ratio"], "4:5")
    first.variants_spin.setValue(3)
    _pick(first.backend_box, "openai")
    first.variants_spin.setValue(7)  # OpenAI makes up to 10: its own number
    _pick(first.format_box, "jpeg")
    _pick(first.backend_box, "fashn")  # back: FASHN's own values again
    assert first.variants_spin.value() == 3 and first.format_box.currentData() == "png"
    assert first.resolution_box.currentData() == "2k"
    first.close()

    prefs.set_value("backends/default", "fashn")
    second = _new_panel(qtbot)  # a restart: a new panel on the same preferences
    assert second.backend() == "fashn"
    assert second.resolution_box.currentData() == "2k"
    assert second.mode_box.currentData() == "quality"
    assert second.option_widgets["aspect_ratio"].currentData() == "4:5"
    assert second.variants_spin.value() == 3
    assert second.estimate_label.text().startswith("12 credits: quality at 2k, x3")
    _pick(second.backend_box, "openai")
    assert second.variants_spin.value() == 7 and second.format_box.currentData() == "jpeg"
    _pick(second.backend_box, "local")
    assert second.variants_spin.value() == 4  # never chosen for Local: at most its 4


def test_remembered_values_that_no_longer_fit_are_ignored(qtbot) -> None:  # type: ignore[no-untyped-def]
    prefs.set_value("backends/default", "fashn")
    prefs.set_value(prefs.controls_key("fashn", "resolution"), "16k")
    prefs.set_value(prefs.controls_key("fashn", "num_images"), "lots")
    prefs.set_value(prefs.controls_key("fashn", "generation_mode"), "fast")
    panel = _new_panel(qtbot)
    assert panel.resolution_box.currentData() == "1k"
    assert panel.variants_spin.value() == 1
    assert panel.mode_box.currentData() == "fast"


@pytest.mark.usefixtures("qloop")
def test_the_real_window_starts_with_the_last_used_fashn_settings(qtbot) -> None:  # type: ignore[no-untyped-def]
    prefs.set_value("backends/default", "fashn")
    win = new_window(qtbot)
    try:
        c = win.controls
        _pick(c.resolution_box, "4k")
        _pick(c.mode_box, "fast")
        c.variants_spin.setValue(2)
    finally:
        close_window(qtbot, win)
    again = new_window(qtbot)
    try:
        c = again.controls
        shown = (c.resolution_box.currentData(), c.mode_box.currentData(), c.variants_spin.value())
        assert shown == ("4k", "fast", 2)
        assert c.settings()["resolution"] == "4k" and c.settings()["num_images"] == 2
    finally:
        close_window(qtbot, again)


def test_switching_from_local_to_fashn_widens_the_dock(qtbot, qloop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Seen under Xvfb: started on the local engine (narrow rows), then FASHN chosen: its
    rows are wider, and the dock kept its width and cut them off at the right."""
    monkeypatch.delenv("FASHN_API_KEY", raising=False)
    win = new_window(qtbot)
    try:
        qtbot.waitExposed(win)
        win.resize(1440, 900)
        c = win.controls
        QApplication.processEvents()
        assert c.backend() == "local"
        narrow = c.width()
        _pick(c.backend_box, "fashn")
        qtbot.waitUntil(lambda: c.width() >= c.scroll.minimumWidth(), timeout=5_000)
        assert c.width() > narrow
        dock = win.findChild(QDockWidget, "controls-dock")
        qtbot.waitUntil(lambda: dock.width() >= c.width(), timeout=5_000)
        assert _clipped_rows(c) == []
    finally:
        close_window(qtbot, win)
