"""The results list: each job's status, then its variants side by side as thumbnails."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.job_record import JobRecord
from editor.ui.results_card import THUMB, JobCardWidget, secondary_text_style

__all__ = ["THUMB", "JobCardWidget", "ResultsWidget", "secondary_text_style"]


class ResultsWidget(QWidget):
    """All jobs, newest first; one variant can be selected at a time."""

    selection_changed = Signal()
    compare_requested = Signal()
    cancel_requested = Signal(int)
    variant_clicked = Signal(int, int)  # job, variant: a thumbnail was clicked
    original_requested = Signal()  # Escape on a thumbnail

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cards: dict[int, JobCardWidget] = {}
        self._phases: dict[int, tuple[str, float]] = {}  # a job's phase before its card
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.buttonToggled.connect(lambda *_: self.selection_changed.emit())
        self._group.buttonClicked.connect(self._clicked)
        self._shown: QToolButton | None = None
        self.empty_label = QLabel(
            "Results appear here. Paint the area to change, describe the edit if the "
            "engine takes a prompt, and press Run."
        )
        self.empty_label.setStyleSheet(secondary_text_style(self.palette()))
        inner = QWidget()
        self._list = QVBoxLayout(inner)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.addWidget(self.empty_label)
        self._list.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(inner)
        self.buttons = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.buttons)
        layout.addWidget(self.scroll, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._tick)

    def add_action_button(self, button: QToolButton) -> None:
        """Buttons shown above the list (they reuse the window's actions)."""
        self.buttons.addWidget(button)

    def finish_buttons(self) -> None:
        self.buttons.addStretch(1)

    def add_job(self, record: JobRecord) -> JobCardWidget:
        card = JobCardWidget(record, self._group)
        card.cancel_clicked.connect(self.cancel_requested)
        card.compare_requested.connect(self.compare_requested)
        card.original_requested.connect(self.original_requested)
        self._cards[record.number] = card
        if (phase := self._phases.pop(record.number, None)) is not None:
            card.set_phase(*phase)  # it moved on before its card was made
        self.empty_label.hide()
        self._list.insertWidget(0, card)
        self._timer.start()
        return card

    def set_phase(self, number: int, phase: str, fraction: float) -> None:
        card = self._cards.get(number)
        if card is not None:
            card.set_phase(phase, fraction)
        else:  # the card is made on a later turn of the loop than the job's start
            self._phases[number] = (phase, fraction)

    def update_job(self, number: int) -> None:
        card = self._cards.get(number)
        if card is None:
            return
        had = len(card.variant_buttons)
        card.refresh()
        if had == 0 and card.variant_buttons and self.selected() is None:
            card.variant_buttons[0].setChecked(True)

    def clear(self) -> None:
        """Remove every job card (opening a session or restoring one)."""
        self._shown = None
        for card in self._cards.values():
            card.retire()
            for button in card.variant_buttons:
                self._group.removeButton(button)
            self._list.removeWidget(card)
            card.deleteLater()
        self._cards.clear()
        self._phases.clear()
        self.empty_label.show()
        self.selection_changed.emit()

    def card(self, number: int) -> JobCardWidget | None:
        return self._cards.get(number)

    def selected(self) -> tuple[int, int] | None:
        """(job number, variant index) of the selected thumbnail, or None."""
        button = self._group.checkedButton()
        if button is None:
            return None
        number, index = button.property("variant")
        return int(number), int(index)

    def select(self, number: int, index: int) -> None:
        card = self._cards.get(number)
        if card is not None and index >= len(card.variant_buttons):
            card.finish_thumbs()  # its button may still wait for a turn of the loop
        if card is not None and index < len(card.variant_buttons):
            card.variant_buttons[index].setChecked(True)

    def _clicked(self, button: QToolButton) -> None:
        number, index = button.property("variant")
        self.variant_clicked.emit(int(number), int(index))

    def mark_shown(self, variant: tuple[int, int] | None) -> None:
        """Frame the thumbnail of the variant shown on the canvas (None: the photo is)."""
        if self._shown is not None:
            self._shown.setStyleSheet("")
            self._shown = None
        card = self._cards.get(variant[0]) if variant is not None else None
        if variant is not None and card is not None and variant[1] >= len(card.variant_buttons):
            card.finish_thumbs()
        if variant is not None and card is not None and variant[1] < len(card.variant_buttons):
            self._shown = card.variant_buttons[variant[1]]
            self._shown.setStyleSheet(
                "QToolButton { border: 3px solid rgb(255, 152, 0); border-radius: 3px; }"
            )

    def shown(self) -> tuple[int, int] | None:
        """(job, variant) of the thumbnail framed as shown on the canvas, or None."""
        if self._shown is None:
            return None
        number, index = self._shown.property("variant")
        return int(number), int(index)

    def _tick(self) -> None:
        running = [c for c in self._cards.values() if c.record.running]
        for card in running:
            card.refresh()
        if not running:
            self._timer.stop()
