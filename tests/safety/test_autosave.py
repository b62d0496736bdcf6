"""Autosave: debounced off-thread mask writes, atomic files, disk failures, recovery."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import editor.core.atomic as atomic
from editor.core.autosave import CLEAN, Autosaver, load_folder
from editor.core.session import JobRecord

from .helpers import assert_sessions_equal, make_session


class Recorder:
    """Collects on_saved / on_error callbacks (they run on the worker thread)."""

    def __init__(self) -> None:
        self.saved: list[tuple[str, str]] = []
        self.errors: list[str] = []

    def on_saved(self, name: str) -> None:
        self.saved.append((name, threading.current_thread().name))

    def on_error(self, message: str) -> None:
        self.errors.append(message)

    def count(self, name: str) -> int:
        return sum(1 for n, _ in self.saved if n == name)


def _saver(root: Path, rec: Recorder, **kwargs) -> Autosaver:
    return Autosaver(root, on_saved=rec.on_saved, on_error=rec.on_error, **kwargs)


def _read_mask(saver: Autosaver) -> np.ndarray:
    return np.array(Image.open(saver.folder / "mask.png"))


def _crash(saver: Autosaver) -> None:
    """What a kill leaves: pending work dropped, lock released by the OS, no clean marker."""
    with saver._cond:
        saver._pending.clear()
        saver._closed = True
        saver._cond.notify_all()
    if saver._lock_fh is not None:
        saver._lock_fh.close()
        saver._lock_fh = None


def test_default_root_is_in_app_data(data_dir: Path) -> None:
    assert Autosaver().root == data_dir / "autosave"


def test_many_mask_calls_give_few_writes_off_thread(tmp_path: Path) -> None:
    rec = Recorder()
    saver = _saver(tmp_path, rec, delay=0.3, max_latency=10)
    mask = np.zeros((300, 400), np.uint8)
    for i in range(60):
        mask[i, :] = 255
        saver.save_mask(mask)
    assert rec.count("mask.png") == 0  # nothing written while strokes keep coming
    deadline = time.monotonic() + 10
    while rec.count("mask.png") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.4)
    assert rec.count("mask.png") == 1
    assert {thread for _, thread in rec.saved} == {"autosave"}
    np.testing.assert_array_equal(_read_mask(saver), mask)
    saver.close()


def test_mask_is_snapshotted_at_call_time(tmp_path: Path) -> None:
    rec = Recorder()
    saver = _saver(tmp_path, rec, delay=0.05)
    mask = np.zeros((50, 60), np.uint8)
    mask[10:20, 10:20] = 255
    expected = mask.copy()
    saver.save_mask(mask)
    mask[:] = 7  # the canvas keeps painting after the stroke ended
    assert saver.flush()
    np.testing.assert_array_equal(_read_mask(saver), expected)
    saver.close()


def test_continuous_painting_still_saves_within_max_latency(tmp_path: Path) -> None:
    rec = Recorder()
    saver = _saver(tmp_path, rec, delay=0.2, max_latency=0.3)
    mask = np.zeros((64, 64), np.uint8)
    end = time.monotonic() + 1.5
    while time.monotonic() < end:  # a stroke every 20 ms, never a 0.2 s pause
        mask[np.random.randint(64), :] = 255
        saver.save_mask(mask)
        time.sleep(0.02)
    written_while_painting = rec.count("mask.png")
    saver.flush()
    assert 1 <= written_while_painting <= 10
    np.testing.assert_array_equal(_read_mask(saver), mask)
    saver.close()


def test_failed_rename_keeps_previous_good_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder()
    saver = _saver(tmp_path, rec, delay=0)
    good = np.full((40, 50), 255, np.uint8)
    saver.save_mask(good)
    assert saver.flush() and rec.errors == []

    def crash_in_rename(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", crash_in_rename)
    saver.save_mask(np.zeros((40, 50), np.uint8))
    saver.flush()
    monkeypatch.undo()
    np.testing.assert_array_equal(_read_mask(saver), good)
    assert not [p for p in saver.folder.iterdir() if p.name.endswith(".tmp")]
    assert len(rec.errors) == 1 and "\n" not in rec.errors[0]
    # the next write works again and clears the error
    saver.save_mask(np.zeros((40, 50), np.uint8))
    saver.flush()
    assert saver.last_error is None
    assert _read_mask(saver).max() == 0
    saver.close()


def test_full_disk_reports_one_line_once_and_keeps_good_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder()
    saver = _saver(tmp_path, rec, delay=0)
    session = make_session()
    saver.save_session(session)
    saver.flush()
    before = {p.name: p.read_bytes() for p in saver.folder.rglob("*") if p.is_file()}

    def disk_full(fh, data):
        fh.write(bytes(data)[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_chunks", disk_full)
    for i in range(5):
        session.mask[i, :] = 255
        saver.save_mask(session.mask)
        saver.save_result("job-9", 0, session.source)
        saver.flush()
    assert len(rec.errors) == 1, rec.errors  # one message, not one per stroke
    message = rec.errors[0]
    assert "disk is full" in message and "\n" not in message
    assert "still open" in message
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in saver.folder.rglob("*") if p.is_file()}
    assert after == before  # every previous good file intact, no debris
    assert_sessions_equal(load_folder(saver.folder), make_session())
    saver.close()


def test_failed_result_is_retried_without_another_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder()
    saver = _saver(tmp_path, rec, delay=0)
    saver.retry_delay = 0.2
    variant = np.full((30, 20, 3), 77, np.uint8)
    saver.save_source(np.zeros((30, 20, 3), np.uint8))
    assert saver.flush()

    def disk_full(fh, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_chunks", disk_full)
    saver.save_result("paid-job", 0, variant)
    # flush returns (a failing retry does not make it spin) and says the write failed
    assert saver.flush(timeout=None) is False
    assert len(rec.errors) == 1
    path = saver.folder / "results" / "000" / "00.png"
    assert not path.exists()
    monkeypatch.undo()  # space was freed
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    np.testing.assert_array_equal(np.array(Image.open(path)), variant)
    saver.close(keep=True)
    assert [j.job_id for j in load_folder(saver.folder).jobs] == ["paid-job"]


def test_flush_and_results_saved_tell_the_truth_about_failed_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A paid job may leave the journal only when its results are really on disk."""
    rec = Recorder()
    saver = _saver(tmp_path, rec, delay=0)
    saver.retry_delay = 0.2
    saver.save_source(np.zeros((30, 20, 3), np.uint8))
    assert saver.flush()
    real_png = saver._write_png

    def results_fail(name: str, pixels: np.ndarray) -> None:
        if name.startswith("results/"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_png(name, pixels)

    monkeypatch.setattr(saver, "_write_png", results_fail)
    saver.save_result("paid", 0, np.ones((30, 20, 3), np.uint8))
    saver.save_state("later writes succeed", {})  # the manifest write works
    assert saver.flush() is False
    assert saver.last_error is not None
    assert not saver.results_saved("paid")
    monkeypatch.undo()
    deadline = time.monotonic() + 10
    while not saver.results_saved("paid") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert saver.results_saved("paid")
    assert saver.flush() and saver.last_error is None
    assert not saver.results_saved("unknown-job")
    saver.close()


def test_read_only_disk_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    saver = _saver(tmp_path / "autosave", rec, delay=0)
    real_open = os.open

    def read_only_open(path, flags, *args, **kwargs):
        if str(path).startswith(str(tmp_path)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_open)
    saver.save_mask(np.zeros((8, 8), np.uint8))  # must not raise in the caller
    assert saver.flush(timeout=None) is False
    assert len(rec.errors) == 1 and "read-only" in rec.errors[0]
    saver.close()


def test_unwritable_location_never_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    rec = Recorder()
    saver = _saver(blocker / "autosave", rec, delay=0)
    saver.save_source(np.zeros((8, 8, 3), np.uint8))
    saver.save_mask(np.zeros((8, 8), np.uint8))
    assert saver.flush(timeout=None) is False
    assert len(rec.errors) == 1 and "Could not autosave" in rec.errors[0]
    assert not saver.has_recovery()
    saver.close()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_read_only_folder_permissions(tmp_path: Path) -> None:
    root = tmp_path / "autosave"
    root.mkdir()
    root.chmod(0o500)
    rec = Recorder()
    saver = _saver(root, rec, delay=0)
    try:
        saver.save_mask(np.zeros((8, 8), np.uint8))
        assert saver.flush(timeout=None) is False
        assert len(rec.errors) == 1 and "not writable" in rec.errors[0]
    finally:
        root.chmod(0o700)
        saver.close()


def test_recovery_after_crash_restores_everything(tmp_path: Path) -> None:
    root = tmp_path / "autosave"
    session = make_session()
    session.settings["openai_api_key"] = "sk-verysecretverysecret1234"
    first = Autosaver(root, delay=0)
    first.save_session(session)
    first.flush()
    second = Autosaver(root)
    assert not second.has_recovery()  # the first editor is still running
    _crash(first)
    assert second.has_recovery()
    restored = second.load_recovery()
    assert restored is not None
    del session.settings["openai_api_key"]
    assert_sessions_equal(session, restored)
    assert b"verysecret" not in (first.folder / "manifest.json").read_bytes()
    # a third start while the second still decides does not offer the same folder
    assert not Autosaver(root).has_recovery()
    second.discard()
    assert not first.folder.exists()
    assert not second.has_recovery() and second.load_recovery() is None
    second.close()


def test_results_arriving_before_state_are_recovered(tmp_path: Path) -> None:
    root = tmp_path / "autosave"
    saver = Autosaver(root, delay=0)
    source = np.full((20, 30, 3), 9, np.uint8)
    variant = np.full((20, 30, 3), 200, np.uint8)
    saver.save_source(source, "/x.png")
    saver.save_result("remote-123", 1, variant)
    saver.flush()
    _crash(saver)
    restored = Autosaver(root).load_recovery()
    assert restored is not None
    assert [j.job_id for j in restored.jobs] == ["remote-123"]
    np.testing.assert_array_equal(restored.jobs[0].full(0), variant)
    assert restored.mask.shape == (20, 30) and restored.mask.max() == 0


def test_state_updates_job_metadata(tmp_path: Path) -> None:
    root = tmp_path / "autosave"
    saver = Autosaver(root, delay=0)
    saver.save_source(np.zeros((10, 10, 3), np.uint8))
    running = JobRecord("j", "sky", {"n": 2}, status="running")
    saver.save_state("p1", {"resolution": "1k"}, [running])
    saver.save_result("j", 0, np.ones((10, 10, 3), np.uint8))
    done = JobRecord("j", "sky", {"n": 2}, status="completed")
    saver.save_state("p2", {"resolution": "4k"}, [done])
    saver.flush()
    _crash(saver)
    restored = Autosaver(root).load_recovery()
    assert restored is not None
    assert restored.prompt == "p2" and restored.settings == {"resolution": "4k"}
    assert restored.jobs[0].status == "completed" and len(restored.jobs[0].variants) == 1


def test_clean_exit_is_not_offered(tmp_path: Path) -> None:
    root = tmp_path / "autosave"
    saver = Autosaver(root, delay=0)
    saver.save_session(make_session())
    saver.close(keep=True)
    assert (saver.folder / CLEAN).exists()
    assert not Autosaver(root).has_recovery()
    other = Autosaver(root, delay=0)
    other.save_session(make_session())
    other.close()
    assert not other.folder.exists()


def test_torn_temp_files_are_ignored(tmp_path: Path) -> None:
    root = tmp_path / "autosave"
    saver = Autosaver(root, delay=0)
    session = make_session()
    saver.save_session(session)
    saver.flush()
    _crash(saver)
    (saver.folder / ".mask.png.deadbeef.tmp").write_bytes(b"\x89PNG half")
    restored = Autosaver(root).load_recovery()
    assert restored is not None
    assert_sessions_equal(session, restored)


def test_unreadable_leftover_is_skipped_for_an_older_good_one(tmp_path: Path) -> None:
    root = tmp_path / "autosave"
    good = Autosaver(root, delay=0)
    session = make_session()
    good.save_session(session)
    good.flush()
    _crash(good)
    time.sleep(0.05)
    bad = Autosaver(root, delay=0)
    bad.save_session(make_session(seed=3))
    bad.flush()
    _crash(bad)
    (bad.folder / "source.png").write_bytes(b"garbage")
    restored = Autosaver(root).load_recovery()
    assert restored is not None
    assert_sessions_equal(session, restored)


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no thread nice values")
def test_the_writer_thread_runs_at_once_and_yields_the_cpu(tmp_path: Path) -> None:
    """The writer thread exists before the first write (starting it then, a photo just
    opened, stalled the UI thread) and runs below the UI thread's priority."""
    from editor.core.threads import BACKGROUND_NICE

    saver = Autosaver(tmp_path / "autosave")
    try:
        thread = saver._thread
        assert thread is not None and thread.is_alive()
        seen: list[int] = []
        saver._schedule(
            "probe",
            lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())),
            0.0,
        )
        assert saver.flush(10) and seen
        assert seen[0] == min(19, os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICE)
    finally:
        saver.close()


def test_a_new_source_holds_every_write_then_writes_it_first(tmp_path: Path) -> None:
    """The opening photo's first paint gets the CPU (nothing is written for SOURCE_HOLD
    seconds), and the order stays safe: the source before the mask and manifest that
    refer to it, whatever was asked for in between."""
    from editor.core.autosave import SOURCE_HOLD

    rec = Recorder()
    saver = _saver(tmp_path, rec, delay=0.0)
    saver.save_mask(np.zeros((40, 50), np.uint8))
    assert saver.flush()
    rec.saved.clear()
    asked = time.monotonic()
    saver.save_source(np.full((40, 50, 3), 9, np.uint8), "photo.png")
    saver.save_mask(np.full((40, 50), 255, np.uint8))  # painted at once: due now
    saver.save_state("a prompt", {})
    time.sleep(SOURCE_HOLD / 2)
    assert rec.saved == []  # held
    deadline = time.monotonic() + 10
    while rec.count("mask.png") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert time.monotonic() - asked >= SOURCE_HOLD
    names = [name for name, _ in rec.saved]
    assert names.index("source.png") < names.index("mask.png"), names
    assert saver.flush() and _read_mask(saver).min() == 255
    saver.close()
