"""The mask-painting canvas: photo + mask overlay, brush / eraser / lasso, undo."""

from .tools import OVERLAY_MODES
from .view import CanvasView

__all__ = ["OVERLAY_MODES", "CanvasView"]
