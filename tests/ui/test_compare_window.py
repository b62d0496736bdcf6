"""The compare view opened from the window: Close button and Escape."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog


def test_compare_view_closes_with_its_button_and_with_escape(qtbot, qloop, ui) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.compare import CompareDialog

    photo = ui.photo()
    for how in ("button", "escape"):
        dialog = CompareDialog(photo, 255 - photo, None, "job #1, variant 1")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        button = dialog.close_button
        assert button.isVisible() and button.text() == "Close"
        assert dialog.rect().contains(button.geometry().center() + QPoint(0, 0))
        if how == "button":
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(dialog.view, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda d=dialog: not d.isVisible(), timeout=2_000)
        assert dialog.result() == QDialog.DialogCode.Rejected


# -- 5. the offline engine shows an expected time from the masked regions --------------------
