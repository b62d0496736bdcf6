"""Every QAction and shortcut of the main window, created in one place from the specs in
``ui/action_specs.py``.

``WindowActions.update(state)`` enables and checks them all from the specs, in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from editor.resources import icon
from editor.ui.action_specs import (
    HISTORY_ICONS,
    ICONS,
    SPECS,
    TOOL_OF,
    ActionSpec,
    Std,
    When,
    WindowState,
)

if TYPE_CHECKING:
    from editor.ui.window import MainWindow

__all__ = [
    "HISTORY_ICONS",
    "ICONS",
    "SPECS",
    "TOOL_OF",
    "ActionSpec",
    "Std",
    "When",
    "WindowActions",
    "WindowState",
]


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
        for name, spec in SPECS.items():
            action = QAction(spec.text, window)
            action.setShortcuts(_sequences(spec.keys))
            if spec.icon:
                action.setIcon(icon(spec.icon))
            set_tip(action, spec.tip or _plain(spec.text))
            if spec.tip:
                action.setStatusTip(spec.tip)
            action.setCheckable(spec.checkable)
            handler = _handler(window, spec.handler)
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
        action.setIcon(icon(HISTORY_ICONS[name]))
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

    def update(self, state: WindowState) -> None:
        """Enable every action from ``state`` and check the current tool's."""
        for name, spec in SPECS.items():
            action = self.all[name]
            action.setEnabled(spec.when == "always" or bool(getattr(state, spec.when)))
            if name in ("brush", "eraser", "lasso", "wand", "object_box"):
                action.setChecked(state.tool == TOOL_OF.get(name, name))

    def __getattr__(self, name: str) -> QAction:  # for type checkers; set in __init__
        raise AttributeError(name)

    def with_shortcuts(self) -> list[QAction]:
        return [a for a in self.all.values() if a.shortcuts()]

    def shortcut_rows(self) -> list[tuple[str, list[QKeySequence]]]:
        """(action, shortcuts) for the cheat sheet, named by the action's own name ("Undo",
        not the "Undo Brush stroke" its menu entry shows after a stroke)."""
        rows = []
        for name, action in self.all.items():
            spec = SPECS.get(name)
            if action.shortcuts():
                rows.append((_plain(spec.text) if spec else name.capitalize(), action.shortcuts()))
        return rows


def _handler(window: MainWindow, path: str) -> Callable[[], object]:
    """``"mask_ops.op:invert"`` -> a call of ``window.mask.op("invert")``."""
    path, _, argument = path.partition(":")
    target: object = window
    for part in path.split("."):
        target = getattr(target, part)
    method: Callable[..., object] = target  # type: ignore[assignment]
    return (lambda: method(argument)) if argument else method


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
