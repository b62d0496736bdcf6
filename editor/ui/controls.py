"""The controls panel: backend, prompt, settings, live credit estimate, Run."""

from __future__ import annotations

import random

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.backends.specs import spec_for
from editor.core.options import OPTIONS
from editor.core.request import EditRequest
from editor.ui import prefs
from editor.ui.controls_state import option_widget
from editor.ui.imaging import thumbnail, to_qimage

OPENAI_MODELS = ("gpt-image-1", "dall-e-2")
OPENAI_QUALITY = ("auto", "high", "medium", "low", "standard")
OPENAI_BACKGROUND = ("auto", "opaque", "transparent")
OPENAI_FIDELITY = ("default", "low", "high")


def _combo(items: tuple[str, ...], labels: dict[str, str] | None = None) -> QComboBox:
    box = QComboBox()
    for item in items:
        box.addItem((labels or {}).get(item, item), item)
    return box


class ControlsWidget(QWidget):
    """Everything about the next job; emits ``changed`` on every edit of a setting."""

    changed = Signal()
    backend_changed = Signal(str)
    run_requested = Signal()
    done_editing = Signal()  # Escape: give the keyboard back to the canvas
    reference_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.width_floor = 0  # the narrowest the window lets the panel be (px)
        self._reference: np.ndarray | None = None
        self._mask_regions: int | None = None  # masked regions (local time estimate)
        self._recalling = False  # true while the remembered values of an engine are shown
        self.backend_box = _combo(tuple(prefs.BACKEND_NAMES), prefs.BACKEND_NAMES)
        self.readiness_label = QLabel("")
        self.readiness_label.setWordWrap(True)
        self.balance_label = QLabel("")
        self.schema_box = _combo(
            ("current", "legacy-inpaint"),
            {"current": "current (edit)", "legacy-inpaint": "legacy inpaint"},
        )
        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setPlaceholderText(
            "Describe the change inside the mask.\n(Ctrl+Enter\u00a0runs)"
        )
        self.prompt_edit.setToolTip("Ctrl+Enter runs; Esc returns the keyboard to the canvas")
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setFixedHeight(90)
        self.reference_thumb = QLabel("none")
        self.reference_thumb.setFixedSize(56, 56)
        self.reference_thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reference_thumb.setStyleSheet("border: 1px solid palette(mid);")
        self.reference_button = QPushButton("Choose…")
        self.reference_clear = QToolButton()
        self.reference_clear.setText("✕")
        self.reference_clear.setToolTip("Remove the reference image")
        # one widget per engine option of the table (core.options), by option name
        self.option_widgets: dict[str, QWidget] = {s.name: option_widget(s) for s in OPTIONS}
        self.resolution_box: QComboBox = self.option_widgets["resolution"]  # type: ignore[assignment]
        self.mode_box: QComboBox = self.option_widgets["generation_mode"]  # type: ignore[assignment]
        self.format_box: QComboBox = self.option_widgets["output_format"]  # type: ignore[assignment]
        self.variants_spin = QSpinBox()
        self.variants_spin.setRange(1, 4)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)  # QSpinBox is 32-bit signed
        self.seed_spin.setValue(42)
        self.seed_random = QToolButton()
        self.seed_random.setText("Random")
        self.seed_random.setToolTip("Pick a random seed")
        self.seed_lock = QCheckBox("lock")
        self.seed_lock.setChecked(True)
        self.seed_lock.setToolTip("Keep this seed; unlocked, every run picks a new one")
        self.focus_check = QCheckBox("Focus on mask (send only the masked area)")
        self.composite_check = QCheckBox("Keep pixels outside the mask")
        self.composite_check.setChecked(True)
        self.model_box = _combo(OPENAI_MODELS)
        self.model_box.setEditable(True)
        self.quality_box = _combo(OPENAI_QUALITY)
        self.background_box = _combo(OPENAI_BACKGROUND)
        self.fidelity_box = _combo(OPENAI_FIDELITY)
        self.stream_check = QCheckBox("Show partial images while it works")
        self.estimate_label = QLabel("")
        self.estimate_label.setObjectName("estimate")
        self.estimate_label.setStyleSheet("font-weight: bold;")
        self.time_label = QLabel("")
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Send the image, mask and settings (Ctrl+Enter)")
        self.run_button.setMinimumHeight(32)
        self._layout_widgets()
        self._connect()
        self.set_backend(prefs.default_backend())
        self._recall()

    def _layout_widgets(self) -> None:
        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Backend", self.backend_box)
        form.addRow("", self.readiness_label)
        ref_row = QHBoxLayout()
        ref_row.addWidget(self.reference_thumb)
        ref_row.addWidget(self.reference_button)
        ref_row.addWidget(self.reference_clear)
        ref_row.addStretch(1)
        self._ref_widget = QWidget()
        self._ref_widget.setLayout(ref_row)
        ref_row.setContentsMargins(0, 0, 0, 0)
        seed_row = QHBoxLayout()
        seed_row.setContentsMargins(0, 0, 0, 0)
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.seed_random)
        seed_row.addWidget(self.seed_lock)
        self._seed_widget = QWidget()
        self._seed_widget.setLayout(seed_row)
        self._row_list = self._ordered_rows()
        for _name, label, widget in self._row_list:
            form.addRow(label, widget)
        # The settings scroll; the estimate, expected time and Run stay pinned below them
        # so they are visible on any screen height.
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.addLayout(form)
        inner_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(inner)
        self.footer = QWidget()
        self.footer.setObjectName("controls-footer")
        footer = QVBoxLayout(self.footer)
        footer.setContentsMargins(9, 6, 9, 9)
        self.estimate_label.setWordWrap(True)
        self.time_label.setWordWrap(True)
        footer.addWidget(self.estimate_label)
        footer.addWidget(self.time_label)
        self._button_row = QHBoxLayout()
        self._button_row.setContentsMargins(0, 0, 0, 0)
        self._button_row.addWidget(self.run_button, 1)
        footer.addLayout(self._button_row)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.scroll, 1)
        outer.addWidget(self.footer)

    def _ordered_rows(self) -> list[tuple[str, str, QWidget]]:
        """(control name, label, widget) of every settings row, top to bottom: the fixed
        rows, and each engine option's row after the row its spec names."""
        rows: list[tuple[str, str, QWidget]] = [
            ("balance", "Balance", self.balance_label),
            ("schema", "Schema", self.schema_box),
            ("prompt", "Prompt", self.prompt_edit),
            ("reference", "Reference", self._ref_widget),
            ("variants", "Variants", self.variants_spin),
            ("seed", "Seed", self._seed_widget),
            ("model", "Model", self.model_box),
            ("quality", "Quality", self.quality_box),
            ("background", "Background", self.background_box),
            ("fidelity", "Input fidelity", self.fidelity_box),
            ("stream", "", self.stream_check),
            ("focus", "", self.focus_check),
            ("composite", "", self.composite_check),
        ]
        for spec in OPTIONS:
            names = [name for name, _, _ in rows]
            at = names.index(spec.after) + 1 if spec.after in names else names.index("stream")
            label = "" if spec.kind == "bool" else spec.label
            rows.insert(at, (spec.row, label, self.option_widgets[spec.name]))
        return rows

    def add_estimate_line(self, widget: QWidget) -> None:
        """Put ``widget`` right under the credit estimate (the resolution advisor)."""
        layout = self.footer.layout()
        layout.insertWidget(layout.indexOf(self.estimate_label) + 1, widget)

    def add_footer_button(self, button: QWidget) -> None:
        """Put ``button`` next to Run in the pinned footer (e.g. Cancel)."""
        self._button_row.addWidget(button)

    def _connect(self) -> None:
        self.backend_box.currentIndexChanged.connect(self._on_backend_changed)
        for widget in self.option_widgets.values():
            if isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self._on_changed)
            elif isinstance(widget, QSpinBox):
                widget.valueChanged.connect(self._on_changed)
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(self._on_changed)
        for box in (
            self.schema_box,
            self.quality_box,
            self.background_box,
            self.fidelity_box,
        ):
            box.currentIndexChanged.connect(self._on_changed)
        self.model_box.currentTextChanged.connect(self._on_changed)
        self.variants_spin.valueChanged.connect(self._on_changed)
        self.seed_spin.valueChanged.connect(self._on_changed)
        for check in (self.focus_check, self.composite_check, self.stream_check):
            check.toggled.connect(self._on_changed)
        self.prompt_edit.textChanged.connect(self.changed)
        self.seed_random.clicked.connect(self.randomise_seed)
        self.reference_button.clicked.connect(self.reference_requested)
        self.reference_clear.clicked.connect(lambda: self.set_reference(None))
        self.run_button.clicked.connect(self.run_requested)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.done_editing)

    # -- state --------------------------------------------------------------------
    def backend(self) -> str:
        return str(self.backend_box.currentData())

    def schema(self) -> str:
        return str(self.schema_box.currentData()) if self.backend() == "fashn" else "current"

    def prompt(self) -> str:
        return self.prompt_edit.toPlainText()

    def set_backend(self, kind: str) -> None:
        index = self.backend_box.findData(kind)
        if index >= 0:
            self.backend_box.setCurrentIndex(index)
        self._apply_visibility()
        self.refresh_estimate()

    def set_reference(self, image: np.ndarray | None) -> None:
        """Use ``image`` as image_context (None removes it)."""
        self._reference = image
        if image is None:
            self.reference_thumb.setPixmap(QPixmap())
            self.reference_thumb.setText("none")
        else:
            small = thumbnail(image, 56)
            self.reference_thumb.setPixmap(QPixmap.fromImage(to_qimage(small, copy=True)))
        self.reference_clear.setEnabled(image is not None)
        self.changed.emit()

    def reference(self) -> np.ndarray | None:
        return self._reference

    def randomise_seed(self) -> None:
        self.seed_spin.setValue(random.randint(0, self.seed_spin.maximum()))

    def after_run(self) -> None:
        """Called once a job is sent: an unlocked seed moves on to a new one."""
        if not self.seed_lock.isChecked():
            self.randomise_seed()

    def set_readiness(self, text: str, ok: bool) -> None:
        colour = "#2e7d32" if ok else "#c62828"
        self.readiness_label.setText(f"<span style='color:{colour}'>●</span> {text}")
        self._fit_width()  # e.g. "host unreachable" arrives after the first show

    def set_balance(self, text: str) -> None:
        self.balance_label.setText(text)
        self._fit_width()

    def showEvent(self, event: QShowEvent) -> None:
        """Fit again once shown: only a shown, polished panel knows its real sizes."""
        super().showEvent(event)
        self._fit_width()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_width()

    # -- visibility per backend and schema -----------------------------------------
    def visible_controls(self) -> set[str]:
        """Names of the settings the chosen backend and schema accept (from its spec)."""
        spec = spec_for(self.backend())
        return set(spec.controls_for(self.schema(), self.model_box.currentText()))

    def _rows(self) -> dict[str, QWidget]:
        return {name: widget for name, _, widget in self._row_list}

    def _apply_visibility(self) -> None:
        visible = self.visible_controls()
        for name, widget in self._rows().items():
            self.form.setRowVisible(widget, name in visible)
        self.variants_spin.setMaximum(spec_for(self.backend()).max_images)
        prompt_hint = {
            "legacy-inpaint": "Optional: what to paint inside the mask (empty = fill from around)",
        }.get(self.schema(), "Describe the change inside the mask.\n(Ctrl+Enter\u00a0runs)")
        self.prompt_edit.setPlaceholderText(prompt_hint)
        self._fit_width()

    def _fit_width(self) -> None:
        """The settings never scroll sideways, so the panel is as wide as its widest
        visible row (switching from Local to FASHN shows wider rows), with room for the
        vertical scroll bar whether or not it shows yet."""
        scroll = getattr(self, "scroll", None)
        inner = scroll.widget() if scroll is not None else None
        if scroll is None or inner is None:  # still being built
            return
        inner.layout().activate()  # rows shown or hidden just now count
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(inner.minimumSizeHint().width() + bar)
        # the panel's own minimum too: a minimum set on it (the window's floor) would
        # otherwise win over its layout, and the dock would keep clipping the wider rows
        own = self.layout()
        if own is not None:
            own.activate()
            self.setMinimumWidth(max(self.width_floor, own.minimumSize().width()))

    def _on_backend_changed(self) -> None:
        self.set_readiness("checking…", True)
        self.balance_label.setText("")
        self._recall()
        self.refresh_estimate()
        self.backend_changed.emit(self.backend())

    def _on_changed(self) -> None:
        self._apply_visibility()
        self.refresh_estimate()
        if not self._recalling:
            from editor.ui.controls_state import remember_settings

            remember_settings(self)
        self.changed.emit()

    def _recall(self) -> None:
        """Show the values last used with the chosen engine (kept across restarts);
        nothing is remembered meanwhile (a variants maximum clamping is not a choice)."""
        from editor.ui.controls_state import recall_settings

        self._recalling = True
        try:
            self._apply_visibility()  # first: it sets the engine's variants maximum
            recall_settings(self)
            self._apply_visibility()
        finally:
            self._recalling = False

    # -- estimate -----------------------------------------------------------------
    def num_images(self) -> int:
        visible = "variants" in self.visible_controls()
        return self.variants_spin.value() if visible else 1

    def mask_regions(self) -> int | None:
        """How many separate regions the mask has (None until counted)."""
        return self._mask_regions

    def set_mask_regions(self, count: int | None) -> None:
        """How many separate regions the mask has (the offline fill's time follows it)."""
        if count != self._mask_regions:
            self._mask_regions = count
            self.refresh_estimate()

    def refresh_estimate(self) -> None:
        """Update the credit estimate and expected time for the current settings."""
        from editor.ui.controls_estimate import refresh_estimate

        refresh_estimate(self)

    def expected_seconds(self) -> float | None:
        """Typical time for these settings (None when unknown)."""
        from editor.ui.controls_estimate import expected_seconds

        return expected_seconds(self)

    # -- the request --------------------------------------------------------------
    def settings(self) -> dict[str, object]:
        """The visible settings of the next job (recorded with its results; no secrets)."""
        from editor.ui.controls_request import job_settings

        return job_settings(self)

    def build_request(self, image: np.ndarray, mask: np.ndarray | None) -> EditRequest:
        """An EditRequest from the current image, a snapshot of the mask, and these settings."""
        from editor.ui.controls_request import build_request

        return build_request(self, image, mask)
