"""Issue 10 polish outside the canvas: the auto-mode estimate, the F1 sheet, compare's
side-by-side hint, readable job cards, the prompt hint, timed status messages."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QTextLayout, QTextOption
from PySide6.QtWidgets import QButtonGroup, QLabel

from editor.ui.controls import ControlsWidget


def _pick(box, value: str) -> None:  # type: ignore[no-untyped-def]
    box.setCurrentIndex(box.findData(value))


# -- 6. "auto" says why it costs what it costs, and offers the cheaper explicit modes --------


def test_auto_mode_explains_its_price_and_offers_cheaper_modes(qtbot) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.controls_estimate import MODE_NOTE

    controls = ControlsWidget()
    qtbot.addWidget(controls)
    controls.show()
    _pick(controls.backend_box, "fashn")
    _pick(controls.resolution_box, "2k")
    controls.variants_spin.setValue(2)
    assert controls.estimate_label.text() == "8 credits: auto (billed as quality) at 2k, x2"
    note = controls.footer.findChild(QLabel, MODE_NOTE)
    assert note is not None and note.isVisible()
    text = note.text().replace("\u00a0", " ")
    assert "quality at 2k and 4k" in text and "fast at 1k" in text  # the documented rule
    assert "balanced: 6 credits" in text and "fast: 4 credits" in text
    assert "href='mode:balanced'" in text
    # a click on the link (Qt sends linkActivated with its href) chooses that mode
    note.linkActivated.emit("mode:balanced")
    assert controls.mode_box.currentData() == "balanced"
    assert controls.estimate_label.text() == "6 credits: balanced at 2k, x2"
    assert not note.isVisible()  # an explicit mode needs no explanation
    # at 1k auto is billed as fast, the cheapest: nothing cheaper to offer
    _pick(controls.mode_box, "auto")
    assert note.isVisible()
    _pick(controls.resolution_box, "1k")
    assert not note.isVisible()
    _pick(controls.resolution_box, "4k")
    text = note.text().replace("\u00a0", " ")
    assert "balanced: 8 credits" in text and "fast: 6 credits" in text
    _pick(controls.backend_box, "local")
    assert not note.isVisible()


# -- 14. the F1 sheet: plain keys, a stable undo row, no clipped column, Escape closes -------


def test_only_keys_a_person_presses_are_listed() -> None:
    from editor.ui.dialogs import pressable_keys

    undo = [QKeySequence("Ctrl+Z"), QKeySequence(Qt.Key.Key_F14), QKeySequence(Qt.Key.Key_Undo)]
    assert pressable_keys(undo) == "Ctrl+Z"
    run = [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")]
    assert pressable_keys(run) == "Ctrl+Enter"
    assert pressable_keys([QKeySequence("F1"), QKeySequence(Qt.Key.Key_Help)]) == "F1"
    assert pressable_keys([QKeySequence(Qt.Key.Key_Copy)]) == ""


def test_shortcut_sheet_rows_keys_width_and_escape(window, ui, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    ui.paint(window, 10, 40, 10, 60)  # the undo action is now "Undo test paint"
    assert window.actions_.undo.text() != "&Undo"
    window.actions_.shortcuts.trigger()
    sheet = window.support.cheat_sheet
    qtbot.waitExposed(sheet)
    table = sheet.table
    rows = {table.item(i, 0).text(): table.item(i, 1).text() for i in range(table.rowCount())}
    assert rows["Undo"].split(", ")[0] == "Ctrl+Z"  # (Alt+Backspace is also a binding)
    assert not any(name.startswith("Undo ") for name in rows)
    assert rows["Run"] == "Ctrl+Enter"
    assert rows["Actual pixels (100%)"] == "Ctrl+1"
    assert rows["Brush size"] == "Shift+B"
    for keys in rows.values():
        assert "F14" not in keys and "Undo" not in keys
    # the keys column is as wide as its longest entry and both columns fit in the table
    table.resizeColumnsToContents()
    qtbot.wait(20)
    assert table.columnWidth(1) >= table.sizeHintForColumn(1)
    assert table.columnWidth(0) + table.columnWidth(1) <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not sheet.isVisible(), timeout=2_000)


# -- 14. compare side by side has no line to drag ---------------------------------------------


def test_side_by_side_does_not_ask_to_drag_a_line(qtbot, qloop, ui) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.compare import CompareDialog

    photo = ui.photo()
    dialog = CompareDialog(photo, 255 - photo, None, "job #1, variant 1")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert "Drag the line" in dialog.info.text()  # split mode has a line
    side = next(b for b in dialog.mode_group.buttons() if b.property("mode") == "side")
    qtbot.mouseClick(side, Qt.MouseButton.LeftButton)
    assert dialog.view.mode() == "side"
    assert "Drag the line" not in dialog.info.text()
    assert "left" in dialog.info.text() and "right" in dialog.info.text()


# -- 15. job-card details readable; the prompt hint keeps "(Ctrl+Enter runs)" whole ----------


def _luminance(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * c[..., 0] + 0.7152 * c[..., 1] + 0.0722 * c[..., 2]


def test_job_card_details_have_readable_contrast(qtbot) -> None:  # type: ignore[no-untyped-def]
    from editor.core.job_record import JobRecord
    from editor.ui.results import JobCardWidget

    record = JobRecord(
        number=1, backend="fashn", prompt="scarf", source=np.zeros((4, 4, 3), np.uint8)
    )
    record.started = time.monotonic()
    card = JobCardWidget(record, QButtonGroup())
    qtbot.addWidget(card)
    card.show()
    qtbot.waitExposed(card)
    assert card.summary.text()
    shot = card.summary.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = shot.width(), shot.height()
    arr = np.frombuffer(shot.constBits(), np.uint8).reshape(h, shot.bytesPerLine())[:, : w * 3]
    lum = _luminance(arr.reshape(h, w, 3))
    back = np.median(lum)
    text = lum.min() if back > 0.5 else lum.max()
    hi, lo = max(back, text), min(back, text)
    contrast = (hi + 0.05) / (lo + 0.05)
    assert contrast >= 4.5, contrast  # WCAG AA for normal text


def test_prompt_hint_keeps_ctrl_enter_runs_on_one_line(qtbot) -> None:  # type: ignore[no-untyped-def]
    controls = ControlsWidget()
    qtbot.addWidget(controls)
    hint = controls.prompt_edit.placeholderText()
    assert "Ctrl+Enter" in hint
    font = controls.prompt_edit.font()
    for width in (120, 160, 200, 260, 340):
        lines = []
        for paragraph in hint.split("\n"):
            layout = QTextLayout(paragraph, font)
            option = QTextOption()
            option.setWrapMode(QTextOption.WrapMode.WordWrap)
            layout.setTextOption(option)
            layout.beginLayout()
            while (line := layout.createLine()).isValid():
                line.setLineWidth(width)
                lines.append(paragraph[line.textStart() : line.textStart() + line.textLength()])
            layout.endLayout()
        joined = [line.strip() for line in lines]
        assert any("Ctrl+Enter" in line and "runs" in line for line in joined), (width, joined)


# -- 15. status messages go away once read; work under way stays --------------------------------


def test_status_messages_expire_but_ongoing_work_stays(window, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.window import support

    monkeypatch.setattr(support, "MESSAGE_SECONDS", 0.3)
    monkeypatch.setattr(support, "MESSAGE_SECONDS_PER_CHAR", 0.0)
    label = window.message_label
    window.show_info("Feather mask by 40 px.")
    assert label.text() == "Feather mask by 40 px."
    qtbot.waitUntil(lambda: label.text() == "", timeout=2_000)
    window.show_error("Could not write the file.")
    qtbot.wait(400)
    assert label.text() == "Could not write the file."  # errors stay twice as long
    qtbot.waitUntil(lambda: label.text() == "", timeout=2_000)
    assert label.styleSheet() == ""
    window.show_info("Grow mask by 8 px…")  # still working: stays until replaced
    qtbot.wait(800)
    assert label.text() == "Grow mask by 8 px…"
    # a message replaced before its time is up does not clear its successor early
    window.show_info("First.")
    qtbot.wait(200)
    window.show_info("Second.")
    qtbot.wait(200)
    assert label.text() == "Second."
    qtbot.waitUntil(lambda: label.text() == "", timeout=2_000)


@pytest.mark.parametrize(
    ("text", "error", "expected"),
    [
        ("Saved.", False, 8360),
        ("Saved.", True, 16720),
        ("Working…", False, None),
        ("", False, None),
    ],
)
def test_message_lifetime(text: str, error: bool, expected: int | None) -> None:
    from editor.ui.window.support import message_lifetime_ms

    assert message_lifetime_ms(text, error=error) == expected
