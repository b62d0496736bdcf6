"""The job journal: accepted jobs survive crashes and `resume` collects them exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from backend_helpers import SANDBOX_KEY, box_mask, fashn, photo, request

from editor.backends.base import JobCompleted
from editor.backends.errors import JobTimeoutError
from editor.backends.journal import Journal, JournalEntry
from editor.cli import main
from editor.core.codec import encode_png
from editor.core.image import load_image


def test_stage_commit_load_remove(tmp_path):
    journal = Journal(tmp_path / "j")
    src, mask = photo(30, 40), box_mask(30, 40, (5, 5, 20, 20))
    folder = journal.stage(source=src, mask=mask)
    assert journal.entries() == []  # staged only: no job id yet
    entry = journal.commit(
        folder, JournalEntry("", "job-1", "fashn", "https://x", source_size=[40, 30])
    )
    (found,) = journal.entries()
    assert found.job_id == "job-1" and found.has_source and found.has_mask
    assert np.array_equal(journal.load_source(found), src)
    assert np.array_equal(journal.load_mask(found), mask)
    journal.save_outputs(entry, [b"abc", b"def"])
    assert journal.load_outputs(journal.get("job-1")) == [b"abc", b"def"]
    journal.remove("job-1")
    assert journal.entries() == [] and not folder.exists()


def test_unreadable_entries_are_skipped_and_discard_keeps_committed(tmp_path):
    journal = Journal(tmp_path)
    bad = tmp_path / "job-bad"
    bad.mkdir()
    (bad / "entry.json").write_text("{not json")
    folder = journal.stage()
    journal.commit(folder, JournalEntry("", "ok", "fashn", "https://x"))
    journal.discard(folder)  # a committed job is never discarded
    assert [e.job_id for e in journal.entries()] == ["ok"]


def test_results_saved_in_the_journal_survive_a_crash_after_download(
    sandbox, tmp_path, monkeypatch
):
    """The consumer dies while handling JobCompleted: resume finishes from disk alone."""
    out = tmp_path / "out"
    out.mkdir()

    async def crash_while_handling_results():
        backend = fashn(sandbox, journal=Journal(), out_dir=str(out))
        gen = backend.run(request())
        async for event in gen:
            if isinstance(event, JobCompleted):
                break  # never asks for more: results not confirmed as saved
        await gen.aclose()
        await backend.aclose()

    asyncio.run(crash_while_handling_results())
    (entry,) = Journal().entries()
    assert entry.outputs == ["output_0.bin"]
    sandbox.stop()  # the service is gone: the saved outputs are enough
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    assert main(["resume"]) == 0
    assert len(list(out.iterdir())) == 1
    assert Journal().entries() == []


def _start_cli_job(sandbox, tmp_path: Path, env: dict) -> tuple[subprocess.Popen, str]:
    img, mask = tmp_path / "photo.png", tmp_path / "mask.png"
    img.write_bytes(encode_png(photo()))
    mask.write_bytes(encode_png(box_mask()))
    cmd = [sys.executable, "-m", "editor.cli", "edit", str(img), "--mask", str(mask),
           "--prompt", "a hat", "--backend", "fashn", "--base-url", sandbox.url,
           "--out", str(tmp_path / "out")]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.startswith("submitted job "):
            return proc, line.split()[-1]
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError("the CLI never reported a submitted job")


@pytest.mark.parametrize("phase", ["in_queue", "processing"])
def test_killed_cli_job_is_collected_by_resume_exactly_once(
    make_sandbox, tmp_path, monkeypatch, phase
):
    delays = {"starting": 0.0, "in_queue": 2.0, "processing": 2.0}
    if phase == "processing":
        delays = {"starting": 0.0, "in_queue": 0.0, "processing": 4.0}
    sb = make_sandbox(delays=delays)
    env = {**os.environ, "FASHN_API_KEY": SANDBOX_KEY}
    proc, job_id = _start_cli_job(sb, tmp_path, env)
    assert sb.jobs[job_id].status == phase or phase == "in_queue"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    (entry,) = Journal().entries()
    assert entry.job_id == job_id and entry.out_dir == str((tmp_path / "out").resolve())
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    assert main(["resume"]) == 0
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["photo-edit-1.png"]
    assert load_image(files[0]).pixels.shape == (300, 400, 3)
    assert sb.stats.run_requests == 1 and sb.stats.jobs_created == 1  # submitted exactly once
    assert Journal().entries() == []


def _leave_a_stuck_job(sandbox) -> None:
    """Send a job that never finishes and stop waiting for it: it stays in the journal."""
    sandbox.inject("stuck_processing")

    async def go():
        backend = fashn(sandbox, journal=Journal(), job_timeout=0.5, poll_first=0.2)
        with pytest.raises(JobTimeoutError):
            async for _ in backend.run(request()):
                pass
        await backend.aclose()

    asyncio.run(go())


def test_resume_reports_expired_jobs_and_forgets_them(sandbox, monkeypatch, capsys):
    _leave_a_stuck_job(sandbox)
    (entry,) = Journal().entries()
    sandbox.expire(entry.job_id)
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    assert main(["resume"]) == 3
    err = capsys.readouterr().err
    assert f"job {entry.job_id} expired" in err and "Traceback" not in err
    assert Journal().entries() == []
    assert main(["resume"]) == 0  # nothing left, not retried forever


def test_a_job_followed_elsewhere_is_not_collected_twice(sandbox, monkeypatch, capsys):
    """While one process follows a job (an editor still polling it), `resume` elsewhere
    leaves it alone; once that process is gone, `resume` collects it."""
    _leave_a_stuck_job(sandbox)
    journal = Journal()
    (entry,) = journal.entries()
    held = journal.claim(journal.dir / entry.token)  # another editor following the job
    assert held is not None
    assert journal.claim(journal.dir / entry.token) is None  # exclusive
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    polls = len(sandbox.stats.status_polls)
    assert main(["resume"]) == 0
    assert "being collected by another running editor" in capsys.readouterr().err
    assert len(sandbox.stats.status_polls) == polls  # not even polled
    assert [e.job_id for e in Journal().entries()] == [entry.job_id]
    held.close()  # that editor quit (or died: the OS releases the lock too)
    sandbox.expire(entry.job_id)
    assert main(["resume"]) == 3  # now collected (here: found expired and forgotten)
    assert Journal().entries() == []
