"""The controls' live estimate: credits and expected time for the current settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

if TYPE_CHECKING:
    from editor.ui.controls import ControlsWidget

# The offline fill works per masked region on a crop of at most ~0.6 MP: 1.5-3 s per
# region and variant measured on the development machine (the upper end is shown).
LOCAL_SECONDS_PER_REGION = 3.0
LOCAL_ESTIMATE = "0 credits: offline, free (runs on this computer)"
MODE_NOTE = "mode-note"
# seed 001: "omitted generation_mode is currently billed as 'fast' at 1k and as
# 'quality' at 2k or 4k"
AUTO_RULE = "Auto sends no mode; FASHN then bills it as quality at 2k and 4k (as fast at 1k)."


def refresh_estimate(controls: ControlsWidget) -> None:
    """Update the credit estimate and expected time for the current settings."""
    kind = controls.backend()
    res = str(controls.resolution_box.currentData())
    mode = str(controls.mode_box.currentData())
    n = controls.num_images()
    from editor.core.credits import estimate_credits

    try:
        est = estimate_credits(
            backend=kind, schema=controls.schema(), resolution=res, mode=mode, num_images=n
        )
        controls.estimate_label.setText(LOCAL_ESTIMATE if kind == "local" else est.explanation)
    except Exception as error:  # a bad combination is shown, not raised
        controls.estimate_label.setText(str(error))
    _show_mode_note(controls, kind, res, mode, n)
    seconds = expected_seconds(controls)
    if kind == "local":
        controls.time_label.setText(_local_time_text(controls, seconds, n))
    else:
        controls.time_label.setText(f"Expected time: about {_duration(seconds)}" if seconds else "")


def _local_time_text(controls: ControlsWidget, seconds: float | None, variants: int) -> str:
    regions = controls.mask_regions()
    if not regions or seconds is None:
        per = round(LOCAL_SECONDS_PER_REGION)
        return f"Expected time: about {per} s per painted region and variant"
    what = f"{regions} region{'s' if regions != 1 else ''} × {variants} variant"
    return f"Expected time: about {_duration(seconds)} ({what}{'s' if variants != 1 else ''})"


def expected_seconds(controls: ControlsWidget) -> float | None:
    """Typical time for these settings: FASHN's for its mode and resolution, the
    offline fill's from the masked regions (None when unknown)."""
    kind = controls.backend()
    if kind == "local":
        if not controls.mask_regions():
            return None
        return controls.mask_regions() * controls.num_images() * LOCAL_SECONDS_PER_REGION
    if kind != "fashn":
        return None
    from editor.core.credits import expected_seconds

    try:
        return expected_seconds(
            str(controls.resolution_box.currentData()),
            str(controls.mode_box.currentData()),
            schema=controls.schema(),
        )
    except Exception:
        return None


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} s"
    return f"{seconds / 60:.1f} min"


def cheaper_modes(resolution: str, num_images: int) -> list[tuple[str, int]]:
    """Explicit modes that cost less than "auto" at ``resolution``: (mode, credits),
    dearest first (empty at 1k, where auto is billed as fast, the cheapest)."""
    from editor.core.credits import estimate_credits

    def cost(mode: str) -> int:
        return estimate_credits(
            backend="fashn", resolution=resolution, mode=mode, num_images=num_images
        ).credits

    auto = cost("auto")
    cheaper = [(mode, cost(mode)) for mode in ("balanced", "fast")]
    return [(mode, credits) for mode, credits in cheaper if credits < auto]


def _mode_note(controls: ControlsWidget) -> QLabel:
    """The line under the estimate that explains "auto" and offers the cheaper modes
    (made on first use, in the controls' pinned footer)."""
    label = controls.footer.findChild(QLabel, MODE_NOTE)
    if label is None:
        label = QLabel(controls.footer)
        label.setObjectName(MODE_NOTE)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        label.setOpenExternalLinks(False)
        label.linkActivated.connect(lambda href: _use_mode(controls, href))
        layout = controls.footer.layout()
        layout.insertWidget(layout.indexOf(controls.estimate_label) + 1, label)
    return label


def _show_mode_note(controls: ControlsWidget, kind: str, res: str, mode: str, n: int) -> None:
    offers = []
    if kind == "fashn" and mode == "auto" and controls.schema() == "current":
        try:
            offers = cheaper_modes(res, n)
        except Exception:  # an unknown resolution: the estimate already says so
            offers = []
    label = controls.footer.findChild(QLabel, MODE_NOTE)
    if not offers:
        if label is not None:
            label.hide()
        return
    label = _mode_note(controls)
    links = " · ".join(
        # no-break spaces: "fast: 4 credits" never wraps inside itself
        f"<a href='mode:{m}'>{m}:\u00a0{c}\u00a0credit{'s' if c != 1 else ''}</a>"
        for m, c in offers
    )
    label.setText(f"{AUTO_RULE} Cheaper: {links}")
    label.setToolTip("Click a mode to choose it")
    label.show()


def _use_mode(controls: ControlsWidget, href: str) -> None:
    """A click on "balanced: 6 credits": choose that mode."""
    kind, _, mode = href.partition(":")
    index = controls.mode_box.findData(mode)
    if kind == "mode" and index >= 0:
        controls.mode_box.setCurrentIndex(index)
