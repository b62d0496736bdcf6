"""Large photos through the window: the decode runs off the UI thread, a job's results
are kept as crops of the changed region, and exports build the exact whole variant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QTimer

from editor.core.job_record import JobRecord


def test_the_ui_thread_ticks_while_a_big_jpeg_decodes(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    pixels = rng.integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
    path = tmp_path / "big.jpg"
    Image.fromarray(pixels).save(path, quality=90)
    ticks: list[int] = [0]
    at_arrival: list[int] = []
    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    show = window.opener.open_pixels

    def arrived(*args):  # type: ignore[no-untyped-def]
        at_arrival.append(ticks[0])  # the decoded pixels reach the UI thread
        show(*args)

    window.opener.open_pixels = arrived
    timer.start()
    window.opener.open_path(str(path))
    assert window.opening and not window.canvas.has_image()  # decoding elsewhere
    qtbot.waitUntil(lambda: bool(at_arrival) and not window.opening, timeout=30_000)
    timer.stop()
    assert window.canvas.image().shape[:2] == (3000, 4000)
    assert at_arrival[0] >= 3  # the event loop ran while the photo was decoded


def test_a_jobs_results_are_crops_of_the_changed_region(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file(h=240, w=320))
    ui.paint(window, 40, 80, 60, 120)
    window.controls.variants_spin.setValue(2)
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    source = record.source
    for k, variant in enumerate(record.variants):
        assert not variant.is_whole and variant.nbytes < source.nbytes // 4
        x0, y0, x1, y1 = variant.box
        assert x0 >= 20 and x1 <= 160 and y0 >= 0 and y1 <= 120  # the mask and its margin
        whole = record.full(k)
        outside = np.ones(source.shape[:2], bool)
        outside[y0:y1, x0:x1] = False
        assert np.array_equal(whole[outside], source[outside])
        assert not np.array_equal(whole, source)


def test_export_builds_the_exact_whole_variant(window, qtbot, ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file(h=200, w=300))
    source = window.document.image
    result = source.copy()
    result[20:60, 100:180] = np.arange(80, dtype=np.uint8)[None, :, None]
    record = JobRecord(backend="Local", prompt="p", source=source, status="completed")
    record.set_images([result])
    assert record.variants[0].box == (100, 20, 180, 60)
    record.thumbs = [v.thumbnail(source) for v in record.variants]
    record.number = window.runner.reserve_number()
    window.document.add_job(record)
    window.results.add_job(record)
    window.results.update_job(record.number)
    window.results.select(record.number, 0)
    target = tmp_path / "variant.png"
    window.variants.export_selected(str(target))
    qtbot.waitUntil(lambda: "Exported the variant" in window.message_label.text(), timeout=20_000)
    with Image.open(target) as im:
        assert np.array_equal(np.asarray(im), result)
    folder = tmp_path / "all"
    folder.mkdir()
    window.variants.export_all_variants(str(folder))
    qtbot.waitUntil(lambda: "Exported all variants" in window.message_label.text(), timeout=20_000)
    (only,) = sorted(folder.iterdir())
    with Image.open(only) as im:
        assert np.array_equal(np.asarray(im), result)


def test_a_large_mask_is_snapshotted_in_bands_after_a_pause(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.window import mask_snapshot
    from editor.ui.window.mask_snapshot import MaskSnapshots

    monkeypatch.setattr(mask_snapshot, "BAND_BYTES", 40_000)  # 10 rows a turn: 300 turns
    copies: list[tuple[np.ndarray, np.ndarray]] = []
    snaps = MaskSnapshots(lambda m, c: copies.append((m, c)), delay_s=0.05, max_latency_s=5)
    small = np.zeros((100, 100), np.uint8)
    snaps.changed(small)  # a small mask: copied at once
    assert len(copies) == 1 and copies[0][1] is not small and not snaps.busy()
    copies.clear()
    mask = np.zeros((3000, 4000), np.uint8)
    assert mask.nbytes > mask_snapshot.SMALL_BYTES
    mask[100:200] = 255
    bands: list[int] = []

    def after_a_band() -> None:  # runs right after each band is copied
        bands.append(snaps._row)
        if len(bands) == 1:  # copying in bands: change the mask between two bands
            assert snaps._copy is not None and 0 < snaps._row < mask.shape[0]
            mask[2900:3000] = 7  # rows not copied yet: this copy gets them
            mask[0:10] = 9  # rows already copied: marked dirty, another copy follows
            snaps.changed(mask)

    snaps._timer.timeout.connect(after_a_band)
    snaps.changed(mask)
    assert not copies and snaps.busy()  # nothing copied on the UI thread yet
    qtbot.waitUntil(lambda: len(copies) == 2, timeout=20_000)
    assert len(bands) > 2  # the first copy took several bands
    assert all(m is mask for m, _ in copies)
    assert np.array_equal(copies[-1][1], mask) and copies[-1][1] is not mask
    qtbot.waitUntil(lambda: not snaps.busy(), timeout=5_000)


def test_whole_results_of_a_session_file_become_crops(window, qtbot, ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file(h=200, w=300))
    source = window.document.image
    result = source.copy()
    result[30:70, 40:90] = 3
    record = JobRecord(backend="Local", prompt="p", source=source, status="completed")
    record.set_images([result])
    record.thumbs = [v.thumbnail(source) for v in record.variants]
    record.number = window.runner.reserve_number()
    window.document.add_job(record)
    target = tmp_path / "work.maskedit"
    window.session.save_session_dialog(str(target))
    qtbot.waitUntil(lambda: "Saved the session" in window.message_label.text(), timeout=20_000)
    window.session.unsaved_answer = "discard"
    window.session.open_session_dialog(str(target))
    qtbot.waitUntil(lambda: "Opened the session" in window.message_label.text(), timeout=20_000)
    (restored,) = window.document.jobs.values()
    qtbot.waitUntil(lambda: not restored.variants[0].is_whole, timeout=10_000)  # in a worker
    assert restored.variants[0].box == (40, 30, 90, 70)
    assert np.array_equal(restored.full(0), result)


def test_the_jobs_mask_is_read_off_the_ui_thread_and_never_torn(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file(h=240, w=320))
    at_run = ui.paint(window, 40, 80, 60, 120)
    window.run.run_job()  # the snapshot is taken in a worker thread
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    assert np.array_equal(record.mask, at_run) and record.mask is not window.canvas.mask()
    window.run.run_job()
    later = ui.paint(window, 150, 200, 200, 260)  # painted before the worker's read ends
    qtbot.waitUntil(lambda: len(window.document.jobs) == 2 and not window.runner.running(),
                    timeout=120_000)  # fmt: skip
    second = window.document.jobs[max(window.document.jobs)]
    assert np.array_equal(second.mask, later)  # read again: the whole later mask
