"""A batch stopped at the worst moment for money: while a job id that has just arrived is
being written to the job journal, and between the journal's write and the batch
record's. Real HTTP against the sandbox; the journal's write is slowed, not faked."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from backend_helpers import SANDBOX_KEY
from PIL import Image

from editor.backends import make_backend
from editor.backends.batch import BatchRunner, plan_batch
from editor.backends.batch_sources import collect_sources
from editor.backends.batch_state import STATE_FILE, BatchState, note_collected, saved_outputs
from editor.backends.journal import Journal
from editor.cli import main
from editor.core.image import load_image
from editor.core.request import EditRequest
from editor.sandbox.testing import box_mask, sample_image

W, H = 96, 72


def make_shots(root: Path, n: int) -> tuple[Path, Path, np.ndarray]:
    folder = root / "shots"
    folder.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(sample_image(W, H, seed=i)).save(folder / f"look{i:02d}.png")
    mask = box_mask(W, H, (20, 20, 60, 50))
    Image.fromarray(mask).save(root / "mask.png")
    return folder, root / "mask.png", mask


def runner_for(sandbox, folder: Path, out: Path, mask: np.ndarray, journal: Journal):
    out.mkdir()
    state = BatchState(out)
    plan = plan_batch(collect_sources([folder]), (W, H), "fp", state, journal)
    return BatchRunner(
        plan, service="fashn", concurrency=len(plan), state=state, journal=journal,
        make_request=lambda s: EditRequest(image=load_image(s.path).pixels, mask=mask, prompt="x"),
        make_backend=lambda s: make_backend("fashn", base_url=sandbox.url, api_key=SANDBOX_KEY,
                                            journal=journal, source_path=str(s.path),
                                            out_dir=str(out)),
        save=lambda shot, images, job_id: [],
    )  # fmt: skip


def test_an_interrupt_while_a_job_id_is_journaled_keeps_that_job(
    make_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The runner is cancelled (Ctrl+C / SIGTERM) while the second job's id is being
    written; the first job ends at once. Then, as ``asyncio.run`` does on the way out,
    every task still pending is cancelled. The second job must still be in the journal:
    it was created and will be charged."""
    sandbox = make_sandbox(key=SANDBOX_KEY, delays={"processing": 5.0})
    folder, _, mask = make_shots(tmp_path, 2)
    journal = Journal(tmp_path / "journal")
    commits: list[float] = []
    writing = threading.Event()
    real_commit = Journal.commit

    def slow_second_commit(self, folder, entry):
        commits.append(time.monotonic())
        if len(commits) == 2:
            writing.set()
            time.sleep(0.5)  # a slow disk's fsync
        return real_commit(self, folder, entry)

    monkeypatch.setattr(Journal, "commit", slow_second_commit)
    runner = runner_for(sandbox, folder, tmp_path / "out", mask, journal)

    async def interrupted() -> None:
        task = asyncio.ensure_future(runner.run())
        while not writing.is_set():
            await asyncio.sleep(0.005)
        task.cancel()  # what SIGTERM / Ctrl+C do to the command's task
        with pytest.raises(asyncio.CancelledError):
            await task
        # returning now: asyncio.run cancels whatever is still pending

    asyncio.run(interrupted())
    assert sandbox.stats.jobs_created == 2
    kept = journal.entries()
    assert sorted(e.job_id for e in kept) == sorted(
        t.job_id for t in runner.trackers.values() if t.job_id
    )
    assert len(kept) == 2, "a created job left the journal"
    records = json.loads((tmp_path / "out" / STATE_FILE).read_text())["shots"]
    assert sorted(r["state"] for r in records.values()) == ["accepted", "accepted"]


def test_the_batch_record_notes_a_job_only_once_the_journal_holds_it(
    make_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A kill -9 between the two writes must never leave a record naming a job id the
    journal does not hold (then neither `resume` nor the re-run would collect it)."""
    sandbox = make_sandbox(key=SANDBOX_KEY, delays={"processing": 0.2})
    folder, _, mask = make_shots(tmp_path, 3)
    journal = Journal(tmp_path / "journal")
    noted: list[tuple[str, bool, str]] = []
    real_update = BatchState.update

    def checked_update(self, key, **fields):
        if fields.get("state") == "accepted":
            entry = journal.get(str(fields.get("job_id")))
            noted.append(
                (str(fields.get("job_id")), entry is not None, entry.fingerprint if entry else "")
            )
            assert fields.get("fingerprint") == noted[-1][2]  # resume can match either
        real_update(self, key, **fields)

    monkeypatch.setattr(BatchState, "update", checked_update)
    runner = runner_for(sandbox, folder, tmp_path / "out", mask, journal)
    summary = asyncio.run(runner.run())
    assert summary.count("done") == 3 and sandbox.stats.jobs_created == 3
    assert len(noted) == 3 and all(in_journal for _, in_journal, _ in noted), noted
    assert all(fp for _, _, fp in noted)  # the journal entry carries the fingerprint


def test_a_job_journaled_before_the_batch_noted_its_id_is_collected_once(
    make_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    """Stopped right after the journal's write (the record still says "sending"):
    `resume` collects the job and notes it in the batch record by the request's
    fingerprint, so the re-run says "already done" instead of "may have been charged"."""
    from editor.backends import batch as batch_module

    sandbox = make_sandbox(key=SANDBOX_KEY, delays={"processing": 0.3})
    folder, mask_path, _ = make_shots(tmp_path, 1)
    out = tmp_path / "out"
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    args = ["batch", str(folder), "--mask", str(mask_path), "--prompt", "x", "--base-url",
            sandbox.url, "--out", str(out), "--yes"]  # fmt: skip

    def stop_here(self, recorded):  # the process stops before the record's write
        raise asyncio.CancelledError

    with monkeypatch.context() as patch:
        patch.setattr(batch_module._ShotTracker, "journaled", stop_here)
        assert main(args) >= 128  # interrupted
    records = json.loads((out / STATE_FILE).read_text())["shots"]
    (record,) = records.values()
    assert record["state"] == "sending" and not record.get("job_id")
    assert len(Journal().entries()) == 1
    capsys.readouterr()

    assert main(["resume"]) == 0
    assert [Path(p).name for p in capsys.readouterr().out.split()] == ["look00-edit-1.png"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "already done; not sent again" in err and "may have been charged" not in err
    assert sandbox.stats.jobs_created == 1
    assert sorted(p.name for p in out.glob("*-edit-*")) == ["look00-edit-1.png"]


def test_note_collected_and_saved_outputs_find_a_shot_by_fingerprint(tmp_path: Path):
    state = BatchState(tmp_path)
    state.update("k1", state="sending", fingerprint="abc", source=str(tmp_path / "a.png"))
    state.update("k2", state="accepted", job_id="j2", fingerprint="def")
    assert saved_outputs(tmp_path, "j1", 1, "abc") is None  # nothing saved yet
    note_collected(tmp_path, "j1", [tmp_path / "a-edit-1.png"], "abc")
    note_collected(tmp_path, "j9", [tmp_path / "x.png"], "def")  # k2 has its own id
    again = BatchState(tmp_path)
    assert again.get("k1")["state"] == "done" and again.get("k1")["job_id"] == "j1"
    assert again.get("k2")["state"] == "accepted"
    assert again.find_job("j1") == "k1" and again.find_job("j9", "def") is None


def test_a_second_batch_into_the_same_folder_sends_nothing_twice(
    make_sandbox, tmp_path: Path
) -> None:
    """Two batches planned for one output folder (the same command started twice): the
    one that starts second while the first sends is refused with one line; started after
    it, it finds every shot already sent. Each shot is paid once."""
    from editor.core.errors import EditorError

    sandbox = make_sandbox(key=SANDBOX_KEY, delays={"processing": 0.5})
    folder, _, mask = make_shots(tmp_path, 3)
    journal = Journal(tmp_path / "journal")
    first = runner_for(sandbox, folder, tmp_path / "out", mask, journal)
    second = runner_for(sandbox, folder, tmp_path / "out2", mask, journal)
    second.state = BatchState(tmp_path / "out")  # planned for the same folder
    late = runner_for(sandbox, folder, tmp_path / "out3", mask, journal)
    late.state = BatchState(tmp_path / "out")
    refused: list[str] = []

    async def both() -> None:
        task = asyncio.ensure_future(first.run())
        while sandbox.stats.jobs_created == 0:
            await asyncio.sleep(0.01)
        try:
            await second.run()
        except EditorError as exc:
            refused.append(str(exc))
            assert exc.exit_code == 75  # try again later: not bad input
        await task

    asyncio.run(both())
    assert len(refused) == 1 and "Another batch is sending into" in refused[0]
    assert "nothing was sent" in refused[0]
    summary = asyncio.run(late.run())  # planned before the first one sent anything
    assert summary.count("done") == 3 and sandbox.stats.jobs_created == 3
    assert all("already done; not sent again" in s.detail for s in late.shots)
