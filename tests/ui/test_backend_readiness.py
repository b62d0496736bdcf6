"""Backend readiness and estimates: the balance read again after a charge, a wrong key,
the offline fill's expected time."""

from __future__ import annotations

import numpy as np

from editor.ui import prefs


def test_balance_is_read_again_after_a_job_is_charged(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win, c = fashn_window, fashn_window.controls
    ui.open(win, ui.photo_file())
    ui.paint(win, 20, 70, 30, 110)
    c.prompt_edit.setPlainText("a blue glass vase")
    c.variants_spin.setValue(2)  # auto at 1k: 1 credit each
    qtbot.waitUntil(lambda: c.balance_label.text() == "100 credits", timeout=15_000)
    win.run.run_job()
    record = ui.wait_job(win)
    assert record.status == "completed", record.error
    qtbot.waitUntil(lambda: c.balance_label.text() == "98 credits", timeout=15_000)


def test_balance_is_read_again_when_an_accepted_job_fails(fashn_window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    win, c = fashn_window, fashn_window.controls
    ui.open(win, ui.photo_file())
    ui.paint(win, 20, 70, 30, 110)
    c.prompt_edit.setPlainText("x")
    qtbot.waitUntil(lambda: c.balance_label.text() == "100 credits", timeout=15_000)
    sandbox.balance = 77.0  # spent elsewhere meanwhile (another app on the same key)
    sandbox.inject("job_failed", message="GPU fell over")
    win.run.run_job()
    record = ui.wait_job(win)
    assert record.status == "failed" and record.remote_id
    qtbot.waitUntil(lambda: c.balance_label.text() == "77 credits", timeout=15_000)


# -- 2. estimate, time, Run and Cancel always visible --------------------------------------


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
    window.run.run_job()
    record = ui.wait_job(window)
    assert record.status == "failed" and "UnauthorizedAccess" in window.message_label.text()
    assert np.array_equal(window.canvas.mask(), mask) and c.prompt() == "a wooden boat"
    qtbot.waitUntil(lambda: not window.cancel_button.isEnabled(), timeout=2_000)
    assert not window.actions_.all["cancel"].isEnabled()


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
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    assert record.expected_seconds == 6.0


# -- 6. fit keeps an extreme strip visible ----------------------------------------------------
