"""The canvas's undo stack: a Qt face (signals, QUndoStack-like calls) over the
document's Qt-free ``MaskHistory``, so undo actions and the window title follow it."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, Signal

from editor.core.mask_history import (
    COMPRESS_FROM,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_UNDO_LIMIT,
    MaskHistory,
    MaskPatch,
    UndoStep,
)
from editor.core.mask_work import MaskWork

__all__ = [
    "COMPRESS_FROM",
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_UNDO_LIMIT",
    "MaskPatch",
    "MaskUndoStack",
    "patch_qrect",
]


def patch_qrect(patch: MaskPatch) -> QRect:
    """The patch's rectangle as a QRect in source pixels."""
    x0, y0, x1, y1 = patch.rect
    return QRect(x0, y0, x1 - x0, y1 - y0)


class UndoCommand:
    """One step as QUndoStack.command() shows it: ``text()`` and its ``patch``."""

    def __init__(self, step: UndoStep) -> None:
        self.patch = step.patch
        self._text = step.text

    def text(self) -> str:
        return self._text


class MaskUndoStack(QObject):
    """QUndoStack-like access to a ``MaskHistory``, with its change signals."""

    indexChanged = Signal(int)
    cleanChanged = Signal(bool)
    canUndoChanged = Signal(bool)
    canRedoChanged = Signal(bool)
    undoTextChanged = Signal(str)
    redoTextChanged = Signal(str)

    def __init__(
        self, history: MaskHistory, parent: QObject | None = None, work: MaskWork | None = None
    ) -> None:
        super().__init__(parent)
        self._history = history
        self._work = work  # full-mask steps of a large mask are undone in its worker
        self._last = self._state()
        history.listeners.append(self._on_change)
        self.destroyed.connect(lambda _o=None, h=history, f=self._on_change: _forget(h, f))

    def _state(self) -> tuple[int, bool, bool, bool, str, str]:
        h = self._history
        return (h.index, h.is_clean, h.can_undo, h.can_redo, h.undo_text, h.redo_text)

    def _on_change(self) -> None:
        old, new = self._last, self._state()
        self._last = new
        signals = (self.indexChanged, self.cleanChanged, self.canUndoChanged,
                   self.canRedoChanged, self.undoTextChanged, self.redoTextChanged)  # fmt: skip
        for signal, a, b in zip(signals, old, new, strict=True):
            if a != b:
                signal.emit(b)

    # QUndoStack's names, so the actions and tests read like Qt code
    def count(self) -> int:
        return len(self._history)

    def index(self) -> int:
        return self._history.index

    def cleanIndex(self) -> int:
        return self._history.clean_index

    def isClean(self) -> bool:
        return self._history.is_clean

    def setClean(self) -> None:
        self._history.set_clean()

    def canUndo(self) -> bool:
        return self._history.can_undo

    def canRedo(self) -> bool:
        return self._history.can_redo

    def undoText(self) -> str:
        return self._history.undo_text

    def redoText(self) -> str:
        return self._history.redo_text

    def undo(self) -> None:
        if self._work is not None and self._work.undo():
            return
        if self._work is not None:
            self._work.settle()
        self._history.undo()

    def redo(self) -> None:
        if self._work is not None and self._work.redo():
            return
        if self._work is not None:
            self._work.settle()
        self._history.redo()

    def clear(self) -> None:
        self._history.clear()

    def undoLimit(self) -> int:
        return self._history.undo_limit

    def setUndoLimit(self, count: int) -> None:
        self._history.set_undo_limit(count)

    def command(self, i: int) -> UndoCommand:
        return UndoCommand(self._history.step(i))

    def memory_limit(self) -> int:
        """Cap in bytes on the patches held by the stack."""
        return self._history.memory_limit

    def set_memory_limit(self, nbytes: int) -> None:
        """Change the cap; the oldest steps are dropped at once if over it."""
        self._history.set_memory_limit(nbytes)

    def memory_used(self) -> int:
        """Bytes held by all steps (undoable and redoable)."""
        return self._history.memory_used()


def _forget(history: MaskHistory, listener: object) -> None:
    if listener in history.listeners:
        history.listeners.remove(listener)  # type: ignore[arg-type]
