"""The controls panel: live estimate, visibility per backend/schema, the request it builds."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.credits import estimate_credits
from editor.ui.controls import ControlsWidget


@pytest.fixture
def controls(qtbot) -> ControlsWidget:  # type: ignore[no-untyped-def]
    widget = ControlsWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _pick(box, value: str) -> None:  # type: ignore[no-untyped-def]
    box.setCurrentIndex(box.findData(value))


def test_starts_on_local_without_a_key(controls: ControlsWidget) -> None:
    assert controls.backend() == "local"
    assert controls.estimate_label.text().startswith("0 credits")


def test_starts_on_fashn_when_its_key_is_configured(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FASHN_API_KEY", "fa-test-key-0123456789")
    widget = ControlsWidget()
    qtbot.addWidget(widget)
    assert widget.backend() == "fashn"
    from editor.ui import prefs

    prefs.set_value("backends/default", "local")  # an explicit choice wins
    assert prefs.default_backend() == "local"


def test_panel_is_as_wide_as_its_widest_row(controls: ControlsWidget, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Local shows few, narrow rows; switching to FASHN must not clip the wider ones."""
    controls.resize(controls.minimumSizeHint())
    controls.show()
    qtbot.waitExposed(controls)
    _pick(controls.backend_box, "fashn")
    controls.resize(controls.minimumSizeHint())
    qtbot.wait(50)
    viewport = controls.scroll.viewport()
    for widget in (controls.focus_check, controls.composite_check, controls.resolution_box):
        right = widget.mapTo(viewport, widget.rect().topRight()).x()
        assert right <= viewport.width(), widget


def test_estimate_follows_every_change(controls: ControlsWidget, qtbot) -> None:  # type: ignore[no-untyped-def]
    _pick(controls.backend_box, "fashn")
    assert controls.estimate_label.text() == "1 credit: auto (billed as fast) at 1k"
    _pick(controls.resolution_box, "2k")
    assert controls.estimate_label.text() == "4 credits: auto (billed as quality) at 2k"
    _pick(controls.mode_box, "balanced")
    assert controls.estimate_label.text() == "3 credits: balanced at 2k"
    with qtbot.waitSignal(controls.changed):
        controls.variants_spin.setValue(2)
    assert controls.estimate_label.text() == "6 credits: balanced at 2k, x2"
    _pick(controls.resolution_box, "4k")
    _pick(controls.mode_box, "quality")
    controls.variants_spin.setValue(4)
    assert controls.estimate_label.text().startswith("20 credits: quality at 4k, x4")
    assert "about 2.0 min" in controls.time_label.text()
    _pick(controls.schema_box, "legacy-inpaint")
    expected = estimate_credits(backend="fashn", schema="legacy-inpaint", num_images=1)
    assert controls.estimate_label.text() == expected.explanation
    assert controls.time_label.text() == "Expected time: about 12 s"


def test_visibility_per_backend_and_schema(controls: ControlsWidget) -> None:
    def shown(name: str) -> bool:
        return not controls._rows()[name].isHidden()

    _pick(controls.backend_box, "local")
    assert shown("seed") and shown("variants")
    assert not shown("prompt") and not shown("resolution") and not shown("model")
    _pick(controls.backend_box, "fashn")
    for name in ("prompt", "reference", "resolution", "mode", "variants", "seed", "schema"):
        assert shown(name), name
    assert not shown("model") and not shown("quality") and not shown("stream")
    assert controls.variants_spin.maximum() == 4
    _pick(controls.schema_box, "legacy-inpaint")
    assert shown("prompt") and shown("seed")
    assert not shown("resolution") and not shown("mode") and not shown("variants")
    assert not shown("reference")
    _pick(controls.backend_box, "openai")
    for name in ("prompt", "model", "quality", "background", "fidelity", "variants"):
        assert shown(name), name
    assert not shown("resolution") and not shown("seed") and not shown("schema")
    assert controls.variants_spin.maximum() == 10
    controls.model_box.setCurrentText("dall-e-2")
    assert not shown("fidelity")


def test_build_request_carries_the_visible_settings(controls: ControlsWidget) -> None:
    _pick(controls.backend_box, "fashn")
    controls.prompt_edit.setPlainText("a red scarf")
    _pick(controls.resolution_box, "2k")
    _pick(controls.mode_box, "fast")
    controls.variants_spin.setValue(3)
    controls.seed_spin.setValue(1234)
    _pick(controls.format_box, "jpeg")
    controls.focus_check.setChecked(True)
    reference = np.zeros((8, 8, 3), np.uint8)
    controls.set_reference(reference)
    image = np.zeros((10, 12, 3), np.uint8)
    mask = np.zeros((10, 12), np.uint8)
    req = controls.build_request(image, mask)
    assert (req.prompt, req.resolution, req.generation_mode) == ("a red scarf", "2k", "fast")
    assert (req.num_images, req.seed, req.output_format) == (3, 1234, "jpeg")
    assert req.focus and req.composite is True and req.schema == "current"
    assert req.image_context is reference and req.mask is mask
    settings = controls.settings()
    assert settings["seed"] == 1234 and settings["resolution"] == "2k"
    _pick(controls.backend_box, "local")
    req = controls.build_request(image, mask)
    assert req.prompt == "" and req.image_context is None and not req.focus


def test_seed_lock_and_randomise(controls: ControlsWidget) -> None:
    controls.seed_spin.setValue(7)
    controls.after_run()
    assert controls.seed_spin.value() == 7
    controls.seed_lock.setChecked(False)
    seen = set()
    for _ in range(5):
        controls.after_run()
        seen.add(controls.seed_spin.value())
    assert len(seen) > 1


def test_reference_thumbnail(controls: ControlsWidget) -> None:
    controls.set_reference(np.full((300, 200, 3), 200, np.uint8))
    pix = controls.reference_thumb.pixmap()
    assert not pix.isNull() and max(pix.width(), pix.height()) == 56
    controls.set_reference(None)
    assert controls.reference_thumb.text() == "none"
    assert not controls.reference_clear.isEnabled()
