"""Small dialogs: a pixel amount for grow/shrink/feather, and the shortcut cheat sheet."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class AmountDialog(QDialog):
    """Asks for a number of pixels (grow, shrink, feather)."""

    def __init__(self, title: str, label: str, value: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.spin = QSpinBox()
        self.spin.setRange(1, 500)
        self.spin.setSuffix(" px")
        self.spin.setValue(value)
        form = QFormLayout(self)
        form.addRow(label, self.spin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def value(self) -> int:
        return self.spin.value()


class CheatSheetDialog(QDialog):
    """Every action that has a shortcut, in a table (F1)."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [
            (a.text().replace("&", "").rstrip("…."), ", ".join(s.toString() for s in a.shortcuts()))
            for a in actions
            if a.shortcuts()
        ]
        rows += [
            ("Pan the canvas", "Space + drag, middle drag"),
            ("Zoom", "Mouse wheel"),
            ("Lasso: subtract", "Alt + lasso"),
            ("Compare: flash the original", "Hold F"),
        ]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        for i, (name, keys) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            self.table.setItem(i, 1, QTableWidgetItem(keys))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 560)
