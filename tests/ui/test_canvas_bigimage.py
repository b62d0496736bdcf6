"""The canvas at large photo sizes: what it holds and what runs off the UI thread.

The designs tested here (mask overlay drawn from the mask's own bytes, the photo shown
from the document's array, the display pyramid built in a worker, full-mask operations
and their undo worked out in a worker and applied with one swap) keep a 100-150 MP
photo within memory and the window live; the tests use small images.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from editor.ui.canvas import CanvasView


def address(image: QImage) -> int:
    return int(np.frombuffer(image.constBits(), np.uint8).ctypes.data)


@pytest.fixture
def canvas(qtbot) -> CanvasView:  # type: ignore[no-untyped-def]
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    return view


def test_overlay_draws_the_mask_bytes_themselves(canvas: CanvasView, qtbot) -> None:  # type: ignore[no-untyped-def]
    """No overlay buffer: the full-size overlay is an Indexed8 view of the live mask, so
    a mask change needs no overlay work at full size and a colour change no pixel work."""
    canvas.set_image(np.full((600, 900, 3), 90, np.uint8))
    mask = np.zeros((600, 900), np.uint8)
    mask[100:300, 200:500] = 255
    canvas.apply_mask(mask, "paint")
    level = canvas._overlay.levels[0]  # type: ignore[union-attr]
    live = canvas.mask()
    assert live is not None
    assert address(level.image) == live.ctypes.data
    canvas.set_overlay_opacity(1.0)
    canvas.set_view(1.0, QPointF(300, 200))
    on = canvas.map_from_source(QPointF(300, 200)).toPoint()
    for color in (QColor(0, 255, 0), QColor(0, 0, 255)):
        canvas.set_overlay_color(color)
        assert canvas.grab().toImage().pixelColor(on) == color
    assert address(canvas._overlay.levels[0].image) == live.ctypes.data  # type: ignore[union-attr]
