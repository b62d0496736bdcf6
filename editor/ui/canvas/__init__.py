"""The mask-painting canvas: photo + mask overlay, brush / eraser / lasso, undo."""

from ._none_guard import protect_none

protect_none()  # before any painting: see _none_guard (PySide6 6.12 on Python 3.11)

from .tools import OVERLAY_MODES  # noqa: E402
from .view import CanvasView  # noqa: E402

__all__ = ["OVERLAY_MODES", "CanvasView"]
