"""Paid jobs in flight when the editor dies are collected at the next start, into the
restored session's results, without sending them again; expired ones are reported."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from window_helpers import close_window, new_window

from editor.backends.journal import Journal
from editor.ui import prefs


def die_with_job_in_flight(qtbot, ui, sandbox):  # type: ignore[no-untyped-def]
    """A window sends a FASHN job, then dies (no clean exit) while it is in flight."""
    win = new_window(qtbot)
    c = win.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("fashn"))
    ui.open(win, ui.photo_file())
    ui.paint(win, 20, 70, 30, 110)
    c.prompt_edit.setPlainText("a blue glass vase")
    win.run.run_job()
    qtbot.waitUntil(lambda: any(r.remote_id for r in win.document.jobs.values()), timeout=20_000)
    record = next(iter(win.document.jobs.values()))
    assert record.running
    qtbot.wait(100)  # the job's state reaches the autosave
    saver = win.session.autosaver
    assert saver.flush(10)
    with saver._cond:  # the process is gone: nothing more is written ...
        saver._closed = True
        saver._cond.notify_all()
    saver._lock_fh.close()  # ... and the OS drops its lock
    saver._lock_fh = None
    stopped = asyncio.ensure_future(win.runner.shutdown())  # it stops waiting for the job
    qtbot.waitUntil(stopped.done, timeout=10_000)
    win.close()
    assert [e.job_id for e in Journal().entries()] == [record.remote_id]
    return win, record


@pytest.fixture
def fashn_env(sandbox, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FASHN_API_KEY", sandbox.key)
    prefs.set_value("backends/fashn/base_url", sandbox.url)
    sandbox.set_delays(1.0)
    return sandbox


def test_job_in_flight_is_collected_into_the_restored_session(qtbot, qloop, ui, fashn_env) -> None:  # type: ignore[no-untyped-def]
    sandbox = fashn_env
    first, sent = die_with_job_in_flight(qtbot, ui, sandbox)
    assert sandbox.stats.jobs_created == 1

    win = new_window(qtbot)
    win.recovery.recovery_answer = "restore"
    win.recovery.startup()
    qtbot.waitUntil(lambda: "Collected the results" in win.message_label.text(), timeout=30_000)
    jobs = list(win.document.jobs.values())
    assert len(jobs) == 1  # the restored card itself got the results
    job = jobs[0]
    assert job.remote_id == sent.remote_id and job.status == "completed", job.error
    assert job.images and job.images[0].shape[:2] == win.canvas.image().shape[:2]
    assert not np.array_equal(job.images[0][..., :3], win.canvas.image())
    card = win.results.card(job.number)
    assert card is not None and len(card.variant_buttons) == len(job.images)
    assert sandbox.stats.jobs_created == 1 and sandbox.stats.run_requests == 1
    assert Journal().entries() == []  # collected once: not again at the next start
    # the results are in the new autosave, so another crash would not lose them
    assert win.session.autosaver.flush(10)
    from editor.core.autosave import load_folder

    saved = load_folder(win.session.autosaver.folder)
    assert len(saved.jobs) == 1 and len(saved.jobs[0].images) == len(job.images)
    close_window(qtbot, win)
    close_window(qtbot, first)


def test_job_left_without_a_session_gets_its_own_card(qtbot, qloop, ui, fashn_env) -> None:  # type: ignore[no-untyped-def]
    sandbox = fashn_env
    first, sent = die_with_job_in_flight(qtbot, ui, sandbox)
    win = new_window(qtbot)
    win.recovery.recovery_answer = "discard"
    win.recovery.startup()
    qtbot.waitUntil(lambda: "Collected the results" in win.message_label.text(), timeout=30_000)
    (job,) = win.document.jobs.values()
    assert job.remote_id == sent.remote_id and job.status == "completed" and job.images
    assert win.results.card(job.number) is not None
    assert sandbox.stats.jobs_created == 1 and sandbox.stats.run_requests == 1
    close_window(qtbot, win)
    close_window(qtbot, first)


def test_expired_job_is_reported_once_and_forgotten(qtbot, qloop, ui, fashn_env) -> None:  # type: ignore[no-untyped-def]
    sandbox = fashn_env
    first, sent = die_with_job_in_flight(qtbot, ui, sandbox)
    sandbox.expire(sent.remote_id)
    polls_before = len(sandbox.stats.status_polls)

    win = new_window(qtbot)
    win.recovery.recovery_answer = "restore"
    win.recovery.startup()
    qtbot.waitUntil(lambda: "expired" in win.message_label.text(), timeout=30_000)
    message = win.message_label.text()
    assert sent.remote_id in message and "cannot be recovered" in message and "\n" not in message
    (job,) = win.document.jobs.values()
    assert job.status == "failed" and "expired" in job.error
    assert "expired" in win.results.card(job.number).status_label.text()
    assert Journal().entries() == []
    qtbot.wait(1500)
    assert len(sandbox.stats.status_polls) - polls_before == 1  # asked once, not forever
    assert sandbox.stats.jobs_created == 1
    close_window(qtbot, win)
    close_window(qtbot, first)
