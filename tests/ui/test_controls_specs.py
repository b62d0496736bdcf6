"""The preferences and the controls panel show each engine as its spec describes it."""

from __future__ import annotations

import pytest

from editor.backends.specs import SPECS
from editor.ui import prefs
from editor.ui.controls import ControlsWidget


def test_prefs_names_and_default_urls_are_the_specs() -> None:
    assert {k: s.display_name for k, s in SPECS.items()} == prefs.BACKEND_NAMES
    assert {k: s.default_url for k, s in SPECS.items() if s.remote} == prefs.DEFAULT_BASE_URLS
    for kind, spec in SPECS.items():
        assert prefs.base_url(kind) == spec.default_url  # nothing saved yet


@pytest.mark.parametrize("kind", list(SPECS))
def test_panel_shows_the_specs_controls(qtbot, kind: str) -> None:  # type: ignore[no-untyped-def]
    spec = SPECS[kind]
    panel = ControlsWidget()
    qtbot.addWidget(panel)
    panel.show()
    labels = [panel.backend_box.itemText(i) for i in range(panel.backend_box.count())]
    assert labels == [s.display_name for s in SPECS.values()]
    panel.backend_box.setCurrentIndex(panel.backend_box.findData(kind))
    for schema in spec.schemas:
        panel.schema_box.setCurrentIndex(panel.schema_box.findData(schema))
        for model in ("gpt-image-1", "dall-e-2"):
            panel.model_box.setCurrentText(model)
            expected = spec.controls_for(schema, model)
            rows = panel._rows()
            shown = {name for name, widget in rows.items() if panel.form.isRowVisible(widget)}
            assert shown == expected
            assert panel.variants_spin.maximum() == spec.max_images
