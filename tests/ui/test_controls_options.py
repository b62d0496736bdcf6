"""An engine option declared once (core.options) shows up everywhere: the panel's row, the
request, the wire body, the job settings, the saved panel state and the CLI. FASHN's
``aspect_ratio`` is the demonstration: it was added as one OptionSpec."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox, QLabel

from editor.backends.fashn_wire import build_body
from editor.core.errors import ValidationError
from editor.core.prepare import prepare_upload
from editor.core.validation import validate_request
from editor.ui.controls import ControlsWidget
from editor.ui.controls_state import apply_controls_state, controls_state


@pytest.fixture
def controls(qtbot) -> ControlsWidget:  # type: ignore[no-untyped-def]
    widget = ControlsWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _pick(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    assert index >= 0, value
    box.setCurrentIndex(index)


def _row_labels(controls: ControlsWidget) -> list[str]:
    """The labels of the visible form rows, top to bottom."""
    out = []
    for row in range(controls.form.rowCount()):
        field = controls.form.itemAt(row, controls.form.ItemRole.FieldRole)
        label = controls.form.itemAt(row, controls.form.ItemRole.LabelRole)
        if field is not None and field.widget() is not None and field.widget().isVisible():
            text = label.widget().text() if label and isinstance(label.widget(), QLabel) else ""
            out.append(text)
    return out


def _photo() -> tuple[np.ndarray, np.ndarray]:
    image = np.full((60, 80, 3), 120, np.uint8)
    mask = np.zeros((60, 80), np.uint8)
    mask[20:40, 30:50] = 255
    return image, mask


def test_aspect_ratio_reaches_panel_request_settings_state_and_wire_body(
    controls: ControlsWidget, qtbot
) -> None:  # type: ignore[no-untyped-def]
    box = controls.option_widgets["aspect_ratio"]
    assert isinstance(box, QComboBox)
    _pick(controls.backend_box, "fashn")
    # its row, in the panel's order: after Mode, before Variants; the look of the others kept
    labels = _row_labels(controls)
    start = labels.index("Resolution")
    assert labels[start : start + 4] == ["Resolution", "Mode", "Aspect ratio", "Variants"]
    assert labels.index("Format") == labels.index("Seed") + 1
    assert box.currentData() == "auto" and box.currentText() == "auto (the photo's)"
    controls.prompt_edit.setPlainText("a red scarf")
    image, mask = _photo()
    # auto: not in the request's options, not on the wire
    request = controls.build_request(image, mask)
    assert "aspect_ratio" not in request.options
    prepared = prepare_upload(request, target="fashn", max_edge=2000)
    assert "aspect_ratio" not in json.loads(build_body(request, prepared, "current"))["inputs"]

    with qtbot.waitSignal(controls.changed):
        _pick(box, "16:9")
    request = controls.build_request(image, mask)
    assert request.options == {"aspect_ratio": "16:9"}
    # the 80x60 photo is 4:3: a 16:9 result would be stretched when pasted back
    with pytest.raises(ValidationError, match="stretched"):
        validate_request(request, "fashn")
    _pick(box, "4:3")
    request = controls.build_request(image, mask)
    validate_request(request, "fashn")
    inputs = json.loads(build_body(request, prepared, "current"))["inputs"]
    assert inputs["aspect_ratio"] == "4:3" and inputs["resolution"] == "1k"
    assert controls.settings()["aspect_ratio"] == "4:3"
    state = controls_state(controls)
    assert state["aspect_ratio"] == "4:3"

    # other engines and the legacy schema do not take it: hidden and not sent
    _pick(controls.schema_box, "legacy-inpaint")
    assert not box.isVisible()
    assert "aspect_ratio" not in controls.build_request(image, mask).options
    _pick(controls.schema_box, "current")
    for kind in ("openai", "local"):
        _pick(controls.backend_box, kind)
        assert not box.isVisible()
        assert "aspect_ratio" not in controls.build_request(image, mask).options
        assert "aspect_ratio" not in controls.settings()

    # the saved panel state brings it back (sessions, autosave)
    _pick(box, "auto")
    apply_controls_state(controls, state)
    assert controls.backend() == "fashn" and box.currentData() == "4:3" and box.isVisible()


def test_aspect_ratio_flag_reaches_the_sandbox_and_the_saved_settings(
    sandbox, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from editor.cli import main
    from editor.core.codec import encode_png

    image, mask = _photo()
    (tmp_path / "photo.png").write_bytes(encode_png(image))
    (tmp_path / "mask.png").write_bytes(encode_png(mask))
    monkeypatch.setenv("FASHN_API_KEY", sandbox.key)
    files = [str(tmp_path / name) for name in ("photo.png", "mask.png", "out")]
    base = ["edit", files[0], "--mask", files[1], "--prompt", "a hat",
            "--base-url", sandbox.url, "--out", files[2]]  # fmt: skip
    # another shape than the photo's would come back stretched: refused before sending
    assert main([*base, "--backend", "fashn", "--aspect-ratio", "16:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert "stretched" in err and "\n" not in err and sandbox.stats.jobs_created == 0
    assert main([*base, "--backend", "fashn", "--aspect-ratio", "4:3"]) == 0
    (path,) = capsys.readouterr().out.split()
    (job,) = sandbox.jobs.values()
    assert job.inputs["aspect"] == "4:3"
    with Image.open(path) as im:
        assert '"aspect_ratio": "4:3"' in im.text["settings"]
    # a value the table does not list is a usage error before anything is sent
    assert main([*base, "--backend", "fashn", "--aspect-ratio", "7:3"]) == 2
    assert "--aspect-ratio" in capsys.readouterr().err
    # an engine that does not take it says so in one line, nothing charged
    monkeypatch.setenv("OPENAI_API_KEY", sandbox.key)
    assert main([*base, "--backend", "openai", "--aspect-ratio", "1:1"]) != 0
    err = capsys.readouterr().err.strip()
    assert "aspect ratio is not an option" in err and "\n" not in err
    assert sandbox.stats.jobs_created == 1


def test_number_and_on_off_options_get_their_widgets_and_flags(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The table's other kinds: a whole number in a range, and on/off."""
    import argparse
    from types import MappingProxyType

    from PySide6.QtWidgets import QCheckBox, QSpinBox

    from editor.cli import parser as cli_parser
    from editor.core.options import OptionSpec
    from editor.ui.controls_state import option_value, option_widget, set_option_value

    engines = MappingProxyType({"fashn": ("current",)})
    steps = OptionSpec(name="steps", label="Steps", noun="number of steps", kind="int",
                       default=20, low=1, high=50, engines=engines, wire=engines,
                       cli_flag="--steps")  # fmt: skip
    sharp = OptionSpec(name="sharpen", label="Sharpen the result", noun="sharpening",
                       kind="bool", default=False, engines=engines, wire=engines,
                       cli_flag="--sharpen")  # fmt: skip
    spin, check = option_widget(steps), option_widget(sharp)
    qtbot.addWidget(spin)
    qtbot.addWidget(check)
    assert isinstance(spin, QSpinBox) and (spin.minimum(), spin.maximum()) == (1, 50)
    assert isinstance(check, QCheckBox) and check.text() == "Sharpen the result"
    assert option_value(spin) == 20 and option_value(check) is False
    assert set_option_value(spin, 99) and option_value(spin) == 50  # clamped
    assert not set_option_value(spin, True) and not set_option_value(check, "yes")
    assert set_option_value(check, True) and option_value(check) is True

    monkeypatch.setattr(cli_parser, "OPTIONS", (steps, sharp))
    p = argparse.ArgumentParser(exit_on_error=False)
    cli_parser.add_option_flags(p)
    args = p.parse_args(["--steps", "30", "--sharpen"])
    assert cli_parser.option_values(args) == {"steps": 30, "sharpen": True}
    assert cli_parser.option_values(p.parse_args([])) == {"steps": 20, "sharpen": False}
    with pytest.raises(argparse.ArgumentError):
        p.parse_args(["--steps", "51"])
