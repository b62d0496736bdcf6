"""The resolution advisor as an action (Job menu, tool bar, Ctrl+Alt+D): it applies the
line's suggestion, and says so when there is none."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QToolBar


def test_the_advisor_action_applies_the_suggestion(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    action = window.actions_.all["advisor_apply"]
    assert QKeySequence("Ctrl+Alt+D") in action.shortcuts()
    toolbar = window.findChild(QToolBar, "tools-toolbar")
    for name in ("colour_range", "mask_from_difference", "combine"):
        assert window.actions_.all[name] in toolbar.actions(), name
    rows = dict(window.actions_.shortcut_rows())
    assert QKeySequence("Ctrl+Alt+D") in rows["Keep full detail (resolution advisor)"]
    c = window.controls
    c.set_backend("fashn")
    c.resolution_box.setCurrentIndex(c.resolution_box.findData("1k"))
    c.focus_check.setChecked(False)
    ui.open(window, ui.photo_file("big.png", h=3000, w=4000))
    window.update_actions()
    action.trigger()  # no mask yet: nothing to suggest, said in one line
    assert "nothing to change" in window.message_label.text()
    ui.paint(window, 1000, 1200, 1000, 1200)  # 1k on the whole 12 MP photo: 0.09x
    row = window.advisor.row
    qtbot.waitUntil(lambda: row.isVisible() and row.suggestion() != "", timeout=10_000)
    href = row.suggestion()
    assert href == "advice:1k:1"  # Focus keeps the region's detail at the lowest cost
    action.trigger()
    assert c.resolution_box.currentData() == "1k" and c.focus_check.isChecked()
    assert "Resolution advisor applied" in window.message_label.text()
    qtbot.waitUntil(lambda: "full detail" in row.text(), timeout=10_000)
    assert row.suggestion() == ""
