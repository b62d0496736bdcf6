"""The job card's bar follows the job's phases (sending, queued, processing,
downloading n/N) and reaches its end when the results are in, whatever the estimate."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from editor.backends.base import JobCompleted, JobProgress, JobStatus, JobSubmitted
from editor.jobs import PHASE_STARTS, job_phase


def test_phases_of_a_fashn_job_only_move_forward() -> None:
    events = [
        JobSubmitted("j1"),
        JobStatus("starting", 0.1),
        JobProgress(message="starting (0 s)"),
        JobStatus("in_queue", 1.0),
        JobStatus("processing", 2.0),
        JobProgress(message="processing (3 s)"),
        JobStatus("completed", 5.0),
        JobProgress(message="downloading output 1 of 2"),
        JobProgress(message="downloading output 2 of 2"),
        JobCompleted("j1", [np.zeros((2, 2, 3), np.uint8)] * 2),
    ]
    phase = ("sending", PHASE_STARTS["sending"])
    seen = [phase]
    for event in events:
        moved = job_phase(event, phase)
        if moved is not None and moved != phase:
            phase = moved
            seen.append(phase)
    labels = [label for label, _ in seen]
    assert labels == ["sending", "queued", "processing", "downloading 1/2", "downloading 2/2",
                      "done"]  # fmt: skip
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert fractions[3] >= 0.85  # downloading is near the end, not "8 %"


def test_local_variants_move_the_bar_through_processing() -> None:
    phase = job_phase(JobStatus("processing", 0.0), ("sending", 0.02))
    assert phase == ("processing", PHASE_STARTS["processing"])
    half = job_phase(JobProgress(message="variant 1 of 2 filled", fraction=0.5), phase)
    assert half is not None and PHASE_STARTS["processing"] < half[1] < 0.85
    assert half[0] == "processing 1/2"


def test_card_shows_phases_and_ends_full_on_a_long_estimate(
    fashn_window, sandbox, qtbot, ui
) -> None:  # type: ignore[no-untyped-def]
    win = fashn_window
    sandbox.set_delays(0.6)
    ui.open(win, ui.photo_file())
    ui.paint(win, 20, 70, 30, 110)
    c = win.controls
    c.prompt_edit.setPlainText("a blue glass vase")
    c.variants_spin.setValue(2)
    win.controls.expected_seconds = lambda: 70.0  # a long estimate must not hold the bar
    seen: list[tuple[str, int, str]] = []

    def on_phase(number: int, label: str, _fraction: float) -> None:
        card = win.results.card(number)
        seen.append((label, card.bar.value(), card.status_label.text()))

    win.runner.phase.connect(on_phase)
    qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(win.document.jobs), timeout=15_000)
    record = win.document.jobs[max(win.document.jobs)]
    # the card is added a turn after the job starts (one piece of UI work a turn)
    qtbot.waitUntil(lambda: win.results.card(record.number) is not None, timeout=5_000)
    card = win.results.card(record.number)
    qtbot.waitUntil(lambda: record.status == "completed", timeout=60_000)
    labels = [label for label, _, _ in seen]
    for wanted in ("sending", "queued", "processing", "downloading 1/2", "downloading 2/2"):
        assert wanted in labels, labels
    download = next(s for s in seen if s[0] == "downloading 2/2")
    assert download[1] >= 900 and download[2].startswith("downloading 2/2 · ")
    assert "of about" not in download[2]
    processing = next(s for s in seen if s[0] == "processing")
    assert processing[2].startswith("processing · ") and "of about 70 s" in processing[2]
    assert card.bar.value() == card.bar.maximum() and not card.bar.isHidden()
    assert card.status_label.text().startswith("done in ")
    qtbot.waitUntil(card.bar.isHidden, timeout=5_000)  # then it makes room


def test_the_bar_never_moves_backwards(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The estimate may move the bar within processing; a later variant's progress
    (a new, lower phase start) must not pull it back."""
    import time

    from PySide6.QtWidgets import QButtonGroup

    from editor.core.job_record import JobRecord
    from editor.ui.results import JobCardWidget

    record = JobRecord(number=1, backend="local", source=np.zeros((4, 4, 3), np.uint8),
                       expected_seconds=9.0)  # fmt: skip
    record.status = "processing"
    card = JobCardWidget(record, QButtonGroup())
    qtbot.addWidget(card)
    card.set_phase("processing", PHASE_STARTS["processing"])
    record.started = time.monotonic() - 30  # far past the estimate: the creep is at its cap
    card.refresh()
    crept = card.bar.value()
    assert 700 <= crept < 850
    card.set_phase("processing", 0.45)  # variant 1 of 3 filled
    assert card.bar.value() >= crept
    card.set_phase("downloading 1/1", 0.9)
    assert card.bar.value() == 900
