"""Every QAction and shortcut of the main window, created in one place.

The window enables and disables them in its one ``_update_actions()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from editor.resources import icon

if TYPE_CHECKING:
    from editor.ui.window import MainWindow

Std = QKeySequence.StandardKey

# name: (text, shortcuts, window method, tooltip)
SPECS: dict[str, tuple[str, list[str | QKeySequence.StandardKey], str, str]] = {
    "open": ("&Open…", [Std.Open], "open_dialog", "Open a photo"),
    "open_session": ("Open &session…", ["Ctrl+Alt+O"], "open_session_dialog", "Open a session"),
    "save_session": (
        "Sa&ve session…",
        ["Ctrl+Shift+S"],
        "save_session_dialog",
        "Save photo, mask, prompt and results in one file",
    ),
    "paste": ("&Paste image", [Std.Paste], "paste_image", "Open the image on the clipboard"),
    "export_variant": ("&Export selected variant…", ["Ctrl+E"], "export_selected", ""),
    "export_all": ("Export &all variants…", ["Ctrl+Shift+E"], "export_all_variants", ""),
    "export_before_after": ("Export before/after…", [], "export_before_after", ""),
    "load_mask": ("&Load mask…", ["Ctrl+Shift+O"], "load_mask_dialog", ""),
    "save_mask": ("&Save mask…", [Std.Save], "save_mask_dialog", "Save the mask as a PNG"),
    "settings": ("Se&ttings…", ["Ctrl+,"], "open_settings", "Keys, base URLs, overlay"),
    "quit": ("&Quit", [Std.Quit], "close", ""),
    "brush": ("&Brush", ["B"], "tool_brush", "Paint the area to edit"),
    "eraser": ("&Eraser", ["E"], "tool_eraser", "Erase from the mask"),
    "swap": ("Swap brush/eraser", ["X"], "tool_swap", ""),
    "lasso": ("&Lasso", ["L"], "tool_lasso", "Lasso fills (Alt subtracts)"),
    "bigger": ("Bigger brush", ["]"], "brush_bigger", ""),
    "smaller": ("Smaller brush", ["["], "brush_smaller", ""),
    "harder": ("Harder brush", ["Shift+]", "}"], "brush_harder", ""),
    "softer": ("Softer brush", ["Shift+[", "{"], "brush_softer", ""),
    "pressure": ("Pen pressure sets size", [], "toggle_pressure", ""),
    "invert": ("&Invert mask", ["Ctrl+I"], "mask_invert", ""),
    "clear": ("&Clear mask", ["Ctrl+Shift+X"], "mask_clear", ""),
    "fill": ("&Fill all", ["Ctrl+Shift+A"], "mask_fill", ""),
    "grow": ("&Grow mask…", ["Ctrl+Shift+G"], "mask_grow", ""),
    "shrink": ("S&hrink mask…", ["Ctrl+Shift+H"], "mask_shrink", ""),
    "feather": ("Fea&ther mask…", ["Shift+F6"], "mask_feather", ""),
    "zoom_in": ("Zoom &in", ["Ctrl++", "Ctrl+="], "zoom_in", ""),
    "zoom_out": ("Zoom &out", ["Ctrl+-"], "zoom_out", ""),
    "zoom_fit": ("&Fit to window", ["Ctrl+0"], "zoom_fit", ""),
    "zoom_100": ("&Actual pixels (100%)", ["Ctrl+1"], "zoom_100", ""),
    "overlay_cycle": ("Cycle overlay (overlay/mask/hidden)", ["O", "\\"], "overlay_cycle", ""),
    "overlay_color": ("Overlay &colour…", [], "overlay_color_dialog", ""),
    "overlay_opacity": ("Overlay o&pacity…", [], "overlay_opacity_dialog", ""),
    "run": ("&Run", ["Ctrl+Return", "Ctrl+Enter"], "run_job", "Send the image, mask and settings"),
    "cancel": ("&Cancel all jobs", [], "cancel_all", "Stop waiting for every running job"),
    "compare": ("&Compare with original", ["C"], "compare_selected", ""),
    "use_source": ("&Use as new source", ["Ctrl+U"], "use_as_source", "Continue from the variant"),
    "source_back": ("&Previous source", ["Alt+Left"], "source_back", "Back to the earlier source"),
    "source_forward": ("&Next source", ["Alt+Right"], "source_forward", ""),
    "diagnostics": ("Copy &diagnostics", [], "copy_diagnostics", "Versions, settings, errors"),
    "shortcuts": ("&Keyboard shortcuts", [Std.HelpContents, "F1"], "show_shortcuts", ""),
}
CHECKABLE = {"brush", "eraser", "lasso", "pressure"}
# action name -> icon name in resources/icons (editor.resources.icon)
ICONS: dict[str, str] = {
    "open": "open",
    "paste": "open",
    "open_session": "open",
    "save_session": "export",
    "export_variant": "export",
    "export_all": "export",
    "export_before_after": "compare",
    "load_mask": "load-mask",
    "save_mask": "save-mask",
    "settings": "settings",
    "brush": "brush",
    "eraser": "eraser",
    "swap": "swap",
    "lasso": "lasso",
    "invert": "invert",
    "clear": "clear",
    "fill": "fill",
    "grow": "grow",
    "shrink": "shrink",
    "feather": "feather",
    "zoom_in": "zoom-in",
    "zoom_out": "zoom-out",
    "zoom_fit": "zoom-fit",
    "zoom_100": "zoom-100",
    "overlay_cycle": "overlay",
    "run": "run",
    "cancel": "cancel",
    "compare": "compare",
    "use_source": "use-as-source",
    "shortcuts": "help",
    "undo": "undo",
    "redo": "redo",
}


def _plain(text: str) -> str:
    """Menu text without the mnemonic ampersand and trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def set_tip(action: QAction, tip: str) -> None:
    """Tooltip ``tip`` followed by the action's first shortcut, e.g. ``Brush (B)``."""
    keys = action.shortcuts()
    if keys:
        tip = f"{tip} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
    action.setToolTip(tip)


class WindowActions:
    """Holds the window's actions as attributes (``actions.run``, ``actions.brush``...)."""

    def __init__(self, window: MainWindow) -> None:
        self.all: dict[str, QAction] = {}
        for name, (text, keys, method, tip) in SPECS.items():
            action = QAction(text, window)
            action.setShortcuts(_sequences(keys))
            if name in ICONS:
                action.setIcon(icon(ICONS[name]))
            set_tip(action, tip or _plain(text))
            if tip:
                action.setStatusTip(tip)
            action.setCheckable(name in CHECKABLE)
            handler: Callable[[], object] = getattr(window, method)
            action.triggered.connect(lambda _checked=False, h=handler: h())
            window.addAction(action)
            self.all[name] = action
            setattr(self, name, action)
        self.undo = self._history_action(window, "undo", QKeySequence.keyBindings(Std.Undo))
        self.redo = self._history_action(
            window, "redo", [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        )

    def _history_action(self, window: MainWindow, name: str, keys: list[QKeySequence]) -> QAction:
        """Undo/redo through the canvas (which ignores them in the middle of a stroke),
        labelled and enabled from the undo stack like QUndoStack.createUndoAction."""
        stack = window.canvas.undo_stack
        title = "&Undo" if name == "undo" else "&Redo"
        action = QAction(title, window)
        action.setShortcuts(keys)
        action.setIcon(icon(ICONS[name]))
        undo = name == "undo"

        # only the signals' arguments are used: the stack emits while it is destroyed
        def set_text(what: str) -> None:
            action.setText(f"{title} {what}" if what else title)
            set_tip(action, _plain(action.text()))

        set_text(stack.undoText() if undo else stack.redoText())
        action.setEnabled(stack.canUndo() if undo else stack.canRedo())
        (stack.undoTextChanged if undo else stack.redoTextChanged).connect(set_text)
        (stack.canUndoChanged if undo else stack.canRedoChanged).connect(action.setEnabled)
        run = window.canvas.undo if name == "undo" else window.canvas.redo
        action.triggered.connect(lambda _checked=False: run())
        window.addAction(action)
        self.all[name] = action
        return action

    def __getattr__(self, name: str) -> QAction:  # for type checkers; set in __init__
        raise AttributeError(name)

    def with_shortcuts(self) -> list[QAction]:
        return [a for a in self.all.values() if a.shortcuts()]


def _sequences(keys: list[str | QKeySequence.StandardKey]) -> list[QKeySequence]:
    """Key sequences in order, standard keys expanded, duplicates and empties dropped."""
    sequences: list[QKeySequence] = []
    for key in keys:
        if isinstance(key, QKeySequence.StandardKey):
            sequences.extend(QKeySequence.keyBindings(key))
        else:
            sequences.append(QKeySequence(key))
    unique: list[QKeySequence] = []
    for seq in sequences:
        if seq not in unique and not seq.isEmpty():
            unique.append(seq)
    return unique
