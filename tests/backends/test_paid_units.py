"""Paid results, unit by unit: claimed output names, the staged journal, unreadable and
lost entries reported, interrupt wording, range checks, server text, OpenAI answers kept."""

from __future__ import annotations

import asyncio
import errno
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from backend_helpers import SANDBOX_KEY, photo, request

from editor.backends.base import JobCompleted
from editor.backends.journal import Journal, JournalEntry
from editor.backends.phases import JobTracker, interrupt_message
from editor.cli import main, save_variants
from editor.core import atomic
from editor.core.redact import server_text


def test_claimed_names_never_collide_across_threads(tmp_path: Path) -> None:
    names: list[Path] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for i in range(5):
            path, _ = atomic.claim_write(tmp_path, lambda n: f"x-edit-{n}.png", f"{k}-{i}".encode())
            with lock:
                names.append(path)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(names) == len(set(names)) == 40
    contents = {p.read_bytes() for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert contents == {f"{k}-{i}".encode() for k in range(8) for i in range(5)}


def test_a_failed_write_releases_its_claimed_name(tmp_path, monkeypatch) -> None:
    def full(fh, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_chunks", full)
    with pytest.raises(OSError):
        atomic.claim_write(tmp_path, lambda n: f"a-{n}.png", b"data")
    assert list(tmp_path.iterdir()) == []


def test_save_variants_is_all_or_nothing(tmp_path, monkeypatch) -> None:
    real = atomic.atomic_write
    calls = []

    def second_fails(path, data, **kw):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, **kw)

    monkeypatch.setattr(atomic, "atomic_write", second_fails)
    images = [photo(20, 30, seed=s) for s in range(3)]
    from editor.core.errors import ExportError

    with pytest.raises(ExportError, match="disk is full"):
        save_variants(images, tmp_path, "p", "png", advise=False)
    assert list(tmp_path.iterdir()) == []  # the first variant was taken back


def test_resume_reports_unreadable_entries_with_their_path(monkeypatch, capsys) -> None:
    journal = Journal()
    bad = journal.dir / "job-bad"
    bad.mkdir(parents=True)
    (bad / "entry.json").write_text("{not json")
    assert main(["resume"]) == 2
    err = capsys.readouterr().err
    assert str(bad / "entry.json") in err and "cannot be read" in err
    assert len(err.strip().splitlines()) == 1
    assert bad.exists()  # reported, never deleted: it may stand for a paid job


def test_resume_reports_a_submission_lost_in_flight_once(capsys) -> None:
    journal = Journal()
    folder = journal.stage()
    journal.mark_sending(folder, service="fashn", base_url="https://x", fingerprint="abc123def456")
    assert journal.entries() == []  # nothing to collect...
    assert len(journal.scan().in_flight) == 1  # ...but not forgotten
    assert main(["resume"]) == 4
    err = capsys.readouterr().err
    assert "abc123def456" in err and "may have been created and charged" in err
    assert "will not be resent" in err
    assert main(["resume"]) == 0  # reported once
    assert "no unfinished jobs" in capsys.readouterr().err


def test_a_submission_still_being_sent_is_not_reported_as_lost() -> None:
    journal = Journal()
    folder = journal.stage()
    journal.mark_sending(folder, service="fashn", base_url="https://x", fingerprint="f")
    claim = journal.claim(folder)  # the process sending it is alive
    try:
        assert journal.scan().in_flight == []
    finally:
        assert claim is not None
        claim.close()


@pytest.mark.parametrize(
    ("tracker", "words"),
    [
        (None, ["before anything was sent", "nothing was charged"]),
        (JobTracker(phase="sending", fingerprint="ab12"), ["may have", "charged", "ab12",
                                                         "will not be resent"]),
        (JobTracker(phase="accepted", job_id="J1", recorded=True), ["J1", "kept",
                                                                   "mask-editor-cli resume"]),
        (JobTracker(phase="accepted", job_id="J2", recorded=False), ["J2",
                                                                    "could not be recorded"]),
        (JobTracker(service="openai", phase="answered", recorded=True), ["results are kept",
                                                                         "resume"]),
    ],
)  # fmt: skip
def test_interrupt_wording_per_phase(tracker, words) -> None:
    text = interrupt_message(tracker)
    assert "\n" not in text and "try again" not in text
    for word in words:
        assert word in text, text


@pytest.mark.parametrize(
    "argv",
    [
        ["estimate", "--resolution", "1k", "--mode", "fast", "--num-images", "5"],
        ["estimate", "--resolution", "1k", "--mode", "fast", "--num-images", "1000000"],
        ["estimate", "--resolution", "8k", "--mode", "fast", "--num-images", "1"],
        ["edit", "x.png", "--out", "o", "--seed", "-1"],
        ["edit", "x.png", "--out", "o", "--seed", str(2**32)],
        ["edit", "x.png", "--out", "o", "--backend", "fashn", "--num-images", "7"],
        ["edit", "x.png", "--out", "o", "--backend", "local", "--num-images", "5"],
        ["edit", "x.png", "--out", "o", "--num-images", "11"],
        ["sandbox", "--port", "99999"],
    ],
)
def test_absurd_values_are_refused_with_one_line(argv, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert not (tmp_path / "o").exists()  # refused before anything was done


def test_server_text_is_redacted_and_one_line() -> None:
    key = "fa-SERVERTEXT-0123456789abcdef"
    text = server_text(f"oops\n\x1b[31mAuthorization: Bearer {key}\x00 api_key={key}", [key])
    assert key not in text and "\n" not in text and "\x1b" not in text and "\x00" not in text
    assert len(server_text("word " * 1000, limit=100)) == 100


def test_openai_answer_is_journaled_before_it_is_handed_on(sandbox, tmp_path) -> None:
    from editor.backends import make_backend

    journal = Journal(tmp_path / "journal")
    backend = make_backend("openai", base_url=sandbox.url, api_key=SANDBOX_KEY)
    backend.journal = journal  # type: ignore[attr-defined]
    seen: dict[str, object] = {}

    async def go() -> None:
        try:
            async for event in backend.run(request(prompt="a hat")):
                if isinstance(event, JobCompleted):
                    entries = journal.entries()
                    seen["entries"] = entries
                    seen["outputs"] = journal.load_outputs(entries[0])
                    seen["raw"] = event.raw
                    seen["images"] = event.images
                    return  # the caller dies before saving: the entry must stay
        finally:
            await backend.aclose()

    asyncio.run(go())
    (entry,) = seen["entries"]  # type: ignore[misc]
    assert entry.service == "openai" and seen["outputs"] == seen["raw"]
    # `resume` later finishes it from disk alone, without a second request
    (kept,) = journal.entries()
    collector = make_backend("openai", base_url=sandbox.url, api_key=SANDBOX_KEY)
    collector.journal = journal  # type: ignore[attr-defined]

    async def collect() -> list[np.ndarray]:
        images: list[np.ndarray] = []
        async for event in collector.collect(kept):  # type: ignore[attr-defined]
            if isinstance(event, JobCompleted):
                images = event.images  # saved here; asking for more drops the entry
        return images

    images = asyncio.run(collect())
    assert len(images) == len(seen["images"])  # type: ignore[arg-type]
    np.testing.assert_array_equal(images[0], seen["images"][0])  # type: ignore[index]
    assert journal.entries() == [] and sandbox.stats.openai_requests == 1


def test_staged_record_names_the_request_and_folder(tmp_path) -> None:
    journal = Journal(tmp_path)
    folder = journal.stage()
    before = time.time()
    journal.mark_sending(folder, service="fashn", base_url="https://x", fingerprint="fp",
                         out_dir="/out")  # fmt: skip
    record = json.loads((folder / "sending.json").read_text())
    assert record["fingerprint"] == "fp" and record["out_dir"] == "/out"
    assert record["sent_at"] >= before
    journal.commit(folder, JournalEntry("", "id-1", "fashn", "https://x"))
    assert journal.scan().in_flight == [] and [e.job_id for e in journal.entries()] == ["id-1"]


def cancel_while_writing(sandbox, journal: Journal, writing: threading.Event) -> JobTracker:  # type: ignore[no-untyped-def]
    """Run a FASHN edit and cancel it (Ctrl+C, quitting) once ``writing`` says the
    accepted id's journal write has begun; the cancel must come through. Its tracker."""
    from backend_helpers import fashn

    tracker = JobTracker()
    backend = fashn(sandbox, journal=journal)

    async def go() -> None:
        async def consume() -> None:
            async for _ in backend.run(request(), tracker=tracker):  # type: ignore[call-arg]
                pass

        task = asyncio.ensure_future(consume())
        while not writing.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await backend.aclose()

    asyncio.run(go())
    return tracker


def test_a_cancel_while_the_id_is_being_recorded_waits_for_the_record(
    sandbox, tmp_path, monkeypatch
) -> None:
    """Ctrl+C / quitting exactly while the accepted id is written: the write finishes,
    the job stays in the journal, and the tracker says it is kept."""
    journal = Journal(tmp_path / "journal")
    writing = threading.Event()
    real_commit = Journal.commit

    def slow_commit(self, folder, entry):
        writing.set()
        time.sleep(0.5)
        return real_commit(self, folder, entry)

    monkeypatch.setattr(Journal, "commit", slow_commit)
    tracker = cancel_while_writing(sandbox, journal, writing)
    (entry,) = journal.entries()
    assert entry.job_id == tracker.job_id and tracker.recorded
    assert "kept" in interrupt_message(tracker)
    assert sandbox.stats.run_requests == 1


def test_a_cancel_while_a_refused_record_is_written_still_stops(
    sandbox, tmp_path, monkeypatch
) -> None:
    """Ctrl+C exactly while the accepted id is written, and the disk refuses the write:
    the cancel goes through (it used to be swallowed, the job followed on from memory),
    and the interrupt line says the job is charged but not recorded, with its id."""
    journal = Journal(tmp_path / "journal")
    writing = threading.Event()

    def full_disk(self, folder, entry):  # type: ignore[no-untyped-def]
        writing.set()
        time.sleep(0.5)
        raise atomic.export_error(OSError(errno.ENOSPC, "No space left"), folder, "write")

    monkeypatch.setattr(Journal, "commit", full_disk)
    tracker = cancel_while_writing(sandbox, journal, writing)
    assert tracker.job_id and not tracker.recorded
    line = interrupt_message(tracker)
    assert "could not be recorded" in line and tracker.job_id in line
    assert sandbox.stats.run_requests == 1
