"""The resolution advisor's line under the credit estimate: how much of the source's
detail the masked region keeps with the current settings, and a link that applies the
cheapest settings keeping all of it ("Masked region: 0.31x of source detail at 1k ·
Focus at 2k keeps 1.0x (8 credits)").

``AdvisorRow`` only formats: it is given the mask's bounding box (the window computes
it off the UI thread; the advice itself is arithmetic on that box, microseconds) and
reads the engine, resolution, Focus and mode from the controls. It hides itself with
no mask, and for engines where the advice says nothing (the offline engine works on
the source's own pixels: always full detail).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel

from editor.core.advisor import FULL_DETAIL, DetailAdvice, DetailOption, advise_box

if TYPE_CHECKING:
    from editor.ui.controls import ControlsWidget
    from editor.ui.window.main import MainWindow

Box = tuple[int, int, int, int]
DEBOUNCE_MS = 150


def _fmt(detail: float) -> str:
    return "1.0x" if detail >= FULL_DETAIL else f"{detail:.2f}x"


def advice_text(advice: DetailAdvice) -> str:
    """The line as rich text: the current detail, then the suggestion as a link."""
    current, best = advice.current, advice.best
    tiered = len({o.resolution for o in advice.options}) > 1
    setting = current.label(tiered)
    where = f" with {setting}" if current.focus else f" at {setting}" if setting else ""
    head = f"Masked region: {_fmt(current.detail)} of source detail{where}"
    if current.full:
        return f"{head} · full detail"
    if best is None:
        top = max(advice.options, key=lambda o: (o.detail, -o.credits))
        if top.detail <= current.detail:
            return f"{head} · no setting gives more"
        return f"{head} · {_link(top, tiered, current, f'gives the most, {_fmt(top.detail)}')}"
    return f"{head} · {_link(best, tiered, current, 'keeps 1.0x')}"


def _link(option: DetailOption, tiered: bool, current: DetailOption, what: str) -> str:
    name = option.label(tiered and option.resolution != current.resolution)
    if not option.focus and current.focus:
        name = f"{name} without Focus".strip()
    cost = ""
    if option.credits:
        cost = f" ({option.credits}\u00a0credit{'s' if option.credits != 1 else ''})"
    href = f"advice:{option.resolution}:{int(option.focus)}"
    return f"<a href='{href}'>{name or 'these settings'} {what}{cost}</a>"


class AdvisorRow(QLabel):
    """The advisor's line; ``set_box`` gives it the mask's bounding box (or None)."""

    def __init__(self, controls: ControlsWidget) -> None:
        super().__init__(controls.footer)
        self.setObjectName("advisor")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setOpenExternalLinks(False)
        self.setToolTip(
            "Output pixels the service spends on the masked region per source pixel there"
        )
        self.linkActivated.connect(self.apply)
        self._controls = controls
        self._box: Box | None = None
        self._shape: tuple[int, int] | None = None
        self.advice: DetailAdvice | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        controls.changed.connect(self._timer.start)
        controls.backend_changed.connect(lambda _k: self._timer.start())
        self.hide()

    def set_box(self, box: Box | None, shape: tuple[int, int] | None) -> None:
        """The mask's bounding box (x0, y0, x1, y1) in a photo of ``shape`` (h, w)."""
        self._box, self._shape = box, shape
        self.refresh()

    def refresh(self) -> None:
        """Advice for the box and the controls' current settings (hidden without)."""
        c = self._controls
        engine = c.backend()
        self.advice = None
        if self._box is None or self._shape is None or engine not in ("fashn", "openai"):
            self.hide()
            return
        try:
            self.advice = advise_box(
                self._box,
                self._shape,
                engine=engine,
                resolution=str(c.resolution_box.currentData() or "1k"),
                focus=c.focus_check.isChecked(),
                mode=str(c.mode_box.currentData() or "auto"),
                num_images=c.num_images(),
                schema=c.schema(),
                model=c.model_box.currentText(),
            )
        except Exception:  # settings the estimate already calls wrong: say nothing here
            self.hide()
            return
        self.setText(advice_text(self.advice))
        self.show()

    def suggestion(self) -> str:
        """The link the line offers now ("advice:2k:1"), or "" when it offers none."""
        advice = self.advice
        if advice is None or not self.isVisible() or advice.current.full:
            return ""
        option = advice.best
        if option is None:
            option = max(advice.options, key=lambda o: (o.detail, -o.credits))
            if option.detail <= advice.current.detail:
                return ""
        return f"advice:{option.resolution}:{int(option.focus)}"

    def apply(self, href: str) -> None:
        """A click on the suggestion: choose its resolution and Focus."""
        kind, _, rest = href.partition(":")
        resolution, _, focus = rest.partition(":")
        if kind != "advice":
            return
        c = self._controls
        index = c.resolution_box.findData(resolution)
        if index >= 0:
            c.resolution_box.setCurrentIndex(index)
        c.focus_check.setChecked(focus == "1")
        self.refresh()


class MaskBoxWatcher:
    """Keeps ``row`` given the mask's bounding box: after mask edits settle (debounced)
    the box is found in a worker thread (a full scan of a 100 MP mask takes tens of ms,
    too long for the UI thread); the newest answer wins."""

    def __init__(self, window: MainWindow, row: AdvisorRow) -> None:
        self._window, self._row = window, row
        self.row = row
        self._seq = 0
        self.seconds = 0.0  # the last box's time from the edit to the row (benchmarks)
        self._timer = QTimer(window)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.measure)
        window.canvas.mask_edited.connect(lambda _r: self._timer.start())
        window.canvas.image_changed.connect(self._timer.start)

    def apply_suggestion(self) -> None:
        """Take the line's suggestion (the action's handler)."""
        apply_suggestion(self._row, self._window.show_info)

    def measure(self) -> None:
        import time

        from editor.core.mask import bounding_box

        mask = self._window.document.mask
        if mask is None:
            self._row.set_box(None, None)
            return
        self._seq += 1
        seq, shape, start = self._seq, (mask.shape[0], mask.shape[1]), time.perf_counter()

        def found(box: Box | None) -> None:
            if seq == self._seq:
                self._row.set_box(box, shape)
                self.seconds = time.perf_counter() - start

        self._window.runner.in_thread(bounding_box, mask, on_done=found)


def apply_suggestion(row: AdvisorRow, say: Callable[[str], None]) -> None:
    """The advisor's suggestion applied from its action (Job menu, tool bar, Ctrl+Alt+D)."""
    href = row.suggestion()
    if not href:
        say("The resolution advisor has nothing to change: paint a mask and choose FASHN or "
            "OpenAI, or the settings already keep the most detail.")  # fmt: skip
        return
    row.apply(href)
    say(f"Resolution advisor applied: {row.text().split(' · ')[0]}.")


def install_advisor(window: MainWindow) -> MaskBoxWatcher:
    """The advisor's line under the estimate, fed with the mask's box."""
    row = AdvisorRow(window.controls)
    window.controls.add_estimate_line(row)
    return MaskBoxWatcher(window, row)
