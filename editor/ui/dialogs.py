"""Small dialogs: grow/shrink/feather by N px (with a live preview), a typed brush size,
overlay colour presets, and the shortcut cheat sheet."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.ui.canvas.overlay import OVERLAY_PRESETS

# name -> (window title, verb on the button, what the number means)
AMOUNT_TEXTS: dict[str, tuple[str, str, str]] = {
    "grow": ("Grow mask", "Grow", "Move the mask's edge outward by"),
    "shrink": ("Shrink mask", "Shrink", "Move the mask's edge inward by"),
    "feather": ("Feather mask", "Feather", "Soften the mask's edge over"),
}
PREVIEW_DELAY_MS = 120  # a slider drag asks for one preview per pause, not per pixel


class MaskAmountDialog(QDialog):
    """Grow, shrink or feather the mask by N px: a verb on the button, and
    ``amount_changed`` (after a short pause) so the canvas can preview the result."""

    amount_changed = Signal(int)

    def __init__(self, name: str, value: int, maximum: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, verb, label = AMOUNT_TEXTS[name]
        self.name = name
        self.setWindowTitle(title)
        self.spin = QSpinBox()
        self.spin.setRange(1, max(1, maximum))
        self.spin.setSuffix(" px")
        self.spin.setValue(value)
        self.spin.setAccelerated(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, max(1, maximum))
        self.slider.setValue(value)
        self.slider.setMinimumWidth(220)
        self.preview_check = QCheckBox("Preview on the canvas")
        self.preview_check.setChecked(True)
        self.state_label = QLabel("")
        self.state_label.setMinimumWidth(120)
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        form.addRow(label, row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(verb)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.preview_check)
        bottom.addWidget(self.state_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(bottom)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(lambda: self.amount_changed.emit(self.value()))
        self.spin.valueChanged.connect(self._on_spin)
        self.slider.valueChanged.connect(self.spin.setValue)
        self.preview_check.toggled.connect(lambda _on: self._timer.start())
        self.spin.selectAll()

    def _on_spin(self, value: int) -> None:
        if self.slider.value() != value:
            self.slider.blockSignals(True)
            self.slider.setValue(value)
            self.slider.blockSignals(False)
        self._timer.start()

    def value(self) -> int:
        return self.spin.value()

    def previewing(self) -> bool:
        return self.preview_check.isChecked()

    def set_state(self, text: str) -> None:
        """A short note beside the preview switch (e.g. "Computing the preview…")."""
        self.state_label.setText(text)


class BrushSizeDialog(QDialog):
    """Type the brush diameter in image pixels."""

    def __init__(
        self, value: int, maximum: int, short_edge: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Brush size")
        self.spin = QSpinBox()
        self.spin.setRange(1, maximum)
        self.spin.setSuffix(" px")
        self.spin.setValue(value)
        form = QFormLayout(self)
        form.addRow("Brush diameter", self.spin)
        if short_edge:
            hint = QLabel(f"The photo's short edge is {short_edge} px.")
            hint.setEnabled(False)
            form.addRow("", hint)
        hint = QLabel("Or drag with Alt+right button (or Ctrl+Alt+left) on the canvas.")
        hint.setEnabled(False)
        form.addRow("", hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Set size")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.spin.selectAll()

    def value(self) -> int:
        return self.spin.value()


class OverlayColorDialog(QDialog):
    """Pick the mask overlay colour: a preset swatch, a custom colour, or automatic (a
    hue far from the photo's). ``choice()`` is a colour, or None for automatic."""

    def __init__(
        self, current: QColor | None, auto_color: QColor | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mask overlay colour")
        self._choice: QColor | None = None if current is None else QColor(current)
        self.swatches: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, (name, hex_color) in enumerate(OVERLAY_PRESETS):
            button = QPushButton()
            button.setFixedSize(44, 32)
            button.setToolTip(name)
            button.setAccessibleName(name)
            button.setStyleSheet(_swatch_style(QColor(hex_color)))
            button.clicked.connect(lambda _c=False, c=hex_color: self._pick(QColor(c)))
            grid.addWidget(button, i // 4, i % 4)
            self.swatches[hex_color] = button
        auto_text = "Automatic: far from the photo's colours"
        if auto_color is not None:
            auto_text += f" (now {auto_color.name()})"
        self.auto_button = QPushButton(auto_text)
        self.auto_button.clicked.connect(lambda: self._pick(None))
        self.custom_button = QPushButton("Custom colour…")
        self.custom_button.clicked.connect(self._custom)
        self.current_label = QLabel("")
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.auto_button)
        layout.addWidget(self.custom_button)
        layout.addWidget(self.current_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use colour")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show()

    def _pick(self, color: QColor | None) -> None:
        self._choice = color
        self._show()

    def _custom(self) -> None:
        from PySide6.QtWidgets import QColorDialog

        start = self._choice or QColor(OVERLAY_PRESETS[0][1])
        color = QColorDialog.getColor(start, self, "Mask overlay colour")
        if color.isValid():
            self._pick(color)

    def _show(self) -> None:
        if self._choice is None:
            self.current_label.setText("Chosen: automatic")
        else:
            self.current_label.setText(f"Chosen: {self._choice.name()}")

    def choice(self) -> QColor | None:
        return None if self._choice is None else QColor(self._choice)


def _swatch_style(color: QColor) -> str:
    return f"background: {color.name()}; border: 1px solid palette(dark); border-radius: 3px;"


_NAMED_KEYS = {
    Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backspace, Qt.Key.Key_Return,
    Qt.Key.Key_Enter, Qt.Key.Key_Insert, Qt.Key.Key_Delete, Qt.Key.Key_Home, Qt.Key.Key_End,
    Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
}  # fmt: skip


def _pressable(key: Qt.Key) -> bool:
    """A key on an ordinary keyboard: printable ASCII, F1-F12, the editing and arrow keys
    (not F13-F35 or the Undo / Copy / Help keys some platforms bind)."""
    if Qt.Key.Key_Space.value <= key.value <= Qt.Key.Key_AsciiTilde.value:
        return True
    return key in _NAMED_KEYS or Qt.Key.Key_F1.value <= key.value <= Qt.Key.Key_F12.value


def pressable_keys(sequences: list[QKeySequence]) -> str:
    """The shortcuts a person can press, as shown text ("Ctrl+Z"; Ctrl+Return is left out
    beside Ctrl+Enter, which reads the same to a person)."""
    combos = [
        seq
        for seq in sequences
        if seq.count() and all(_pressable(seq[i].key()) for i in range(seq.count()))
    ]
    texts = [seq.toString(QKeySequence.SequenceFormat.NativeText) for seq in combos]
    shown = [t for t in texts if not (t.endswith("Return") and t[:-6] + "Enter" in texts)]
    return ", ".join(dict.fromkeys(shown))


class CheatSheetDialog(QDialog):
    """Every shortcut in a table (F1): the action and the keys a person presses.
    Escape closes it."""

    def __init__(
        self, actions: list[tuple[str, list[QKeySequence]]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(name, pressable_keys(keys)) for name, keys in actions]
        rows = [
            *[(name, keys) for name, keys in rows if keys],
            ("Pan the canvas", "Space + drag, middle drag"),
            ("Zoom around the pointer", "Mouse wheel"),
            ("Brush size: drag", "Alt + right drag, Ctrl+Alt + drag"),
            ("Lasso: subtract", "Alt + lasso"),
            ("Compare: flash the original", "Hold F"),
            ("Close this list", "Esc"),
        ]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        for i, (name, keys) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            self.table.setItem(i, 1, QTableWidgetItem(keys))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Escape closes it wherever the focus is (the table would otherwise keep it)
        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        close.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        close.activated.connect(self.reject)
        self.resize(self._content_width(), 600)

    def _content_width(self) -> int:
        """Wide enough for both columns: the keys are never clipped."""
        self.table.resizeColumnsToContents()
        names = self.table.sizeHintForColumn(0)
        keys = self.table.sizeHintForColumn(1)
        frame = 2 * self.table.frameWidth() + self.table.verticalScrollBar().sizeHint().width()
        margins = self.layout().contentsMargins()
        return names + keys + frame + margins.left() + margins.right() + 24
