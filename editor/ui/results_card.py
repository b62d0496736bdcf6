"""One job in the results list: its prompt, settings, phase bar and variant thumbnails.

A card is refreshed on every event of its job (a phase, a status, a poll) and twice a
second while it runs, so nothing in ``refresh`` may cost the UI thread more than a
little: ``QProgressBar.setValue`` repaints the bar at once (a paint through the window's
backing store, ~3 ms) and ``setStyleSheet`` re-polishes the label even when the sheet
is the same, so the bar is set with its updates off (one ``update()`` then paints it
with the next frame) and a style is set only when it changes. The thumbnails are
``VariantButton``s, which handle their own double-click and Escape: an event filter in
Python would see every event of every thumbnail (paints, hovers), ~0.5 ms a thumbnail.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QMouseEvent, QPalette, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
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
BAR_STEPS = 1000  # the bar's range while a phase is known


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


_THUMB_HEIGHT: list[int] = []


def _thumb_height() -> int:
    """The height of a variant's thumbnail button (measured once)."""
    if not _THUMB_HEIGHT:
        button = QToolButton()
        button.setIconSize(QSize(THUMB, THUMB))
        _THUMB_HEIGHT.append(button.sizeHint().height())
    return _THUMB_HEIGHT[0]


def _elide(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def set_bar(bar: QProgressBar, maximum: int, value: int) -> None:
    """Set ``bar``'s range (0..``maximum``; 0 = busy) and value without the synchronous
    repaint ``setRange`` / ``setValue`` make: with its updates off they only store, and
    turning them on again posts one ``update()``. The value reads back at once."""
    if bar.minimum() == 0 and bar.maximum() == maximum and (maximum == 0 or bar.value() == value):
        return
    bar.setUpdatesEnabled(False)
    try:
        bar.setRange(0, maximum)
        if maximum:
            bar.setValue(value)
    finally:
        bar.setUpdatesEnabled(True)


class VariantButton(QToolButton):
    """A variant's thumbnail: checkable; a double-click also asks to compare, Escape
    asks for the original (handled here, not by an event filter)."""

    double_clicked = Signal()
    escape_pressed = Signal()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.setChecked(True)
        self.double_clicked.emit()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class JobCardWidget(QFrame):
    """One job: prompt, settings, status/elapsed/expected, variants, Cancel."""

    cancel_clicked = Signal(int)
    compare_requested = Signal()  # a thumbnail was double-clicked (and is selected)
    original_requested = Signal()  # Escape on a thumbnail

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
        self._status_style = ""  # the status label's style sheet, set only when it changes
        self.bar = QProgressBar()
        self.bar.setMaximumHeight(10)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting (the service may still finish and charge)")
        self.cancel_button.clicked.connect(lambda: self.cancel_clicked.emit(record.number))
        self.thumbs = QHBoxLayout()
        self.thumbs.setContentsMargins(0, 0, 0, 0)
        self.thumbs.addStretch(1)
        # the row is a thumbnail high from the start: results arriving do not change the
        # card's height, so only the thumbnails are laid out and painted, not the list
        self.thumbs.addStrut(_thumb_height())
        self.variant_buttons: list[QToolButton] = []
        self._thumb_queued = False  # the next thumbnail's button waits for a turn
        self._retired = False  # removed from the list: make no more buttons
        self._partial_label: QLabel | None = None
        self._partial_shown: object = None  # the partial image the label shows
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
        set_bar(self.bar, BAR_STEPS, BAR_STEPS)
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

    def _set_status_style(self, style: str) -> None:
        if style != self._status_style:
            self._status_style = style
            self.status_label.setStyleSheet(style)

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
                value = int(self._bar_value() * BAR_STEPS)
                if self.bar.maximum() == BAR_STEPS:
                    value = max(value, self.bar.value())
                set_bar(self.bar, BAR_STEPS, value)
            else:
                set_bar(self.bar, 0, 0)
            self._set_status_style("")
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
            self._set_status_style("color: #2e7d32;")
        elif r.status == "cancelled":
            text = r.error
            self._set_status_style("color: #8d6e00;")
        else:
            text = r.error
            self._set_status_style("color: #c62828;")
        if text != self.status_label.text():
            self.status_label.setText(text)
        self._sync_thumbs()

    def _sync_thumbs(self) -> None:
        r = self.record
        if r.partial is not None and not r.thumbs and r.partial is not self._partial_shown:
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
            self._partial_shown = r.partial
        if r.thumbs and self._partial_label is not None:
            self._partial_label.deleteLater()
            self._partial_label = None
            self._partial_shown = None
        if self.thumbs_pending() and not self._thumb_queued:  # else the queued turn does
            self._add_thumb()

    def thumbs_pending(self) -> bool:
        """True while some of the record's thumbnails have no button yet."""
        return len(self.variant_buttons) < len(self.record.thumbs)

    def finish_thumbs(self) -> None:
        """Make every remaining thumbnail's button now (a caller selecting one)."""
        while self.thumbs_pending():
            self._add_thumb()

    def retire(self) -> None:
        """The card is being removed: no thumbnail waiting for a turn joins the group."""
        self._retired = True

    def _next_thumb(self) -> None:
        self._thumb_queued = False
        if self.thumbs_pending() and not self._retired:
            self._add_thumb()

    def _add_thumb(self) -> None:
        """The next variant's button. One a turn of the event loop: a button with its
        icon, its place in the row and its first paint cost the UI thread ~1-3 ms,
        four in one turn stalled the window for 8-15 ms as a job completed. The row
        keeps its height (a strut), so each arrival lays out and paints only the row."""
        r = self.record
        i = len(self.variant_buttons)
        button = VariantButton()
        button.setCheckable(True)
        button.setIcon(QIcon(_pixmap(r.thumbs[i])))
        button.setIconSize(QSize(THUMB, THUMB))
        button.setToolTip(
            f"Variant {i + 1}: click to see it large on the canvas (again, 0 or Esc: "
            "the original); double-click to compare"
        )
        button.setProperty("variant", (r.number, i))
        button.double_clicked.connect(self.compare_requested)
        button.escape_pressed.connect(self.original_requested)
        self._group.addButton(button)
        self.thumbs.insertWidget(i, button)
        self.variant_buttons.append(button)
        if self.thumbs_pending() and not self._thumb_queued:
            self._thumb_queued = True
            QTimer.singleShot(0, self, self._next_thumb)
