"""The controls' live estimate: credits and expected time for the current settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from editor.ui.controls import ControlsWidget

# The offline fill works per masked region on a crop of at most ~0.6 MP: 1.5-3 s per
# region and variant measured on the development machine (the upper end is shown).
LOCAL_SECONDS_PER_REGION = 3.0
LOCAL_ESTIMATE = "0 credits: offline, free (runs on this computer)"


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
