"""Paid results survive concurrency, full disks, interrupts and odd servers.

Every scenario runs the real ``mask-editor-cli`` as subprocesses against the sandbox (or
a small misbehaving server) and counts the jobs the server charged against the files
saved: they must match, with no double submission and nothing left in the journal.
The same scenarios print the fault matrix: tests/benchmarks/bench_paid_matrix.py.
"""

from __future__ import annotations

import signal
from pathlib import Path

import numpy as np
import pytest

from . import paid_matrix as pm

pytestmark = pytest.mark.timeout(300)


def _assert_nothing_lost(row: pm.Row) -> None:
    assert row.files == row.charged, row
    assert row.submissions <= max(row.runs, row.charged), row  # never sent twice
    assert row.journal_left == 0, row


def test_six_parallel_fashn_edits_into_one_folder_keep_every_paid_result(
    tmp_path: Path,
) -> None:
    row = pm.scenario_parallel_fashn(tmp_path)
    assert row.exits == [0] * 6, row
    assert row.submissions == 6 and row.charged == 6
    _assert_nothing_lost(row)
    assert row.lines == ["6 paths printed, 6 distinct"]


def test_six_parallel_local_fills_into_one_folder_keep_every_file(tmp_path: Path) -> None:
    row = pm.scenario_parallel_local(tmp_path)
    assert row.exits == [0] * 6, row
    assert row.files == 6 and row.lines == ["6 paths printed, 6 distinct"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", ["nothing-sent", "in-flight", "accepted"])
def test_interrupt_says_what_happened_to_the_money_and_resume_collects(
    tmp_path: Path, phase: str, signum: int
) -> None:
    row = pm.scenario_interrupt(tmp_path, phase, signum)
    code, resumed = row.exits
    assert code == 128 + signum and resumed == 0, row
    assert len(row.lines) == 1, row  # one line
    line = row.lines[0]
    if phase == "nothing-sent":
        assert "before anything was sent" in line and "nothing was charged" in line
        assert row.submissions == 1 and row.charged == 0  # the one refused (429) request
    else:
        # in flight: the answer is still awaited, so the job id is known and kept
        assert "was accepted and it is kept" in line and "mask-editor-cli resume" in line
        assert row.submissions == 1 and row.charged == 1
    _assert_nothing_lost(row)


@pytest.fixture
def tmpfs_ok(tmp_path: Path) -> None:
    if not pm.can_mount_tmpfs(tmp_path):
        pytest.skip("cannot mount a tmpfs here (needs root)")


@pytest.mark.usefixtures("tmpfs_ok")
def test_output_disk_full_keeps_the_job_and_resume_saves_it(tmp_path: Path) -> None:
    row = pm.scenario_out_disk_full(tmp_path)
    assert row.exits == [2, 0], row
    assert len(row.lines) == 1 and "disk is full" in row.lines[0], row
    assert "resume" in row.lines[0] and "try again" not in row.lines[0]
    assert row.charged == 1
    _assert_nothing_lost(row)


@pytest.mark.usefixtures("tmpfs_ok")
def test_journal_disk_full_before_sending_sends_nothing(tmp_path: Path) -> None:
    row = pm.scenario_journal_full_before_send(tmp_path)
    assert row.exits == [2], row
    assert len(row.lines) == 1 and "Nothing was sent and nothing was charged" in row.lines[0]
    assert row.submissions == 0 and row.charged == 0
    _assert_nothing_lost(row)


@pytest.mark.usefixtures("tmpfs_ok")
def test_journal_disk_filling_in_flight_still_prints_follows_and_saves(tmp_path: Path) -> None:
    row = pm.scenario_journal_full_in_flight(tmp_path)
    assert row.exits == [0], row
    assert any("could not be recorded in the job journal" in line for line in row.lines), row
    assert not any("try again" in line for line in row.lines), row
    assert row.submissions == 1 and row.charged == 1
    _assert_nothing_lost(row)


@pytest.mark.usefixtures("tmpfs_ok")
def test_openai_answer_is_kept_when_the_output_cannot_be_written(tmp_path: Path) -> None:
    row = pm.scenario_openai_out_full(tmp_path)
    assert row.exits == [2, 0], row
    assert "resume" in row.lines[0]
    assert row.charged == 1
    _assert_nothing_lost(row)


def test_an_undocumented_status_keeps_polling_until_completed(tmp_path: Path) -> None:
    row = pm.scenario_odd_status(tmp_path)
    assert row.exits == [0], row
    assert row.submissions == 1 and row.charged == 1
    _assert_nothing_lost(row)
    assert row.lines[0].startswith("status: thinking_hard")
    assert row.lines[-1] == "log lines naming it: 1"  # logged once, not per poll


@pytest.mark.parametrize("mode", ["echo-error", "echo-status"])
def test_a_server_echoing_the_key_never_gets_it_printed_or_logged(
    tmp_path: Path, mode: str
) -> None:
    row, seen = pm.scenario_echo(tmp_path, mode)
    assert row.exits == [3], row
    assert pm.KEY not in seen
    assert "MATRIXKEY" not in seen
    assert (len(row.lines) == 1 and "<redacted>" in row.lines[0]) or "***" in row.lines[0]
    _assert_nothing_lost(row)


def test_six_parallel_openai_edits_into_one_folder_keep_every_paid_result(
    tmp_path: Path,
) -> None:
    row = pm.scenario_parallel_openai(tmp_path)
    assert row.exits == [0] * 6, row
    assert row.charged == 6
    _assert_nothing_lost(row)
    assert row.lines == ["6 paths printed, 6 distinct"]


@pytest.mark.parametrize("how", ["reset", "kill"])
def test_a_job_whose_id_never_arrived_is_reported_and_never_resent(
    tmp_path: Path, how: str
) -> None:
    row = pm.scenario_lost_answer(tmp_path, how)
    # the one case no client can collect: FASHN has no way to find a job without its id
    assert row.submissions == 1 and row.charged == 1 and row.files == 0, row
    assert row.journal_left == 0, row
    assert len(row.lines) == 1, row
    line = row.lines[0]
    assert "may" in line and ("billed" in line or "charged" in line), line
    assert "dashboard" in line and "try again" not in line
    if how == "kill":
        assert row.exits == [-signal.SIGKILL, 4], row
        assert "will not be resent" in line


def test_an_undocumented_status_past_the_deadline_stays_in_the_journal(
    tmp_path: Path, data_dir: Path
) -> None:
    """A status nobody documented, forever: the job is never called failed; after the
    deadline it stays in the journal for `resume` and the message says so."""
    import asyncio

    from editor.backends import make_backend
    from editor.backends.errors import JobTimeoutError
    from editor.backends.journal import Journal
    from editor.core.request import EditRequest

    from .cli_run import H, W
    from .odd_server import OddServer

    journal = Journal(data_dir / "journal")
    with OddServer("odd-status", odd_status="mulling", odd_polls=10**6) as odd:
        backend = make_backend("fashn", base_url=odd.url, api_key=pm.KEY, journal=journal,
                               job_timeout=1.5, poll_first=0.2, poll_cap=0.3)  # fmt: skip
        req = EditRequest(image=np.zeros((H, W, 3), np.uint8), prompt="a hat")

        async def go() -> None:
            try:
                async for _ in backend.run(req):
                    pass
            finally:
                await backend.aclose()

        with pytest.raises(JobTimeoutError) as caught:
            asyncio.run(go())
        assert odd.polls >= 3 and odd.submissions == 1
    text = str(caught.value)
    assert "still 'mulling'" in text and "stays in the journal" in text and "resume" in text
    assert [e.job_id for e in journal.entries()] == ["odd-job-1"]


@pytest.mark.parametrize(
    ("signum", "at_job"),
    [(signal.SIGINT, 6), (signal.SIGTERM, 9), (signal.SIGKILL, 6)],
    ids=["SIGINT-at-6", "SIGTERM-at-9", "kill-9-at-6"],
)
def test_an_interrupted_batch_pays_each_shot_once_and_keeps_every_paid_result(
    tmp_path: Path, signum: int, at_job: int
) -> None:
    from . import paid_batch as pb

    row = pb.scenario_batch_interrupt(tmp_path, signum, at_job)
    stopped, *later = row.exits
    maybe = [line for line in row.lines[1:] if pb.MAYBE_CHARGED in line]
    assert len(row.lines) == 1 + len(maybe), row  # the third run sent nothing
    assert row.submissions == row.charged, row  # every job sent once and completed
    # each charged job is saved, or named once as maybe charged (its id never arrived)
    assert row.files + len(maybe) == row.charged == pb.SHOTS, row
    assert row.journal_left == 0, row
    if signum == signal.SIGKILL:
        assert stopped == -9 and later[0] in (0, 4) and set(later[1:]) <= {0, 2}, row
    else:  # a clean stop: every job that arrived is kept and collected
        assert stopped == 128 + signum and later == [0, 0, 0], row
        assert not maybe and "kept in the job journal" in row.lines[0], row


def test_the_same_batch_started_twice_into_one_folder_pays_each_shot_once(
    tmp_path: Path,
) -> None:
    from . import paid_batch as pb

    row = pb.scenario_two_batches_at_once(tmp_path)
    # the one started second is refused while the first sends (exit 75, one line), or,
    # had the first already ended, finds every shot done (exit 0)
    assert 0 in row.exits[:2] and set(row.exits) <= {0, 75} and row.exits[2] == 0, row
    assert len(row.lines) == row.exits.count(75), row
    assert all("Another batch is sending into" in line for line in row.lines), row
    assert row.submissions == row.charged == row.files == pb.SHOTS, row
    assert row.journal_left == 0, row
