"""Run stays enabled while jobs run (several can be queued), but the same paid edit
sent again within a few seconds (a double-click on Run) asks first."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer


def answer_resend(win, qtbot, button: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Click ``button`` ("send" or "cancel") on the question once it shows; the shown
    text is returned in the list."""
    seen: list[str] = []

    def click() -> None:
        box = win.run.duplicate_question
        if box is None or not box.isVisible():
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        for b in box.buttons():
            text = b.text().replace("&", "")
            if (button == "send") == (text == "Send again"):
                b.click()
                return

    QTimer.singleShot(20, click)
    return seen


def test_double_click_on_run_asks_before_a_second_paid_job(
    fashn_window, sandbox, qtbot, ui
) -> None:  # type: ignore[no-untyped-def]
    win = fashn_window
    sandbox.set_delays(1.0)
    ui.open(win, ui.photo_file())
    ui.paint(win, 20, 70, 30, 110)
    c = win.controls
    c.prompt_edit.setPlainText("a blue glass vase")
    qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)
    seen = answer_resend(win, qtbot, "cancel")
    qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)  # the double-click's second
    assert seen and "charged" in seen[0]
    assert "Not sent again" in win.message_label.text()
    qtbot.waitUntil(lambda: len(win.document.jobs) == 1, timeout=15_000)
    assert c.run_button.isEnabled() and win.runner.running()  # Run stays usable meanwhile
    # a different edit while the first runs is queued without a question
    c.prompt_edit.setPlainText("a red glass vase")
    qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(win.document.jobs) == 2, timeout=15_000)
    # and the same one again, when the user says so, is sent
    seen = answer_resend(win, qtbot, "send")
    qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)
    assert seen
    qtbot.waitUntil(lambda: len(win.document.jobs) == 3, timeout=15_000)
    ui.wait_job(win)
    assert all(r.status == "completed" for r in win.document.jobs.values())
    assert sandbox.stats.jobs_created == 3  # charged jobs match the results kept
    assert sum(1 for r in win.document.jobs.values() if r.variants) == 3


def test_the_same_edit_after_a_change_of_the_mask_is_not_asked(
    fashn_window, sandbox, qtbot, ui
) -> None:  # type: ignore[no-untyped-def]
    win = fashn_window
    ui.open(win, ui.photo_file())
    ui.paint(win, 20, 70, 30, 110)
    c = win.controls
    c.prompt_edit.setPlainText("a blue glass vase")
    qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)
    ui.paint(win, 80, 100, 30, 60)
    qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(win.document.jobs) == 2, timeout=15_000)
    assert win.run.duplicate_question is None
    ui.wait_job(win)
    assert sandbox.stats.jobs_created == 2
