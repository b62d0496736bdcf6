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
    assert job.variants and job.full(0).shape[:2] == win.canvas.image().shape[:2]
    assert not np.array_equal(job.full(0)[..., :3], win.canvas.image())
    card = win.results.card(job.number)
    assert card is not None and len(card.variant_buttons) == len(job.variants)
    assert sandbox.stats.jobs_created == 1 and sandbox.stats.run_requests == 1
    assert Journal().entries() == []  # collected once: not again at the next start
    # the results are in the new autosave, so another crash would not lose them
    assert win.session.autosaver.flush(10)
    from editor.core.autosave import load_folder

    saved = load_folder(win.session.autosaver.folder)
    assert len(saved.jobs) == 1 and len(saved.jobs[0].variants) == len(job.variants)
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
    assert job.remote_id == sent.remote_id and job.status == "completed" and job.variants
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


def test_restore_wins_over_the_command_line_photo(qtbot, qloop, ui, fashn_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """kill -9, then start with a photo on the command line and choose Restore: no
    save-or-discard question, the restored paid work stays, the status bar ends on what
    happened and the card shows the real time since the job was sent."""
    import time

    from editor.ui.window import session as session_module

    sandbox = fashn_env
    first, _sent = die_with_job_in_flight(qtbot, ui, sandbox)
    (entry,) = Journal().entries()
    qtbot.wait(2500)  # the editor stays dead a while: that time counts
    asked: list[str] = []
    monkeypatch.setattr(session_module, "ask_unsaved", lambda _w, doing: asked.append(doing))
    other = ui.photo_file("other.png", seed=7)

    win = new_window(qtbot)
    win.recovery.recovery_answer = "restore"
    restored_source = None
    win.recovery.startup(str(other))
    qtbot.waitUntil(lambda: "Collected the results" in win.message_label.text(), timeout=30_000)
    restored_source = win.document.sources.current
    assert asked == []  # nothing stood between the user and the recovered work
    assert restored_source is not None and restored_source.path != str(other)
    assert "other.png was not opened" in win.message_label.text()
    assert str(other) in prefs.recent_files()  # one click away
    qtbot.wait(300)
    assert win.document.sources.current is restored_source  # still the restored work
    (job,) = win.document.jobs.values()
    assert job.status == "completed" and job.variants
    took = time.time() - entry.created
    assert job.elapsed >= 2.5 and abs(job.elapsed - took) < 3.0
    text = win.results.card(job.number).status_label.text()
    assert text.startswith("done in ") and "done in 1 s" not in text and "done in 0 s" not in text
    close_window(qtbot, win)
    close_window(qtbot, first)


def test_without_restore_the_command_line_photo_opens(qtbot, qloop, ui, fashn_env) -> None:  # type: ignore[no-untyped-def]
    first, _sent = die_with_job_in_flight(qtbot, ui, fashn_env)
    other = ui.photo_file("other.png", seed=7)
    win = new_window(qtbot)
    win.recovery.recovery_answer = "later"
    win.recovery.startup(str(other))
    qtbot.waitUntil(
        lambda: (s := win.document.sources.current) is not None and s.path == str(other),
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: not any(r.running for r in win.document.jobs.values()), timeout=30_000)
    # the card ends as its results are saved; the status line follows when the whole
    # collection has finished (the journal entry removed), a moment later; the opened
    # photo may speak last
    qtbot.waitUntil(lambda: "Collecting" not in win.message_label.text(), timeout=10_000)
    close_window(qtbot, win)
    close_window(qtbot, first)
