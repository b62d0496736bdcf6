"""Every value of the controls panel as plain data, and back (autosave, sessions); the
widgets of the engine options (core.options); the values remembered per engine across
restarts (preferences).

The reference image is not part of it (it is an input the user picks again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox, QWidget

from editor.core.options import OPTIONS, OptionSpec
from editor.ui import prefs

if TYPE_CHECKING:
    from editor.ui.controls import ControlsWidget

_COMBOS = {
    "backend": "backend_box",
    "schema": "schema_box",
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
# Besides the engine options marked ``remember``: kept per engine across restarts.
_REMEMBERED_SPINS = {"num_images": "variants_spin"}


# -- the widgets of the engine options ------------------------------------------------
def option_widget(spec: OptionSpec) -> QWidget:
    """The widget of an engine option (core.options): a list, a number or a checkbox."""
    widget: QWidget
    if spec.kind == "choice":
        box = QComboBox()
        for item in spec.choices:
            box.addItem(spec.choice_labels.get(item, item), item)
        widget = box
    elif spec.kind == "int":
        spin = QSpinBox()
        spin.setRange(spec.low, spec.high)
        widget = spin
    else:
        widget = QCheckBox(spec.label)
    set_option_value(widget, spec.default)
    if spec.tooltip:
        widget.setToolTip(spec.tooltip)
    return widget


def option_value(widget: QWidget) -> object:
    """The value an option's widget shows."""
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QSpinBox):
        return widget.value()
    assert isinstance(widget, QCheckBox)
    return widget.isChecked()


def set_option_value(widget: QWidget, value: object) -> bool:
    """Show ``value`` in an option's widget; False (nothing changed) when it does not fit."""
    if isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index >= 0:
            widget.setCurrentIndex(index)
        return index >= 0
    if isinstance(widget, QCheckBox):
        if not isinstance(value, bool):
            return False
        widget.setChecked(value)
        return True
    if isinstance(value, bool) or not isinstance(value, int) or not isinstance(widget, QSpinBox):
        return False
    widget.setValue(max(widget.minimum(), min(widget.maximum(), value)))
    return True


# -- the whole panel as data ----------------------------------------------------------
def controls_state(controls: ControlsWidget) -> dict[str, Any]:
    """All settings of the panel (visible or not), without the prompt and reference."""
    state: dict[str, Any] = {}
    for name, attr in _COMBOS.items():
        box: QComboBox = getattr(controls, attr)
        state[name] = box.currentData()
    for spec in OPTIONS:
        state[spec.name] = option_value(controls.option_widgets[spec.name])
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
    for spec in OPTIONS:
        if spec.name in state:
            set_option_value(controls.option_widgets[spec.name], state[spec.name])
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


# -- remembered per engine across restarts ----------------------------------------------
def _remembered(controls: ControlsWidget, kind: str) -> dict[str, QWidget]:
    """name -> widget of what is remembered for engine ``kind``: the options it accepts
    (any schema) marked ``remember``, and the number of variants."""
    widgets: dict[str, QWidget] = {
        spec.name: controls.option_widgets[spec.name]
        for spec in OPTIONS
        if spec.remember and spec.engines.get(kind)
    }
    widgets.update({name: getattr(controls, attr) for name, attr in _REMEMBERED_SPINS.items()})
    return widgets


def remember_settings(controls: ControlsWidget) -> None:
    """Keep the chosen engine's values in the preferences (only those that changed)."""
    kind = controls.backend()
    for name, widget in _remembered(controls, kind).items():
        key = prefs.controls_key(kind, name)
        value = option_value(widget)
        if _typed(widget, prefs.get_value(key)) != value:
            prefs.set_value(key, value)


def recall_settings(controls: ControlsWidget) -> None:
    """Show the values last used with the chosen engine (after a restart, or when
    switching back to it); values never stored or no longer valid are left as shown."""
    kind = controls.backend()
    for name, widget in _remembered(controls, kind).items():
        value = prefs.get_value(prefs.controls_key(kind, name))
        if value is not None:
            set_option_value(widget, _typed(widget, value))


def _typed(widget: QWidget, value: object) -> object:
    """A preference read back (an INI file keeps text) as the widget's type."""
    if isinstance(value, str):
        if isinstance(widget, QSpinBox):
            return int(value) if value.strip().isdigit() else None
        if isinstance(widget, QCheckBox):
            return {"true": True, "false": False}.get(value.lower())
    return value
