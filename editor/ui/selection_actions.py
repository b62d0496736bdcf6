"""The selection tools' actions (window controller ``selection``: ui/window/selection.py):
the fields of their ``ActionSpec`` entries, merged into ``actions.SPECS`` (kept here so
actions.py stays under the module size limit). Shift adds, Alt subtracts."""

from __future__ import annotations

from typing import Any

SELECTION_ACTIONS: dict[str, dict[str, Any]] = {
    "wand": {
        "text": "Magic &wand",
        "keys": ["W"],
        "handler": "selection.tool_wand",
        "tip": "Click selects similar colour",
        "when": "image",
        "icon": "wand",
        "checkable": True,
        "menu": "&Tools",
    },
    "object_box": {
        "text": "&Object from a box",
        "keys": ["G"],
        "handler": "selection.tool_box",
        "tip": "Drag a box around an object",
        "when": "image",
        "icon": "object-box",
        "checkable": True,
        "menu": "&Tools",
    },
    "colour_range": {
        "text": "Colour &range…",
        "keys": ["Shift+W"],
        "handler": "selection.colour_range_dialog",
        "tip": "Select a colour everywhere, with a live preview",
        "when": "image",
        "menu": "&Tools",
    },
    "mask_from_difference": {
        "text": "&Mask from the variant's changes outside the mask",
        "keys": ["Ctrl+Shift+D"],
        "handler": "selection.mask_from_difference",
        "tip": "The selected variant's leak (its changes outside the mask) becomes the mask",
        "when": "variant",
        "menu": "&Job",
    },
}
