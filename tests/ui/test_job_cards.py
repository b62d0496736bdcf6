"""Job cards: elapsed time shown once, partial images of a streamed job."""

from __future__ import annotations

import numpy as np

from editor.ui import prefs


def test_service_elapsed_time_is_not_shown_twice(qtbot) -> None:  # type: ignore[no-untyped-def]
    import time

    from PySide6.QtWidgets import QButtonGroup

    from editor.core.job_record import JobRecord
    from editor.ui.results import JobCardWidget

    source = np.zeros((4, 4, 3), np.uint8)
    record = JobRecord(
        number=1, backend="fashn", prompt="scarf", source=source, expected_seconds=20.0
    )
    record.started = time.monotonic() - 3
    record.status = "processing (2 s)"
    card = JobCardWidget(record, QButtonGroup())
    qtbot.addWidget(card)
    assert card.status_label.text() == "processing · 3 s of about 20 s"
    record.status = "in_queue"
    card.refresh()
    assert card.status_label.text().startswith("in queue · 3 s")


def test_openai_stream_shows_partial_images_first(window, sandbox, qtbot, ui, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", sandbox.key)
    prefs.set_value("backends/openai/base_url", sandbox.url)
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("openai"))
    assert c.stream_check.isVisible()
    c.stream_check.setChecked(True)
    ui.open(window, ui.photo_file())
    ui.paint(window, 20, 80, 30, 120)
    c.prompt_edit.setPlainText("a brass lamp")
    seen: list[tuple[int, bool, int]] = []

    def on_progress(number: int, _message: str, _fraction: object, thumb: object) -> None:
        if thumb is None:
            return
        record = window.document.jobs[number]
        card = window.results.card(number)
        label = card._partial_label
        shown = label is not None and not label.pixmap().isNull()
        seen.append((number, shown, len(record.thumbs)))

    window.runner.progress.connect(on_progress)  # runs after the window's own slot
    window.run.run_job()
    record = ui.wait_job(window)
    assert record.status == "completed", record.error
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5_000)
    assert all(shown and thumbs == 0 for _n, shown, thumbs in seen), seen
    assert record.partial is not None and len(record.variants) == 1
    card = window.results.card(record.number)
    assert card._partial_label is None and len(card.variant_buttons) == 1


# -- found by hand: a wrong key is not "Ready"; Cancel goes grey when the job ends ----------
