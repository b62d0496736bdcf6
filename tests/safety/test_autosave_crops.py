"""The autosave writes a variant's crop, not the whole result; older folders and
session files (whole results) still restore."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from editor.core.autosave import Autosaver
from editor.core.document import Document
from editor.core.session import JobRecord, Session, load_session, save_session
from editor.core.variant import Variant


def _photo_and_result() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    source = rng.integers(0, 256, (90, 160, 3), dtype=np.uint8)
    result = source.copy()
    result[30:50, 60:100] = 255 - result[30:50, 60:100]
    return source, result


def _crash(saver: Autosaver) -> None:
    saver.flush()
    assert saver._lock_fh is not None
    saver._lock_fh.close()  # what the OS does when the process dies
    saver._lock_fh = None


def test_autosave_writes_the_crop_and_restores_the_exact_result(tmp_path: Path) -> None:
    source, result = _photo_and_result()
    saver = Autosaver(tmp_path / "autosave", delay=0)
    saver.save_source(source, "/photo.png")
    record = JobRecord("job-1", "sky", {}, source=source, status="completed")
    record.set_images([result])
    saver.save_state("sky", {}, [record])
    saver.save_result("job-1", 0, record.variants[0])
    _crash(saver)
    with Image.open(saver.folder / "results" / "000" / "00.png") as png:
        assert png.size == (40, 20)  # the changed window only
    manifest = json.loads((saver.folder / "manifest.json").read_text())
    assert manifest["jobs"][0]["crops"] == {"0": {"box": [60, 30, 100, 50], "shape": [90, 160, 3]}}
    restored = Autosaver(tmp_path / "autosave").load_recovery()
    assert restored is not None
    doc = Document()
    doc.restore(restored, recovered=True)
    job = next(iter(doc.jobs.values()))
    assert job.source is not None and np.array_equal(job.source, source)
    assert np.array_equal(job.full(0), result)


def test_a_result_whose_source_is_not_saved_is_written_whole(tmp_path: Path) -> None:
    source, result = _photo_and_result()
    saver = Autosaver(tmp_path / "autosave", delay=0)
    saver.save_source(np.zeros_like(source))  # another photo is open now
    saver.save_result("job-2", 0, Variant.of(result, source), source)
    _crash(saver)
    restored = Autosaver(tmp_path / "autosave").load_recovery()
    assert restored is not None and restored.jobs[0].variants[0].is_whole
    assert np.array_equal(restored.jobs[0].full(0), result)


def test_an_older_autosave_folder_with_whole_results_restores(tmp_path: Path) -> None:
    source, result = _photo_and_result()
    saver = Autosaver(tmp_path / "autosave", delay=0)
    saver.save_source(source)
    saver.save_result("job-3", 0, result)  # a whole array: what older versions wrote
    _crash(saver)
    manifest = json.loads((saver.folder / "manifest.json").read_text())
    assert "crops" not in manifest["jobs"][0]
    restored = Autosaver(tmp_path / "autosave").load_recovery()
    assert restored is not None and np.array_equal(restored.jobs[0].full(0), result)


def test_session_files_hold_whole_results_and_old_ones_restore(tmp_path: Path) -> None:
    source, result = _photo_and_result()
    record = JobRecord("job-4", "sky", {}, source=source, status="completed", source_index=0)
    record.set_images([result])
    assert not record.variants[0].is_whole
    session = Session(source=source, mask=np.zeros((90, 160), np.uint8), jobs=[record])
    path = save_session(session, tmp_path / "work.mesession")
    with zipfile.ZipFile(path) as zf:  # any version reads a whole result
        manifest = json.loads(zf.read("manifest.json"))
        with Image.open(zf.open("results/000/00.png")) as png:
            assert png.size == (160, 90)
    assert "crops" not in manifest["jobs"][0]
    loaded = load_session(path)
    doc = Document()
    doc.restore(loaded, recovered=False)
    job = next(iter(doc.jobs.values()))
    assert np.array_equal(job.full(0), result)
