"""The results list: each job's status, then its variants side by side as thumbnails."""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.job_record import JobRecord
from editor.jobs import PHASE_STARTS, PROCESSING_END
from editor.ui.imaging import to_qimage

THUMB = 100
_OWN_SECONDS = re.compile(r"\s*\(\d+(?:\.\d+)?\s*s\)$")
INFO_WIDTH = 330  # the job's text column


def secondary_text_style(palette: QPalette) -> str:
    """A style sheet colour for secondary text (settings, hints) that stays readable:
    the text colour a quarter of the way toward the background (WCAG contrast above
    7:1 on the usual light and dark palettes), not palette(mid), which is light grey
    on light grey."""
    text = palette.color(QPalette.ColorRole.WindowText)
    back = palette.color(QPalette.ColorRole.Window)
    mix = QColor(
        round(text.red() * 0.75 + back.red() * 0.25),
        round(text.green() * 0.75 + back.green() * 0.25),
        round(text.blue() * 0.75 + back.blue() * 0.25),
    )
    return f"color: {mix.name()};"


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _pixmap(arr) -> QPixmap:  # type: ignore[no-untyped-def]
    return QPixmap.fromImage(to_qimage(arr, copy=True))


class JobCardWidget(QFrame):
    """One job: prompt, settings, status/elapsed/expected, variants, Cancel."""

    cancel_clicked = Signal(int)

    def __init__(self, record: JobRecord, group: QButtonGroup) -> None:
        super().__init__()
        self.record = record
        self._group = group
        self.setFrameShape(QFrame.Shape.StyledPanel)
        prompt = record.prompt.strip().replace("\n", " ") or "(no prompt: fill from around)"
        self.title = QLabel(f"<b>#{record.number}</b> {_elide(prompt, 80)}")
        self.title.setToolTip(record.prompt)
        self.summary = QLabel(record.summary())
        self.summary.setStyleSheet(secondary_text_style(self.palette()))
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setMaximumHeight(10)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting (the service may still finish and charge)")
        self.cancel_button.clicked.connect(lambda: self.cancel_clicked.emit(record.number))
        self.thumbs = QHBoxLayout()
        self.thumbs.setContentsMargins(0, 0, 0, 0)
        self.thumbs.addStretch(1)
        self.variant_buttons: list[QToolButton] = []
        self._partial_label: QLabel | None = None
        self.phase = ""  # sending, queued, processing, downloading n/N, done
        self.phase_fraction = 0.0  # where the bar is (0..1): the phase, not the clock
        self._phase_since = 0.0  # elapsed seconds when the phase began
        self._ending = False  # the bar is running to its end
        # text on the left, variants to its right: one card is one thumbnail high, so the
        # results strip stays short enough for a 1280 x 800 screen
        self.title.setWordWrap(True)
        self.summary.setWordWrap(True)
        info_box = QWidget()
        info_box.setFixedWidth(INFO_WIDTH)
        info = QVBoxLayout(info_box)
        info.setContentsMargins(0, 0, 0, 0)
        info.setSpacing(2)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignTop)
        info.addLayout(head)
        info.addWidget(self.summary)
        info.addWidget(self.status_label)
        info.addWidget(self.bar)
        info.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(info_box)
        layout.addLayout(self.thumbs, 1)
        self.bar.setVisible(record.running)
        self.refresh()

    def set_phase(self, phase: str, fraction: float) -> None:
        """The job moved to ``phase``; the bar jumps to ``fraction`` of its length."""
        self.phase, self.phase_fraction = phase, fraction
        self._phase_since = self.record.elapsed
        self.refresh()

    def _finish_bar(self) -> None:
        """The job is done: the bar reaches its end, then makes room."""
        if self._ending:
            return
        self._ending = True
        self.phase, self.phase_fraction = "done", 1.0
        self.bar.setRange(0, 1000)
        self.bar.setValue(1000)
        QTimer.singleShot(1500, self.bar, lambda: self.bar.setVisible(self.record.running))

    def _bar_value(self) -> float:
        """The phase's place; within processing the estimate may move it a little
        further, never past the phase's end."""
        r = self.record
        fraction = self.phase_fraction
        if self.phase.startswith("processing") and r.expected_seconds:
            start, end = PHASE_STARTS["processing"], PROCESSING_END
            share = min(0.9, (r.elapsed - self._phase_since) / r.expected_seconds)
            fraction = max(fraction, start + (end - start) * share)
        return fraction

    def refresh(self) -> None:
        """Show the record's current state."""
        r = self.record
        self.cancel_button.setVisible(r.running)
        if r.running:
            self.bar.setVisible(True)
            # the service's own "(12 s)" would be a second, different elapsed time
            state = self.phase or _OWN_SECONDS.sub("", r.status.replace("_", " "))
            text = f"{state} · {_fmt_seconds(r.elapsed)}"
            if r.expected_seconds and not state.startswith(("downloading", "done")):
                text += f" of about {_fmt_seconds(r.expected_seconds)}"
            if self.phase:  # never backwards: a new phase may start below the creep
                value = int(self._bar_value() * 1000)
                if self.bar.maximum() == 1000:
                    value = max(value, self.bar.value())
                self.bar.setRange(0, 1000)
                self.bar.setValue(value)
            else:
                self.bar.setRange(0, 0)
            self.status_label.setStyleSheet("")
        elif r.status == "completed" and not self.bar.isHidden():
            self._finish_bar()
        else:
            self.bar.setVisible(False)
        if r.running:
            pass  # the text is made above
        elif r.status == "completed":
            text = f"done in {_fmt_seconds(r.elapsed)} · {len(r.variants)} variant(s)"
            if r.credits_used is not None:
                unit = "credit" if r.credits_used == 1 else "credits"
                text += f" · {r.credits_used:g} {unit}"
            self.status_label.setStyleSheet("color: #2e7d32;")
        elif r.status == "cancelled":
            text = r.error
            self.status_label.setStyleSheet("color: #8d6e00;")
        else:
            text = r.error
            self.status_label.setStyleSheet("color: #c62828;")
        self.status_label.setText(text)
        self._sync_thumbs()

    def _sync_thumbs(self) -> None:
        r = self.record
        if r.partial is not None and not r.thumbs:
            if self._partial_label is None:
                self._partial_label = QLabel()
                self._partial_label.setToolTip("Partial image: still working")
                self.thumbs.insertWidget(0, self._partial_label)
            pix = _pixmap(r.partial).scaled(
                THUMB,
                THUMB,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._partial_label.setPixmap(pix)
        if r.thumbs and self._partial_label is not None:
            self._partial_label.deleteLater()
            self._partial_label = None
        while len(self.variant_buttons) < len(r.thumbs):
            i = len(self.variant_buttons)
            button = QToolButton()
            button.setCheckable(True)
            button.setIcon(QIcon(_pixmap(r.thumbs[i])))
            button.setIconSize(QSize(THUMB, THUMB))
            button.setToolTip(
                f"Variant {i + 1}: click to see it large on the canvas (again, 0 or Esc: "
                "the original); double-click to compare"
            )
            button.setProperty("variant", (r.number, i))
            self._group.addButton(button)
            self.thumbs.insertWidget(i, button)
            self.variant_buttons.append(button)


def _elide(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


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
        self._cards[record.number] = card
        self.empty_label.hide()
        self._list.insertWidget(0, card)
        self._timer.start()
        return card

    def set_phase(self, number: int, phase: str, fraction: float) -> None:
        card = self._cards.get(number)
        if card is not None:
            card.set_phase(phase, fraction)

    def update_job(self, number: int) -> None:
        card = self._cards.get(number)
        if card is None:
            return
        had = len(card.variant_buttons)
        card.refresh()
        if had == 0 and card.variant_buttons and self.selected() is None:
            card.variant_buttons[0].setChecked(True)
        for b in card.variant_buttons:
            b.installEventFilter(self)

    def clear(self) -> None:
        """Remove every job card (opening a session or restoring one)."""
        self._shown = None
        for card in self._cards.values():
            for button in card.variant_buttons:
                self._group.removeButton(button)
            self._list.removeWidget(card)
            card.deleteLater()
        self._cards.clear()
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

    def eventFilter(self, obj, event) -> bool:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.MouseButtonDblClick and isinstance(obj, QToolButton):
            obj.setChecked(True)
            self.compare_requested.emit()
            return True
        if (
            event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
            and isinstance(obj, QToolButton)
        ):
            self.original_requested.emit()
            return True
        return super().eventFilter(obj, event)

    def _tick(self) -> None:
        running = [c for c in self._cards.values() if c.record.running]
        for card in running:
            card.refresh()
        if not running:
            self._timer.stop()
