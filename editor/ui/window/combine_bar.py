"""The combine mode's bar: which source the brush paints (chips), the feathered edge,
the starting source, export, use as source and done. Widgets only; the combine
controller (``combine.py``) does the work."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLabel,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

# one colour per source: the chip of the source the brush paints is filled with it
SOURCE_COLORS = ("#9e9e9e", "#42a5f5", "#66bb6a", "#ab47bc", "#ffa726", "#ef5350")
MAX_FEATHER = 400


def source_color(k: int) -> str:
    return SOURCE_COLORS[k % len(SOURCE_COLORS)]


class CombineBar(QToolBar):
    """Shown while combine mode is on (above the canvas)."""

    source_chosen = Signal(int)
    feather_changed = Signal(int)  # debounced
    start_chosen = Signal(int)
    export_clicked = Signal()
    use_clicked = Signal()
    done_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Combine variants", parent)
        self.setObjectName("combine-bar")
        self.setMovable(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        title = QLabel(" <b>Combine</b> · brush paints: ")
        title.setObjectName("combine-title")
        self.addWidget(title)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.idClicked.connect(self.source_chosen.emit)
        self.chips: list[QToolButton] = []
        self._chip_end = self.addSeparator()
        self.addWidget(QLabel(" Edge "))
        self.feather = QSpinBox()
        self.feather.setObjectName("combine-feather")
        self.feather.setRange(0, MAX_FEATHER)
        self.feather.setSuffix(" px")
        self.feather.setToolTip("Width of the feathered edge between sources (source pixels)")
        self.addWidget(self.feather)
        self._feather_timer = QTimer(self)
        self._feather_timer.setSingleShot(True)
        self._feather_timer.setInterval(350)
        self._feather_timer.timeout.connect(lambda: self.feather_changed.emit(self.feather.value()))
        self.feather.valueChanged.connect(lambda _v: self._feather_timer.start())
        self.addWidget(QLabel(" Fill all with "))
        self.start = QComboBox()
        self.start.setObjectName("combine-start")
        self.start.setToolTip("Start over: the whole photo from one source (one undo step)")
        self.start.activated.connect(self.start_chosen.emit)
        self.addWidget(self.start)
        self.addSeparator()
        for text, name, signal, tip in (
            ("Export…", "combine-export", self.export_clicked, "Save the composite as a PNG"),
            ("Use as source", "combine-use", self.use_clicked, "Continue editing the composite"),
            ("Done", "combine-done", self.done_clicked, "Leave combine mode (Esc or K)"),
        ):
            button = QToolButton()
            button.setText(text)
            button.setObjectName(name)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(signal.emit)
            self.addWidget(button)
        self.hide()

    def set_sources(self, names: list[str], feather: int) -> None:
        """One chip per source (key k in front), the start choices and the edge width."""
        for chip in self.chips:
            self.group.removeButton(chip)
            chip.deleteLater()
        self.chips = []
        for action in [a for a in self.actions() if a.property("chip")]:
            self.removeAction(action)
        for k, name in enumerate(names):
            chip = QToolButton()
            chip.setObjectName(f"combine-chip-{k}")
            chip.setCheckable(True)
            chip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            chip.setText(f"{k} {name}" if k < 10 else name)
            chip.setToolTip(f"Paint {name} (key {k})" if k < 10 else f"Paint {name}")
            self.group.addButton(chip, k)
            self.insertWidget(self._chip_end, chip).setProperty("chip", True)
            self.chips.append(chip)
        self.start.clear()
        self.start.addItems(names)
        self.feather.blockSignals(True)
        self.feather.setValue(feather)
        self.feather.blockSignals(False)

    def show_source(self, k: int) -> None:
        """Check and colour the chip of the source the brush paints."""
        for i, chip in enumerate(self.chips):
            chip.setChecked(i == k)
            chip.setStyleSheet(
                f"QToolButton {{ background: {source_color(i)}; color: black; font-weight: bold;"
                " border: 2px solid black; border-radius: 4px; padding: 2px 6px; }"
                if i == k
                else f"QToolButton {{ border: 2px solid {source_color(i)}; border-radius: 4px;"
                " padding: 2px 6px; }"
            )


class ModeKeys:
    """Keys that mean something else while a mode is on (0-4, Ctrl+Z, Esc...): ``on()``
    takes them from the window's other actions and gives them to the mode's; ``off()``
    gives them back."""

    def __init__(
        self, window: QWidget, bindings: list[tuple[list[str], Callable[[], object]]]
    ) -> None:
        self._window = window
        self._mine: list[tuple[QAction, list[QKeySequence]]] = []
        self._taken: list[tuple[QAction, list[QKeySequence]]] = []
        for keys, handler in bindings:
            action = QAction(window)
            action.triggered.connect(lambda _c=False, h=handler: h())
            window.addAction(action)
            self._mine.append((action, [QKeySequence(k) for k in keys]))

    def on(self) -> None:
        if self._taken:
            return
        names = {k.toString() for _a, keys in self._mine for k in keys}
        mine = {a for a, _k in self._mine}
        for action in self._window.findChildren(QAction):
            keys = action.shortcuts()
            kept = [k for k in keys if k.toString() not in names]
            if action not in mine and len(kept) != len(keys):
                self._taken.append((action, keys))
                action.setShortcuts(kept)
        for action, keys in self._mine:
            action.setShortcuts(keys)

    def off(self) -> None:
        for action, keys in self._taken:
            action.setShortcuts(keys)
        self._taken = []
        for action, _keys in self._mine:
            action.setShortcuts([])
