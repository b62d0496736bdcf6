"""File > Batch… in the window: the real dialog driving BatchRunner, offline and against
the sandbox FASHN over real HTTP (tiny 64x48 shots)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

W, H = 64, 48


def _shots(ui, folder: Path, count: int, odd: bool = True) -> list[Path]:  # type: ignore[no-untyped-def]
    """``count`` same-framed shots, plus one of another size when ``odd``."""
    folder.mkdir()
    paths = [ui.write_png(folder / f"look-{i}.png", ui.photo(H, W, seed=i)) for i in range(count)]
    if odd:
        ui.write_png(folder / "wide.png", ui.photo(40, 50, seed=9))
    return paths


def _open_dialog(win, ui, qtbot, folder: Path, out: Path):  # type: ignore[no-untyped-def]
    """Open a 64x48 photo, paint, open File > Batch…, choose the folder and output."""
    ui.open(win, ui.write_png(ui.tmp_path / "current.png", ui.photo(H, W, seed=42)))
    ui.paint(win, 10, 30, 20, 44)
    win.actions_.all["batch"].trigger()
    dialog = win.batch.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.add_sources([folder])
    dialog.set_out_dir(out)
    qtbot.waitUntil(lambda: "shot(s)" in dialog.plan_label.text(), timeout=10_000)
    return dialog


def _run(dialog, qtbot, timeout: int = 60_000) -> None:  # type: ignore[no-untyped-def]
    assert dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.running, timeout=10_000)
    qtbot.waitUntil(lambda: not dialog.running, timeout=timeout)


def _results(out: Path) -> list[Path]:
    return sorted(out.glob("*-edit-*.png"))


def test_local_batch_saves_every_shot_and_skips_the_odd_size(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    shots = _shots(ui, folder, 3)
    dialog = _open_dialog(window, ui, qtbot, folder, out)
    plan = dialog.plan_label.text()
    assert "3 shot(s) to edit" in plan and "no credits" in plan
    assert f"wide.png: 50x40 but the mask is {W}x{H}; skipped" in plan
    assert dialog.shot_list.count() == 4
    _run(dialog, qtbot)
    assert "3 done, 1 skipped, 0 failed" in dialog.plan_label.text()
    saved = _results(out)
    assert [p.name for p in saved] == [f"look-{i}-edit-1.png" for i in range(3)]
    for source, result in zip(shots, saved, strict=True):
        with Image.open(result) as im:
            assert im.size == (W, H)
            assert "batch_shot" in im.text["settings"]  # the CLI's metadata
            pixels = np.asarray(im.convert("RGB"))
        original = np.asarray(Image.open(source).convert("RGB"))
        assert np.array_equal(pixels[:5], original[:5])  # unmasked rows untouched
        assert not np.array_equal(pixels[10:30, 20:44], original[10:30, 20:44])
    states = {s.name: s.state for s in dialog.shots}
    assert states == {"look-0.png": "done", "look-1.png": "done", "look-2.png": "done",
                      "wide.png": "skipped"}  # fmt: skip
    for row, shot in enumerate(dialog.shots):
        assert dialog.shot_list.item(row).icon().isNull() == (shot.state != "done")


def test_a_done_shot_opens_in_the_window_for_review(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    _shots(ui, folder, 1, odd=False)
    dialog = _open_dialog(window, ui, qtbot, folder, out)
    _run(dialog, qtbot)
    dialog.shot_list.setCurrentRow(0)
    assert dialog.open_button.isEnabled()
    result = dialog.shots[0].outputs[0]
    window.session.unsaved_answer = "discard"  # the painted mask: the user's answer
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.document.path == str(result), timeout=10_000)


def test_a_done_shot_compares_with_its_photo(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    (source,) = _shots(ui, folder, 1, odd=False)
    dialog = _open_dialog(window, ui, qtbot, folder, out)
    assert not dialog.compare_button.isEnabled()
    _run(dialog, qtbot)
    dialog.shot_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.compare_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.batch.compare_dialog is not None, timeout=10_000)
    view = window.batch.compare_dialog.view
    assert np.array_equal(view._original_arr, np.asarray(Image.open(source).convert("RGB")))
    result = np.asarray(Image.open(dialog.shots[0].outputs[0]).convert("RGB"))
    assert np.array_equal(view._variant_arr[..., :3], result)


def test_fashn_batch_pays_each_shot_once_and_a_rerun_sends_nothing(
    fashn_window, sandbox, qtbot, ui
) -> None:  # type: ignore[no-untyped-def]
    from editor.backends.specs import spec_for

    win = fashn_window
    win.controls.prompt_edit.setPlainText("a white backdrop")
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    _shots(ui, folder, 3)
    dialog = _open_dialog(win, ui, qtbot, folder, out)
    c = win.controls
    each = (
        spec_for("fashn")
        .estimate(
            schema=c.schema(),
            resolution=str(c.resolution_box.currentData()),
            mode=str(c.mode_box.currentData()),
            num_images=c.num_images(),
        )
        .credits
    )
    plan = dialog.plan_label.text()
    assert "3 shot(s) to send to FASHN" in plan
    assert f"about {3 * each:g} credits in all" in plan
    assert "wide.png: 50x40 but the mask is 64x48; skipped" in plan
    assert sandbox.stats.jobs_created == 0  # nothing is sent before Start
    _run(dialog, qtbot)
    assert sandbox.stats.jobs_created == 3
    saved = _results(out)
    assert [p.name for p in saved] == [f"look-{i}-edit-1.png" for i in range(3)]
    assert "3 done, 1 skipped, 0 failed" in dialog.plan_label.text()
    assert win.batch.summary is not None and win.batch.summary.credits > 0

    dialog.set_out_dir(out)  # plan the same batch again: every shot is already done
    qtbot.waitUntil(lambda: "0 shot(s) to send" in dialog.plan_label.text(), timeout=10_000)
    assert "already done; not sent again" in dialog.plan_label.text()
    assert not dialog.start_button.isEnabled()
    assert sandbox.stats.jobs_created == 3 and len(_results(out)) == 3


def test_stop_sending_keeps_the_running_shot_and_sends_no_more(
    fashn_window, sandbox, qtbot, ui, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import editor.cli.batch

    monkeypatch.setattr(editor.cli.batch, "concurrency_for", lambda _kind: 1)
    sandbox.set_delays(processing=1.0)
    fashn_window.controls.prompt_edit.setPlainText("a white backdrop")
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    _shots(ui, folder, 3, odd=False)
    dialog = _open_dialog(fashn_window, ui, qtbot, folder, out)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.shots[0].state == "running", timeout=15_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert "Stopped sending" in dialog.plan_label.text()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert [s.state for s in dialog.shots] == ["done", "cancelled", "cancelled"]
    assert sandbox.stats.jobs_created == 1
    assert [p.name for p in _results(out)] == ["look-0-edit-1.png"]
    assert "1 done, 2 skipped" in dialog.plan_label.text()


def test_batch_needs_a_painted_mask(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.write_png(ui.tmp_path / "p.png", ui.photo(H, W)))
    window.actions_.all["batch"].trigger()
    assert window.batch.dialog is None
    assert "Paint the mask first" in window.message_label.text()


def _full_disk(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Writing into ``folder`` fails as on a full disk (elsewhere it works)."""
    import errno

    from editor.core import atomic

    real = atomic.claim_write

    def claim_write(where, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(where) == folder:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(where, *args, **kwargs)

    monkeypatch.setattr(atomic, "claim_write", claim_write)


def test_openai_results_the_folder_refuses_go_to_app_data(
    window, sandbox, qtbot, ui, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from editor.core.paths import app_data_dir
    from editor.ui import prefs

    monkeypatch.setenv("OPENAI_API_KEY", sandbox.key)
    prefs.set_value("backends/openai/base_url", sandbox.url)
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("openai"))
    c.prompt_edit.setPlainText("a brass lamp")
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    _shots(ui, folder, 2, odd=False)
    dialog = _open_dialog(window, ui, qtbot, folder, out)
    _full_disk(monkeypatch, out)
    _run(dialog, qtbot)
    assert [s.state for s in dialog.shots] == ["done", "done"]
    assert _results(out) == []
    spare = sorted((app_data_dir() / "recovered").glob("*-edit-*.png"))
    assert [p.name for p in spare] == ["look-0-edit-1.png", "look-1-edit-1.png"]
    assert "saved in" in dialog.shot_list.item(0).text()


def test_fashn_results_the_folder_refuses_stay_in_the_journal(
    fashn_window, sandbox, qtbot, ui, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    fashn_window.controls.prompt_edit.setPlainText("a white backdrop")
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    _shots(ui, folder, 1, odd=False)
    dialog = _open_dialog(fashn_window, ui, qtbot, folder, out)
    _full_disk(monkeypatch, out)
    _run(dialog, qtbot)
    shot = dialog.shots[0]
    assert shot.state == "in-journal" and "resume" in shot.detail
    assert fashn_window.pool.journal.get(shot.job_id) is not None
    assert sandbox.stats.jobs_created == 1 and _results(out) == []


def test_quitting_while_a_batch_runs_asks_first(
    fashn_window, sandbox, qtbot, ui, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import editor.cli.batch

    monkeypatch.setattr(editor.cli.batch, "concurrency_for", lambda _kind: 1)
    sandbox.set_delays(processing=1.0)
    win = fashn_window
    win.controls.prompt_edit.setPlainText("a white backdrop")
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    _shots(ui, folder, 2, odd=False)
    dialog = _open_dialog(win, ui, qtbot, folder, out)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.shots[0].state == "running", timeout=15_000)
    win.force_close = False
    win.batch.quit_answer = False
    assert not win.batch.may_close()
    assert not win.close() and win.isVisible()  # the user said Cancel: the window stays
    win.batch.quit_answer = True
    assert win.batch.may_close()
    win.force_close = True
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert sandbox.stats.jobs_created == 2 and len(_results(out)) == 2


def test_start_without_a_key_says_so_and_sends_nothing(window, sandbox, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    from editor.backends.specs import spec_for
    from editor.ui import prefs

    prefs.set_value("backends/fashn/base_url", sandbox.url)
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("fashn"))
    c.prompt_edit.setPlainText("a white backdrop")
    folder, out = ui.tmp_path / "shots", ui.tmp_path / "out"
    _shots(ui, folder, 1, odd=False)
    dialog = _open_dialog(window, ui, qtbot, folder, out)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    message = spec_for("fashn").no_key_message
    qtbot.waitUntil(lambda: dialog.plan_label.text() == message, timeout=10_000)
    assert not dialog.running and dialog.shots[0].state == "planned"
    assert dialog.start_button.isEnabled()  # set the key, then Start again
    assert sandbox.stats.jobs_created == 0
