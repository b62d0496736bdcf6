"""Second polish pass: balance after a job, pinned Run, quiet recovery of nothing,
compare Close button, offline time estimate, fit of extreme strips, partial images."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget
from window_helpers import close_window, crash, new_window

from editor.ui import prefs


# -- 1. the FASHN balance follows the jobs ------------------------------------------------
def test_balance_is_read_again_after_a_job_is_charged(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win, c = fashn_window, fashn_window.controls
    ui.open(win, ui.photo_file())
    ui.paint(win, 20, 70, 30, 110)
    c.prompt_edit.setPlainText("a blue glass vase")
    c.variants_spin.setValue(2)  # auto at 1k: 1 credit each
    qtbot.waitUntil(lambda: c.balance_label.text() == "100 credits", timeout=15_000)
    win.run_job()
    record = ui.wait_job(win)
    assert record.state == "completed", record.error
    qtbot.waitUntil(lambda: c.balance_label.text() == "98 credits", timeout=15_000)


def test_balance_is_read_again_when_an_accepted_job_fails(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win, c = fashn_window, fashn_window.controls
    ui.open(win, ui.photo_file())
    ui.paint(win, 20, 70, 30, 110)
    c.prompt_edit.setPlainText("x")
    qtbot.waitUntil(lambda: c.balance_label.text() == "100 credits", timeout=15_000)
    sandbox.balance = 77.0  # spent elsewhere meanwhile (another app on the same key)
    sandbox.inject("job_failed", message="GPU fell over")
    win.run_job()
    record = ui.wait_job(win)
    assert record.state == "failed" and record.remote_id
    qtbot.waitUntil(lambda: c.balance_label.text() == "77 credits", timeout=15_000)


# -- 2. estimate, time, Run and Cancel always visible --------------------------------------
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
def _restart(qtbot):  # type: ignore[no-untyped-def]
    win = new_window(qtbot)
    win.recovery_answer = "restore"  # what a click on Restore would do, if it were offered
    done: list[bool] = []
    win.offer_recovery(then=lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)
    restored = "Restored your work" in win.message_label.text()
    has_recovery = win.autosaver.has_recovery()
    close_window(qtbot, win)
    return restored, has_recovery


def test_a_killed_run_with_only_the_photo_is_not_offered(qtbot, qloop, ui) -> None:  # type: ignore[no-untyped-def]
    first = new_window(qtbot, show=False)
    ui.open(first, ui.photo_file())
    first.controls.variants_spin.setValue(3)  # settings alone are not worth a question
    qtbot.wait(600)
    crash(first)
    first.close()
    restored, left = _restart(qtbot)
    assert not restored and not left  # discarded quietly


@pytest.mark.parametrize("what", ["prompt", "mask", "pasted"])
def test_a_killed_run_with_work_in_it_is_offered(qtbot, qloop, ui, what: str) -> None:  # type: ignore[no-untyped-def]
    first = new_window(qtbot, show=False)
    if what == "pasted":  # no file to open again
        first.set_document(ui.photo(), None, "Pasted image")
    else:
        ui.open(first, ui.photo_file())
    if what == "prompt":
        first.controls.prompt_edit.setPlainText("a red scarf")
    if what == "mask":
        ui.paint(first, 10, 20, 10, 20)
    qtbot.wait(600)
    crash(first)
    first.close()
    restored, _left = _restart(qtbot)
    assert restored


# -- 4. the compare view has a Close button -------------------------------------------------
def test_compare_view_closes_with_its_button_and_with_escape(qtbot, qloop, ui) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.compare import CompareDialog

    photo = ui.photo()
    for how in ("button", "escape"):
        dialog = CompareDialog(photo, 255 - photo, None, "job #1, variant 1")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        button = dialog.close_button
        assert button.isVisible() and button.text() == "Close"
        assert dialog.rect().contains(button.geometry().center() + QPoint(0, 0))
        if how == "button":
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(dialog.view, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda d=dialog: not d.isVisible(), timeout=2_000)
        assert dialog.result() == QDialog.DialogCode.Rejected


# -- 5. the offline engine shows an expected time from the masked regions --------------------
def test_local_engine_expected_time_follows_the_masked_regions(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    c = window.controls
    assert c.backend() == "local"
    assert "offline, free" in c.estimate_label.text()
    ui.open(window, ui.photo_file())
    ui.paint(window, 10, 40, 10, 40)
    ui.paint(window, 70, 110, 100, 150)  # far from the first: a second region
    qtbot.waitUntil(lambda: "about 6 s" in c.time_label.text(), timeout=5_000)
    assert "2 regions × 1 variant" in c.time_label.text()
    c.variants_spin.setValue(2)
    assert "about 12 s" in c.time_label.text()
    assert "offline, free" in c.estimate_label.text()
    window.canvas.undo_stack.undo()  # one region left
    qtbot.waitUntil(lambda: "about 6 s (1 region × 2 variants)" in c.time_label.text())
    window.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.state == "completed", record.error
    assert record.expected_seconds == 6.0


# -- 6. fit keeps an extreme strip visible ----------------------------------------------------
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
def test_openai_stream_shows_partial_images_first(window, sandbox, qtbot, ui, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", sandbox.key)
    prefs.set_value("backends/openai/base_url", sandbox.url)
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("openai"))
    assert c.stream_check.isVisible()
    c.stream_check.setChecked(True)
    ui.open(window, ui.photo_file())
    ui.paint(window, 20, 80, 30, 120)
    c.prompt_edit.setPlainText("a brass lamp")
    seen: list[tuple[int, bool, int]] = []

    def on_progress(number: int, _message: str, _fraction: object, thumb: object) -> None:
        if thumb is None:
            return
        record = window.jobs[number]
        card = window.results.card(number)
        label = card._partial_label
        shown = label is not None and not label.pixmap().isNull()
        seen.append((number, shown, len(record.thumbs)))

    window.runner.progress.connect(on_progress)  # runs after the window's own slot
    window.run_job()
    record = ui.wait_job(window)
    assert record.state == "completed", record.error
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5_000)
    assert all(shown and thumbs == 0 for _n, shown, thumbs in seen), seen
    assert record.partial is not None and len(record.images) == 1
    card = window.results.card(record.number)
    assert card._partial_label is None and len(card.variant_buttons) == 1


# -- found by hand: a wrong key is not "Ready"; Cancel goes grey when the job ends ----------
def test_a_wrong_fashn_key_is_shown_as_not_ready(window, sandbox, qtbot, ui, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FASHN_API_KEY", "wrong-key")
    prefs.set_value("backends/fashn/base_url", sandbox.url)
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("fashn"))
    qtbot.waitUntil(lambda: "UnauthorizedAccess" in c.readiness_label.text(), timeout=15_000)
    assert "Ready" not in c.readiness_label.text() and "#c62828" in c.readiness_label.text()
    assert c.balance_label.text() == "unknown"
    assert "wrong-key" not in c.readiness_label.text()
    ui.open(window, ui.photo_file())
    mask = ui.paint(window, 20, 70, 30, 110)
    c.prompt_edit.setPlainText("a wooden boat")
    window.run_job()
    record = ui.wait_job(window)
    assert record.state == "failed" and "UnauthorizedAccess" in window.message_label.text()
    assert np.array_equal(window.canvas.mask(), mask) and c.prompt() == "a wooden boat"
    qtbot.waitUntil(lambda: not window.cancel_button.isEnabled(), timeout=2_000)
    assert not window.actions_.all["cancel"].isEnabled()
