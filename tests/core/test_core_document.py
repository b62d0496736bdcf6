"""The Document without Qt: mask operations, undo/redo, change counter, save/load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.errors import MaskError
from editor.core.job_record import INTERRUPTED, JobRecord
from editor.core.mask_history import MaskPatch
from editor.core.session import load_session, save_session
from editor.core.variant import Variant

H, W = 60, 80


def _photo(value: int = 90) -> np.ndarray:
    pixels = np.full((H, W, 3), value, np.uint8)
    pixels[:, :, 0] = np.arange(W, dtype=np.uint8)[None, :]
    return pixels


def _document() -> Document:
    doc = Document()
    doc.open_image(_photo(), "/photos/kitchen.png", "kitchen.png")
    return doc


def test_document_needs_no_qt() -> None:
    code = (
        "import sys, numpy as np\n"
        "from editor.core.document import Document\n"
        "d = Document(); d.open_image(np.zeros((4, 4, 3), np.uint8), None, 'x')\n"
        "d.mask_op('fill'); d.undo()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'httpx')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_mask_operations_are_one_undo_step_each_and_edit_the_live_array() -> None:
    doc = _document()
    live = doc.mask
    assert live is not None and not live.any()
    assert doc.mask_op("fill") and (live == 255).all()
    assert doc.mask_op("invert") and not live.any()
    square = np.zeros((H, W), np.uint8)
    square[20:30, 30:40] = 255
    assert doc.apply_mask(square, "Square")
    assert doc.history.step(len(doc.history) - 1).patch.rect == (30, 20, 40, 30)
    assert doc.mask_op("grow", 3) and live[18, 35] == 255 and live[15, 35] == 0
    assert doc.history.undo_text == "Grow mask by 3 px"
    assert not doc.apply_mask(live.copy(), "no change")  # nothing changed: no step
    assert len(doc.history) == 4 and doc.mask is live
    assert doc.undo() and np.array_equal(live, square)
    assert doc.undo() and not live.any()
    assert doc.undo() and (live == 255).all()
    assert doc.redo() and doc.redo() and np.array_equal(live, square)
    doc.mask_op("clear")
    assert not live.any() and not doc.history.can_redo


def test_a_stroke_already_painted_is_recorded_without_writing_again() -> None:
    doc = _document()
    assert doc.mask is not None
    before = doc.mask[5:10, 5:10].copy()
    doc.mask[5:10, 5:10] = 200  # what a brush stroke does to the live array
    heard: list[tuple[int, int, int, int]] = []
    doc.on_mask.append(heard.append)
    doc.record_edit(MaskPatch((5, 5, 10, 10), before, doc.mask[5:10, 5:10].copy()), "Brush")
    assert heard == [(5, 5, 10, 10)]
    doc.undo()
    assert not doc.mask.any() and heard[-1] == (5, 5, 10, 10)


def test_a_mask_of_another_size_is_refused_and_nothing_changes() -> None:
    doc = _document()
    with pytest.raises(MaskError, match="same size"):
        doc.apply_mask(np.zeros((H + 1, W), np.uint8), "wrong")
    assert len(doc.history) == 0


def test_undo_history_is_capped_by_count_dropping_the_oldest() -> None:
    doc = Document(undo_limit=3)
    doc.open_image(_photo(), None, "pasted")
    assert doc.mask is not None
    for i in range(5):
        new = doc.mask.copy()
        new[i, :] = 255
        doc.apply_mask(new, f"row {i}")
    assert len(doc.history) == 3 and doc.history.undo_text == "row 4"
    while doc.undo():
        pass
    assert doc.mask[0].all() and doc.mask[1].all() and not doc.mask[2].any()


def test_change_counter_and_unsaved_state() -> None:
    doc = _document()
    assert not doc.is_unsaved()
    changes = doc.changes
    doc.mask_op("fill")
    assert doc.changes > changes and doc.is_unsaved()
    index, changes = doc.history.index, doc.changes
    doc.set_request("remove the lamp", {"backend": "local"})
    assert doc.changes > changes
    doc.mark_saved(index, changes)  # saved before the prompt changed: still unsaved
    assert doc.history.is_clean and doc.is_unsaved()
    doc.mark_saved(doc.history.index, doc.changes)
    assert not doc.is_unsaved()
    doc.undo()
    assert doc.is_unsaved()


def test_sources_back_and_forward_keep_the_mask() -> None:
    doc = _document()
    doc.mask_op("fill")
    variant = _photo(200)
    doc.use_source(variant, "job #1 variant 1")
    assert doc.image is variant and doc.mask is not None and (doc.mask == 255).all()
    assert doc.source_back() and doc.sources.current is not None
    assert doc.sources.current.label == "kitchen.png" and (doc.mask == 255).all()
    assert doc.source_forward() and doc.image is variant
    assert not doc.source_forward()


def test_save_and_load_roundtrip_through_a_session_file(tmp_path: Path) -> None:
    doc = _document()
    doc.mask_op("fill")
    doc.mask_op("shrink", 5)
    doc.use_source(_photo(150), "job #1 variant 1")
    doc.set_request("a blue vase", {"backend": "fashn", "num_images": 2})
    first = doc.sources.chain[0].image
    done = JobRecord(prompt="a blue vase", settings={"backend": "fashn"}, backend="FASHN",
                     remote_id="remote-1", credits_used=2.0, source=first,
                     variants=[Variant.whole(_photo(10)), Variant.whole(_photo(20))])  # fmt: skip
    done.end("completed")
    doc.add_job(done)
    running = JobRecord(prompt="a red vase", backend="FASHN", remote_id="remote-2")
    doc.add_job(running)
    path = save_session(doc.snapshot(), tmp_path / "work.maskedit")

    again = Document()
    again.restore(load_session(path), recovered=False)
    assert again.mask is not None and doc.mask is not None
    assert np.array_equal(again.mask, doc.mask) and np.array_equal(again.image, doc.image)
    assert [e.label for e in again.sources.entries] == ["kitchen.png", "job #1 variant 1"]
    assert again.path == "/photos/kitchen.png" and again.prompt == "a blue vase"
    assert again.settings == {"backend": "fashn", "num_images": 2}
    first_job, second_job = again.jobs.values()
    assert first_job.status == "completed" and first_job.remote_id == "remote-1"
    assert first_job.credits_used == 2.0 and first_job.backend == "FASHN"
    assert first_job.source is again.sources.entries[0].image  # run on the first source
    assert [int(i[0, 0, 1]) for i in first_job.full_images()] == [10, 20]
    assert second_job.status == "cancelled" and second_job.error == INTERRUPTED
    assert not again.is_unsaved() and len(again.history) == 0
    again.restore(load_session(path), recovered=True)
    assert again.is_unsaved()  # recovered work is not saved anywhere yet
    opened = Document.open(doc.save(tmp_path / "again.maskedit"))
    assert opened.session_path == str(tmp_path / "again.maskedit") and opened.mask is not None
    assert np.array_equal(opened.mask, doc.mask) and len(opened.jobs) == 2


def test_old_sessions_with_window_fields_in_settings_still_load() -> None:
    entry = {
        "job_id": "job-1",
        "settings": {"backend": "fashn", "_window": {"remote_id": "r-9", "credits_used": 1}},
        "status": "completed",
    }
    record = JobRecord.from_manifest(entry, [])
    assert record.remote_id == "r-9" and record.credits_used == 1.0
    assert record.settings == {"backend": "fashn"}


def test_quit_note_says_what_is_known_per_phase() -> None:
    def note(kind: str, status: str, remote_id: str | None = None) -> str:
        job = JobRecord(settings={"backend": kind}, status=status, remote_id=remote_id, number=3)
        return job.quit_note()

    assert (
        note("local", "processing") == "Job #3 runs on this computer: it stops and costs nothing."
    )
    assert "not sent yet" in note("fashn", "queued-locally")
    assert "not sent yet" in note("openai", "starting")
    sent = note("openai", "processing")
    assert "may have been created and charged" in sent and "not be sent again" in sent
    assert "may have been created and charged" in note("fashn", "starting")
    accepted = note("fashn", "processing", "r-1")
    assert "(id r-1)" in accepted and "mask-editor-cli resume" in accepted


def test_a_restored_job_keeps_the_time_it_took(tmp_path: Path) -> None:
    """A finished job read back says how long it took, not that plus the time the
    restore question stayed open."""
    import time

    doc = _document()
    done = JobRecord(prompt="p", backend="Local", source=doc.image,
                     variants=[Variant.whole(_photo(10))])  # fmt: skip
    done.started -= 12.3
    done.end("completed")
    doc.add_job(done)
    path = save_session(doc.snapshot(), tmp_path / "w.maskedit")
    session = load_session(path)
    time.sleep(0.6)  # the user reads the restore question
    again = Document()
    again.restore(session, recovered=True)
    (job,) = again.jobs.values()
    assert abs(job.elapsed - 12.3) < 0.2
    time.sleep(0.2)
    assert abs(job.elapsed - 12.3) < 0.2  # and it does not count on


def test_use_source_undo_steps_in_the_core() -> None:
    doc = _document()
    doc.mask_op("fill")
    first = doc.image
    variant = _photo(200)
    doc.use_source(variant, "job #1 variant 1")
    assert doc.history.undo_text == "Use job #1 variant 1 as source"
    assert doc.undo() and doc.image is first and (doc.mask == 255).all()
    assert doc.history.undo_text == "Fill mask"
    assert doc.redo() and doc.image is variant
    assert doc.history.memory_used() >= 0 and len(doc.history) == 2


def test_a_mask_set_image_made_is_known_unpainted_until_written() -> None:
    """The window asks whether the previous photo's mask was ever painted without
    reading it (100 MB at 100 MP): only a mask set_image made and nothing wrote counts."""
    doc = _document()
    first = doc.mask
    assert first is not None and doc.never_painted(first)
    doc.open_image(_photo(40), None, "second")  # the first mask is still known blank
    second = doc.mask
    assert second is not None and doc.never_painted(first) and doc.never_painted(second)
    painted = second.copy()
    painted[5:9, 5:9] = 255
    assert doc.apply_mask(painted, "paint")
    assert not doc.never_painted(second)
    doc.undo()  # all zero again, yet written: it is read, not assumed
    assert not second.any() and not doc.never_painted(second)
    given = np.zeros((H, W), np.uint8)
    doc.set_image(_photo(), given)  # a mask handed in (a session's) is not assumed blank
    assert not doc.never_painted(given) and doc.never_painted(first)


def test_a_stroke_recorded_on_a_new_mask_marks_it_painted() -> None:
    doc = _document()
    mask = doc.mask
    assert mask is not None
    before = mask[0:4, 0:4].copy()
    mask[0:4, 0:4] = 200  # a brush paints in place, then records the step
    doc.record_edit(MaskPatch((0, 0, 4, 4), before, mask[0:4, 0:4].copy()), "stroke")
    assert not doc.never_painted(mask)


def test_another_source_keeps_editing_the_same_mask_array() -> None:
    """Use as source, back and forward show another photo with the mask as it is: the
    very array (no 100 MB copy on the UI thread), its undo steps still apply to it."""
    doc = _document()
    painted = np.zeros((H, W), np.uint8)
    painted[10:20, 10:30] = 255
    assert doc.apply_mask(painted, "paint")
    mask = doc.mask
    generation = doc.generation
    doc.use_source(_photo(10), "variant 1")
    assert doc.mask is mask and doc.generation > generation
    assert np.array_equal(doc.image, _photo(10))
    assert doc.source_back() and doc.mask is mask
    assert doc.undo() and doc.undo()  # "use as source" (already back), then the paint
    assert doc.mask is mask and not mask.any()
    assert doc.redo() and np.array_equal(mask, painted)
