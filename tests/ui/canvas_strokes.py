"""A real brush stroke for UI tests: press, drag and release at source points."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication


def stroke(canvas, points: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
    """Send press, moves and release to ``canvas`` at the centres of source pixels."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    wps = [canvas.map_from_source(QPointF(x + 0.5, y + 0.5)) for x, y in points]
    steps = [(QEvent.Type.MouseButtonPress, wps[0], left, left)]
    steps += [(QEvent.Type.MouseMove, p, none, left) for p in wps[1:]]
    steps += [(QEvent.Type.MouseButtonRelease, wps[-1], left, none)]
    for kind, pos, button, buttons in steps:
        event = QMouseEvent(
            kind, pos, canvas.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(canvas, event)
