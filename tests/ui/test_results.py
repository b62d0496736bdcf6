"""Results: thumbnails per job, use a variant as the new source and go back."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from editor.core.sources import SourceEntry, SourceHistory


def test_use_as_new_source_and_back(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    mask = ui.paint(window, 40, 70, 60, 100)
    original = window.canvas.image()
    window.controls.variants_spin.setValue(2)
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    card = window.results.card(record.number)
    qtbot.mouseClick(card.variant_buttons[1], Qt.MouseButton.LeftButton)
    assert window.results.selected() == (record.number, 1)
    window.actions_.use_source.trigger()  # the whole variant is built in a worker thread
    qtbot.waitUntil(lambda: "variant 2" in window.windowTitle())
    used = window.canvas.image()
    assert np.array_equal(used, record.full(1))
    assert np.array_equal(window.canvas.mask(), mask)  # the mask carries over
    assert "variant 2" in window.windowTitle()
    assert window.actions_.source_back.isEnabled()
    window.actions_.source_back.trigger()
    assert window.canvas.image() is original
    assert np.array_equal(window.canvas.mask(), mask)
    assert window.actions_.source_forward.isEnabled()
    window.actions_.source_forward.trigger()
    assert window.canvas.image() is used
    # the next job is sent from the new source
    window.run.run_job()
    qtbot.waitUntil(
        lambda: len(window.document.jobs) == 2 and not window.runner.running(), timeout=120_000
    )
    assert window.document.jobs[max(window.document.jobs)].source is used


def test_compare_opens_for_the_selected_variant(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    ui.paint(window, 40, 70, 60, 100)
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    window.actions_.compare.trigger()  # the whole variant is built in a worker thread
    qtbot.waitUntil(lambda: window.variants.compare_dialog is not None)
    dialog = window.variants.compare_dialog
    assert dialog.isVisible() and "job #1" in dialog.windowTitle()
    assert np.array_equal(dialog.view._variant_arr, record.full(0))


def test_source_history_rules() -> None:
    a, b, c = (SourceEntry(np.zeros((1, 1, 3), np.uint8), n) for n in "abc")
    h = SourceHistory()
    assert h.current is None and not h.can_go_back
    h.reset(a)
    h.push(b)
    assert h.back() is a and h.back() is None
    h.push(c)  # branching drops b
    assert [e.label for e in h.entries] == ["a", "c"]
    assert h.forward() is None and h.current is c


def test_use_as_new_source_is_one_undo_step(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    """Undo after "Use as new source" goes back to the earlier source; the mask steps
    before it stay undoable, redo comes forward again, and the view is kept."""
    ui.open(window, ui.photo_file())
    mask = ui.paint(window, 40, 70, 60, 100)
    original = window.canvas.image()
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    window.canvas.set_zoom(2.0)
    view = (window.canvas.zoom(), window.canvas.center())
    a = window.actions_
    steps = window.canvas.undo_stack.count()
    a.use_source.trigger()  # the whole variant is built in a worker thread
    qtbot.waitUntil(lambda: window.canvas.undo_stack.count() == steps + 1)
    used = window.canvas.image()
    assert np.array_equal(used, record.full(0))
    assert a.undo.isEnabled() and "as source" in a.undo.text()
    assert (window.canvas.zoom(), window.canvas.center()) == view
    a.undo.trigger()
    assert window.canvas.image() is original
    assert "variant" not in window.windowTitle()
    assert "Editing photo.png" in window.message_label.text()
    assert np.array_equal(window.canvas.mask(), mask)  # only the source went back
    assert (window.canvas.zoom(), window.canvas.center()) == view
    assert "test paint" in a.undo.text()  # the paint before it is still there to undo
    a.redo.trigger()
    assert window.canvas.image() is used
    a.undo.trigger()
    a.undo.trigger()
    assert window.canvas.image() is original and not window.canvas.mask().any()
    a.redo.trigger()
    a.redo.trigger()
    assert window.canvas.image() is used
    assert np.array_equal(window.canvas.mask(), mask)
    assert "variant 1" in window.windowTitle()
    # the autosave follows the source shown after undo / redo
    assert window.session.autosaver.flush(10)


def test_a_closed_compare_lets_the_whole_variant_go(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    """The compare dialog holds a whole variant (450 MB at 150 MP): closed, it is deleted
    and the variant freed, not kept hidden until the next compare."""
    import gc
    import weakref

    ui.open(window, ui.photo_file())
    ui.paint(window, 40, 70, 60, 100)
    window.run.run_job()
    ui.wait_job(window, timeout=120_000)
    window.actions_.compare.trigger()
    qtbot.waitUntil(lambda: window.variants.compare_dialog is not None)
    dialog = window.variants.compare_dialog
    shown = weakref.ref(dialog.view._variant_arr)
    dialog.close_button.click()
    del dialog
    assert window.variants.compare_dialog is None
    qtbot.waitUntil(lambda: (gc.collect(), shown())[1] is None, timeout=5_000)
