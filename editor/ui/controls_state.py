"""Every value of the controls panel as plain data, and back (autosave, sessions).

The reference image is not part of it (it is an input the user picks again).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox

from editor.ui.controls import ControlsWidget

_COMBOS = {
    "backend": "backend_box",
    "schema": "schema_box",
    "resolution": "resolution_box",
    "generation_mode": "mode_box",
    "output_format": "format_box",
    "quality": "quality_box",
    "background": "background_box",
    "input_fidelity": "fidelity_box",
}
_SPINS = {"num_images": "variants_spin", "seed": "seed_spin"}
_CHECKS = {
    "seed_locked": "seed_lock",
    "focus": "focus_check",
    "composite": "composite_check",
    "stream": "stream_check",
}


def controls_state(controls: ControlsWidget) -> dict[str, Any]:
    """All settings of the panel (visible or not), without the prompt and reference."""
    state: dict[str, Any] = {}
    for name, attr in _COMBOS.items():
        box: QComboBox = getattr(controls, attr)
        state[name] = box.currentData()
    for name, attr in _SPINS.items():
        spin: QSpinBox = getattr(controls, attr)
        state[name] = spin.value()
    for name, attr in _CHECKS.items():
        check: QCheckBox = getattr(controls, attr)
        state[name] = check.isChecked()
    state["model"] = controls.model_box.currentText()
    return state


def apply_controls_state(controls: ControlsWidget, state: dict[str, Any]) -> None:
    """Set the panel from ``controls_state`` output; unknown or bad values are skipped."""
    if not isinstance(state, dict):
        return
    kind = state.get("backend")
    if isinstance(kind, str):
        controls.set_backend(kind)  # first: it decides which controls exist
    for name, attr in _COMBOS.items():
        box: QComboBox = getattr(controls, attr)
        index = box.findData(state.get(name))
        if name != "backend" and index >= 0:
            box.setCurrentIndex(index)
    model = state.get("model")
    if isinstance(model, str) and model:
        controls.model_box.setCurrentText(model[:200])
    for name, attr in _CHECKS.items():
        value = state.get(name)
        if isinstance(value, bool):
            getattr(controls, attr).setChecked(value)
    for name, attr in _SPINS.items():  # after the combos: the variants maximum depends on them
        value = state.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            spin: QSpinBox = getattr(controls, attr)
            spin.setValue(max(spin.minimum(), min(spin.maximum(), value)))
    controls.refresh_estimate()
