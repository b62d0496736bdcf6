"""Selection tools that need no model weights (magic wand, colour range, object from a
box, mask from a difference), built on OpenCV (``cv2``, the headless wheel).

Why OpenCV over scikit-image: it has every algorithm these tools need in one
maintained library (``floodFill`` with a fixed colour range, ``inRange``, ``grabCut``,
morphology, connected components, resampling), it works natively on 8-bit images
instead of converting them to float64 (8x the memory of a 100 MP photo), its loops are
vectorised C++ that release the interpreter lock (so a worker thread does not stall the
window), and it was already a dependency. scikit-image has flood fill but no GrabCut.

Every tool is Qt-free, pure in its inputs, and returns a ``Selection`` (values in a
box); ``apply_selection`` turns it into one ``MaskChange`` (rect, before, after) for the
caller's undo stack. Call them from a worker thread: on a 100 MP photo they take from
tenths of a second to a couple of seconds (see tests/benchmarks/bench_selection.py).
"""

from editor.core.selection.difference import difference_mask
from editor.core.selection.grabcut import ObjectProposal, object_from_box, refine_object
from editor.core.selection.region import (
    COMBINE_MODES,
    MaskChange,
    Preview,
    Selection,
    SelectionCancelled,
    SelectionError,
    apply_selection,
    combine_values,
    mode_for,
)
from editor.core.selection.wand import colour_range, colour_range_preview, magic_wand, sample_colour

__all__ = [
    "COMBINE_MODES",
    "MaskChange",
    "ObjectProposal",
    "Preview",
    "Selection",
    "SelectionCancelled",
    "SelectionError",
    "apply_selection",
    "colour_range",
    "colour_range_preview",
    "combine_values",
    "difference_mask",
    "magic_wand",
    "mode_for",
    "object_from_box",
    "refine_object",
    "sample_colour",
]
