"""Colour range: a colour (clicked on the photo, or the magic wand's last colour), a
fuzziness slider with a live preview over the canvas (``colour_range_preview`` on a
downscaled copy), and OK applies it at full resolution in a worker thread as one undo
step (Shift / Alt are the mode box here: replace, add, subtract, intersect)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSlider,
)

from editor.core.selection import (
    COMBINE_MODES,
    Preview,
    Selection,
    colour_range,
    colour_range_preview,
    sample_colour,
)
from editor.ui.canvas.preview_layer import SelectionPreviewLayer

if TYPE_CHECKING:
    from editor.ui.window.selection import SelectionController

DEFAULT_FUZZINESS = 40
Colour = tuple[int, int, int]


class ColourRangeDialog(QDialog):
    """Non-modal: while it is open, a click on the photo picks the colour."""

    def __init__(self, owner: SelectionController, colour: Colour) -> None:
        super().__init__(owner.window)
        self.setObjectName("colour-range-dialog")
        self.setWindowTitle("Colour range")
        self.owner = owner
        self.colour = colour
        self.preview: Preview | None = None
        self.closed = False  # a Python flag: the Qt object may be deleted on close
        self.layer = SelectionPreviewLayer(owner.canvas)
        self.swatch = QLabel()
        self.swatch.setObjectName("colour-range-swatch")
        self.swatch.setMinimumSize(64, 20)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("colour-range-fuzziness")
        self.slider.setRange(0, 200)
        self.slider.setValue(DEFAULT_FUZZINESS)
        self.fuzz_label = QLabel()
        self.mode = QComboBox()
        self.mode.setObjectName("colour-range-mode")
        self.mode.addItems([m.capitalize() for m in COMBINE_MODES])
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel("Click on the photo to pick the colour."))
        form.addRow("Colour", self.swatch)
        form.addRow("Fuzziness", self.slider)
        form.addRow("", self.fuzz_label)
        form.addRow("Mode", self.mode)
        form.addRow(buttons)
        self.slider.valueChanged.connect(self.refresh)
        owner.canvas.installEventFilter(self)
        self.finished.connect(self._closed)
        self._show_colour()
        self.fuzz_label.setText(f"{self.slider.value()} (CIELAB distance)")
        image = owner.doc.image
        assert image is not None
        self._generation = owner.doc.generation
        owner.runner.in_thread(Preview.of, image, on_done=self._preview_ready,
                               on_error=owner.show_error)  # fmt: skip

    def _preview_ready(self, preview: Preview) -> None:
        if not self.closed and self.owner.doc.generation == self._generation:
            self.preview = preview
            self.refresh()

    def _show_colour(self) -> None:
        r, g, b = self.colour
        self.swatch.setStyleSheet(f"background: {QColor(r, g, b).name()}; border: 1px solid #444")
        self.swatch.setToolTip(f"RGB {r}, {g}, {b}")

    def refresh(self) -> None:
        """The live preview for the colour and slider (on the downscaled copy)."""
        self.fuzz_label.setText(f"{self.slider.value()} (CIELAB distance)")
        if self.preview is None:
            return
        values = colour_range_preview(self.preview, self.colour, float(self.slider.value()))
        h, w = self.preview.source_shape
        self.layer.set_values(values, (w, h))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        canvas = self.owner.canvas
        if obj is not canvas or event.type() != QEvent.Type.MouseButtonPress:
            return False
        e: QMouseEvent = event  # type: ignore[assignment]
        image = self.owner.doc.image
        if e.button() != Qt.MouseButton.LeftButton or image is None:
            return False
        src = canvas.map_to_source(e.position())
        h, w = image.shape[:2]
        if 0 <= src.x() < w and 0 <= src.y() < h:
            self.colour = sample_colour(image, src.x(), src.y(), radius=1)
            self._show_colour()
            self.refresh()
        return True  # picking the colour paints nothing

    def accept(self) -> None:
        colour, fuzz = self.colour, float(self.slider.value())
        mode = COMBINE_MODES[self.mode.currentIndex()]

        def compute(pixels: np.ndarray) -> Selection:
            return colour_range(pixels, colour, fuzz)

        super().accept()
        self.owner._run("Colour range", compute, mode)

    def _closed(self, _result: int) -> None:
        self.closed = True
        self.owner.canvas.removeEventFilter(self)
        self.layer.set_values(None, (0, 0))
        self.layer.deleteLater()


def open_colour_range(owner: SelectionController) -> ColourRangeDialog | None:
    """Open the dialog with the wand's last colour, or the colour at the photo's centre."""
    image = owner.doc.image
    if image is None:
        return None
    colour = owner.last_seed
    if colour is None:
        h, w = image.shape[:2]
        colour = sample_colour(image, w / 2, h / 2, radius=1)
    dialog = ColourRangeDialog(owner, colour)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    owner.colour_dialog = dialog
    return dialog
