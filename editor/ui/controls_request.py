"""The controls' values as the next job: its recorded settings and its EditRequest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from editor.core.options import OPTIONS, is_field, split_values
from editor.core.request import SEED_MAX, EditRequest, OpenAIOptions
from editor.ui.controls_state import option_value

if TYPE_CHECKING:
    from editor.ui.controls import ControlsWidget


def job_settings(controls: ControlsWidget) -> dict[str, object]:
    """The visible settings of the next job (recorded with its results; no secrets)."""
    visible = controls.visible_controls()
    out: dict[str, object] = {"backend": controls.backend()}
    if "schema" in visible:
        out["schema"] = controls.schema()
    for spec in OPTIONS:  # resolution, mode, format, ...: the options table (core.options)
        if spec.saved and spec.row in visible:
            out[spec.name] = option_value(controls.option_widgets[spec.name])
    out["num_images"] = controls.num_images()
    if "seed" in visible:
        out["seed"] = controls.seed_spin.value()
    if "model" in visible:
        out["model"] = controls.model_box.currentText()
        out["quality"] = controls.quality_box.currentData()
        out["background"] = controls.background_box.currentData()
    if "focus" in visible:
        out["focus"] = controls.focus_check.isChecked()
        out["composite"] = controls.composite_check.isChecked()
    if controls.reference() is not None and "reference" in visible:
        out["image_context"] = "yes"
    return out


def build_request(
    controls: ControlsWidget, image: np.ndarray, mask: np.ndarray | None
) -> EditRequest:
    """An EditRequest from the current image, a snapshot of the mask, and these settings."""
    visible = controls.visible_controls()
    fidelity = str(controls.fidelity_box.currentData())
    stream = "stream" in visible and controls.stream_check.isChecked()
    # the table's options: fields of EditRequest always, the others only when shown
    values = {
        spec.name: option_value(controls.option_widgets[spec.name])
        for spec in OPTIONS
        if spec.row in visible or is_field(spec, EditRequest)
    }
    option_kwargs, option_extra = split_values(values, EditRequest)
    request = EditRequest(
        image=image,
        mask=mask,
        prompt=controls.prompt() if "prompt" in visible else "",
        image_context=controls.reference() if "reference" in visible else None,
        num_images=controls.num_images(),
        seed=min(controls.seed_spin.value(), SEED_MAX),
        schema=controls.schema(),  # type: ignore[arg-type]
        composite=controls.composite_check.isChecked() if "composite" in visible else None,
        focus="focus" in visible and controls.focus_check.isChecked(),
        openai=OpenAIOptions(
            model=controls.model_box.currentText() or "gpt-image-1",
            quality=str(controls.quality_box.currentData()),
            background=str(controls.background_box.currentData()),
            input_fidelity=None if fidelity == "default" else fidelity,
            stream=stream,
            partial_images=2 if stream else 0,
        ),
        **option_kwargs,
    )
    request.options.update(option_extra)
    return request
