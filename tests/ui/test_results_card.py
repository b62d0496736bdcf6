"""Job cards stay cheap for the UI thread: the bar is painted with the next frame (never
at once), a thumbnail handles its own double-click and Escape, and results arriving do
not change the card's height."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.core.job_record import JobRecord
from editor.core.variant import Variant
from editor.ui.results import ResultsWidget
from editor.ui.results_card import set_bar


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def _results(qtbot) -> tuple[ResultsWidget, JobRecord]:  # type: ignore[no-untyped-def]
    results = ResultsWidget()
    qtbot.addWidget(results)
    results.resize(900, 300)
    results.show()
    qtbot.waitExposed(results)
    record = JobRecord(number=1, backend="FASHN", prompt="a vase", expected_seconds=20.0)
    results.add_job(record)
    QApplication.processEvents()
    return results, record


def test_the_bar_is_painted_with_the_next_frame_not_at_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    results, record = _results(qtbot)
    card = results.card(record.number)
    assert card is not None
    paints = _Paints()
    card.bar.installEventFilter(paints)
    QApplication.processEvents()
    paints.count = 0
    results.set_phase(record.number, "processing", 0.25)
    assert card.bar.value() == 250  # the value reads back at once
    assert paints.count == 0  # QProgressBar.setValue alone would have painted here
    qtbot.waitUntil(lambda: paints.count > 0, timeout=2_000)  # painted with the frame
    set_bar(card.bar, 1000, 250)  # nothing changes: nothing is set again
    set_bar(card.bar, 0, 0)
    assert (card.bar.minimum(), card.bar.maximum()) == (0, 0)


def test_a_thumbnail_handles_double_click_and_escape(qtbot) -> None:  # type: ignore[no-untyped-def]
    results, record = _results(qtbot)
    record.thumbs = [np.full((48, 64, 3), v, np.uint8) for v in (40, 200)]
    record.variants = [Variant.whole(np.zeros((2, 2, 3), np.uint8))] * 2
    record.end("completed")
    card = results.card(record.number)
    assert card is not None
    height = card.height()
    results.update_job(record.number)
    QApplication.processEvents()
    assert len(card.variant_buttons) == 2 and results.selected() == (1, 0)
    assert card.height() == height  # the row was a thumbnail high from the start
    compared: list[bool] = []
    originals: list[bool] = []
    results.compare_requested.connect(lambda: compared.append(True))
    results.original_requested.connect(lambda: originals.append(True))
    second = card.variant_buttons[1]
    QTest.mouseDClick(second, Qt.MouseButton.LeftButton)
    assert compared == [True] and results.selected() == (1, 1)
    QTest.keyClick(second, Qt.Key.Key_Escape)
    assert originals == [True]
    QTest.keyClick(second, Qt.Key.Key_Space)  # other keys keep the button's own meaning
    assert originals == [True]


def _thumbs_image(button) -> QImage:  # type: ignore[no-untyped-def]
    icon = button.icon()
    return icon.pixmap(icon.availableSizes()[0]).toImage()


def test_a_completed_jobs_thumbnails_arrive_one_a_turn_and_end_the_same(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A 4-variant job's buttons are made one a turn of the event loop (each turn short),
    and the card ends exactly as when all four were made at once."""
    results, record = _results(qtbot)
    rng = np.random.default_rng(3)
    record.thumbs = [rng.integers(0, 256, (48, 64, 3), np.uint8) for _ in range(4)]
    record.variants = [Variant.whole(np.zeros((2, 2, 3), np.uint8))] * 4
    record.end("completed")
    card = results.card(record.number)
    assert card is not None
    results.update_job(record.number)
    counts = [len(card.variant_buttons)]
    assert counts == [1] and results.selected() == (1, 0)  # the first one, selected
    for _ in range(50):
        if not card.thumbs_pending():
            break
        QApplication.processEvents()
        counts.append(len(card.variant_buttons))
    assert counts[-1] == 4 and len(counts) > 2, counts  # over several turns
    # what all four made at once gives (the same record, another card)
    other = ResultsWidget()
    qtbot.addWidget(other)
    twin = other.add_job(record)
    twin.finish_thumbs()
    assert not twin.thumbs_pending() and len(twin.variant_buttons) == 4
    for mine, theirs in zip(card.variant_buttons, twin.variant_buttons, strict=True):
        assert mine.property("variant") == theirs.property("variant")
        assert mine.toolTip() == theirs.toolTip() and mine.iconSize() == theirs.iconSize()
        assert _thumbs_image(mine) == _thumbs_image(theirs)
    assert [card.thumbs.indexOf(b) for b in card.variant_buttons] == [0, 1, 2, 3]
    assert results.selected() == (1, 0) and card.status_label.text().startswith("done")
    results.select(1, 3)
    assert results.selected() == (1, 3)


def test_selecting_a_thumbnail_still_waiting_makes_it_at_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    results, record = _results(qtbot)
    record.thumbs = [np.full((48, 64, 3), v, np.uint8) for v in (10, 90, 170)]
    record.variants = [Variant.whole(np.zeros((2, 2, 3), np.uint8))] * 3
    record.end("completed")
    results.update_job(record.number)
    card = results.card(record.number)
    assert card is not None and len(card.variant_buttons) == 1
    results.select(1, 2)  # e.g. a restored session's selection
    assert len(card.variant_buttons) == 3 and results.selected() == (1, 2)
    late = JobRecord(number=2, backend="FASHN", prompt="a cup", thumbs=list(record.thumbs))
    late.variants = list(record.variants)
    late.end("completed")
    results.add_job(late)
    results.update_job(2)
    waiting = results.card(2)
    assert waiting is not None and len(waiting.variant_buttons) == 1
    results.clear()  # a removed card makes no more buttons
    QApplication.processEvents()
    assert len(waiting.variant_buttons) == 1 and results.selected() is None


def test_a_phase_that_arrives_before_the_card_is_shown_by_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    results, _record = _results(qtbot)
    results.set_phase(5, "processing", 0.4)  # the card is made a turn after the start
    card = results.add_job(JobRecord(number=5, backend="FASHN", prompt="x"))
    assert card.phase == "processing" and card.bar.value() == 400
    assert card.status_label.text().startswith("processing")
