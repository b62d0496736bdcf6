"""Running jobs from the window: sandbox over real HTTP, local engine, errors, no key."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from editor.core.mask import grow


def test_full_fashn_run_shows_variants(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win = fashn_window
    ui.open(win, ui.photo_file())
    mask = ui.paint(win, 20, 70, 30, 110)
    c = win.controls
    c.prompt_edit.setPlainText("a blue glass vase")
    c.variants_spin.setValue(2)
    qtbot.waitUntil(lambda: "Ready" in c.readiness_label.text(), timeout=15_000)
    qtbot.waitUntil(lambda: "credits" in c.balance_label.text(), timeout=15_000)
    qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)
    record = ui.wait_job(win)
    assert record.status == "completed", record.error
    assert len(record.variants) == 2 and record.remote_id
    card = win.results.card(record.number)
    assert card is not None and len(card.variant_buttons) == 2
    assert card.variant_buttons[0].isChecked()
    assert "done in" in card.status_label.text()
    assert win.results.selected() == (record.number, 0)
    assert win.actions_.compare.isEnabled() and win.actions_.export_variant.isEnabled()
    assert np.array_equal(record.mask, mask) and record.prompt == "a blue glass vase"
    assert record.settings["num_images"] == 2
    outside = grow(mask, 8) == 0  # beyond the feathered edge
    assert np.array_equal(record.full(0)[..., :3][outside], win.canvas.image()[outside])
    assert sandbox.stats.jobs_created == 1


def test_ctrl_enter_in_prompt_runs(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win = fashn_window
    ui.open(win, ui.photo_file())
    ui.paint(win, 10, 40, 10, 40)
    c = win.controls
    c.prompt_edit.setFocus()
    qtbot.keyClicks(c.prompt_edit, "make it gold")
    qtbot.keyClick(c.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    record = ui.wait_job(win)
    assert record.status == "completed"
    assert c.prompt() == "make it gold"


def test_service_error_keeps_mask_and_prompt(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win = fashn_window
    ui.open(win, ui.photo_file())
    mask = ui.paint(win, 5, 50, 5, 80)
    c = win.controls
    c.prompt_edit.setPlainText("replace the sky\nwith a storm")
    sandbox.inject("job_failed", message="GPU fell over")
    win.run.run_job()
    record = ui.wait_job(win)
    assert record.status == "failed"
    card = win.results.card(record.number)
    assert "PipelineError" in card.status_label.text()
    assert "PipelineError" in win.message_label.text()
    assert "\n" not in win.message_label.text() and sandbox.key not in win.message_label.text()
    assert np.array_equal(win.canvas.mask(), mask)
    assert c.prompt() == "replace the sky\nwith a storm"
    assert win.canvas.undo_stack.count() == 1  # nothing was added or lost


def test_refused_submission_is_shown(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win = fashn_window
    ui.open(win, ui.photo_file())
    mask = ui.paint(win, 5, 50, 5, 80)
    win.controls.prompt_edit.setPlainText("x")
    sandbox.inject("out_of_credits")
    win.run.run_job()
    record = ui.wait_job(win)
    assert record.status == "failed" and "OutOfCredits" in record.error
    assert np.array_equal(win.canvas.mask(), mask)


def test_local_engine_run(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    mask = ui.paint(window, 40, 70, 60, 100)
    assert window.controls.backend() == "local"
    window.controls.variants_spin.setValue(2)
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    assert len(record.variants) == 2
    outside = grow(mask, 8) == 0  # beyond the feathered edge
    source = window.canvas.image()
    for image in record.full_images():
        assert np.array_equal(image[..., :3][outside], source[outside])
        assert not np.array_equal(image[..., :3][~outside], source[~outside])


def test_missing_key_is_explained(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("fashn"))
    qtbot.waitUntil(lambda: "No FASHN API key" in c.readiness_label.text(), timeout=10_000)
    ui.open(window, ui.photo_file())
    ui.paint(window, 5, 50, 5, 80)
    c.prompt_edit.setPlainText("x")
    window.run.run_job()
    qtbot.waitUntil(lambda: "No FASHN API key" in window.message_label.text(), timeout=10_000)
    assert window.document.jobs == {}


def test_invalid_settings_are_refused_before_sending(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win = fashn_window
    ui.open(win, ui.photo_file())
    win.controls.prompt_edit.setPlainText("")  # the current schema needs a prompt
    win.run.run_job()
    assert win.message_label.text()
    assert win.document.jobs == {} and sandbox.stats.jobs_created == 0


def test_quitting_while_a_job_runs_says_what_is_known_of_it(
    fashn_window, sandbox, qtbot, ui
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    win = fashn_window
    win.force_close = False
    win.session.unsaved_answer = "discard"
    sandbox.set_delays(processing=30.0)  # accepted, then busy for a while
    ui.open(win, ui.photo_file())
    ui.paint(win, 10, 40, 10, 40)
    win.controls.prompt_edit.setPlainText("a blue glass vase")
    qtbot.waitUntil(lambda: "Ready" in win.controls.readiness_label.text(), timeout=15_000)
    win.run.run_job()
    accepted = lambda: any(r.remote_id for r in win.document.jobs.values())  # noqa: E731
    qtbot.waitUntil(accepted, timeout=20_000)
    (record,) = win.document.jobs.values()
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.informativeText())
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(20, answer)
    win.close()
    assert win.isVisible() and win.runner.running()  # Cancel keeps the window and the job
    assert seen == [
        f"Job #{record.number} was accepted by the service (id {record.remote_id}): it is "
        "kept, and the next start or `mask-editor-cli resume` collects its results."
    ]
    win.run.cancel_all()
    qtbot.waitUntil(lambda: not win.runner.running(), timeout=10_000)
    win.force_close = True
