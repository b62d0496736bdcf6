"""Undo for mask edits: one QUndoCommand per stroke or mask operation.

Each command stores only the rectangle that changed, before and after. Large
patches (>= 1 MB, e.g. invert of a whole 24 MP mask) are zlib-compressed at level
1 in a worker thread: masks are mostly flat, so a 24 MB patch typically shrinks to a
few hundred kB, and the 2 x ~40-300 ms of compression no longer blocks the UI.
The stack caps both the number of commands (``setUndoLimit``) and their memory in
bytes, dropping the oldest commands first.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QUndoCommand, QUndoStack

COMPRESS_FROM = 1 << 20  # bytes
DEFAULT_UNDO_LIMIT = 500
DEFAULT_MEMORY_LIMIT = 512 * 1024 * 1024


_COMPRESSOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="undo-compress")


class MaskPatch:
    """Before/after pixels of one source rectangle (x0, y0) .. (x1, y1) of the mask.

    Large patches are compressed in a worker thread (zlib releases the interpreter
    lock), so a whole-mask operation does not stall the UI; until then the raw
    arrays are kept and used."""

    def __init__(self, rect: tuple[int, int, int, int], before: np.ndarray, after: np.ndarray):
        self.rect = rect
        self.shape = before.shape
        self._before: bytes | np.ndarray = np.ascontiguousarray(before)
        self._after: bytes | np.ndarray = np.ascontiguousarray(after)
        self._pending: Future[None] | None = None
        if before.nbytes >= COMPRESS_FROM:
            self._pending = _COMPRESSOR.submit(self._compress)

    def _compress(self) -> None:
        before, after = self._before, self._after
        packed_before = zlib.compress(before, 1) if isinstance(before, np.ndarray) else before
        packed_after = zlib.compress(after, 1) if isinstance(after, np.ndarray) else after
        self._before, self._after = packed_before, packed_after  # one atomic swap

    def wait_compressed(self, timeout: float | None = None) -> None:
        """Block until a large patch is compressed (tests and benchmarks)."""
        if self._pending is not None:
            self._pending.result(timeout)

    @property
    def compressed(self) -> bool:
        """True once the patch is held compressed."""
        return isinstance(self._before, bytes)

    def _unpack(self, data: bytes | np.ndarray) -> np.ndarray:
        if isinstance(data, np.ndarray):
            return data
        return np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(self.shape)

    def before(self) -> np.ndarray:
        """Pixels of the rectangle before the edit (read-only; copy before changing)."""
        return self._unpack(self._before)

    def after(self) -> np.ndarray:
        """Pixels of the rectangle after the edit (read-only; copy before changing)."""
        return self._unpack(self._after)

    @property
    def nbytes(self) -> int:
        """Memory held by this patch."""
        data = (self._before, self._after)
        return sum(d.nbytes if isinstance(d, np.ndarray) else len(d) for d in data)

    def qrect(self) -> QRect:
        """The rectangle as a QRect in source pixels."""
        x0, y0, x1, y1 = self.rect
        return QRect(x0, y0, x1 - x0, y1 - y0)


ApplyFn = Callable[[MaskPatch, np.ndarray], None]


class MaskPatchCommand(QUndoCommand):
    """Undo step that writes a patch's before (undo) or after (redo) pixels back.

    Commands are pushed after the edit is already on the mask, so the first
    ``redo()`` (called by ``QUndoStack.push``) does nothing.
    """

    def __init__(self, patch: MaskPatch, apply: ApplyFn, text: str) -> None:
        super().__init__(text)
        self.patch = patch
        self._apply = apply
        self._skip_redo = True

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._apply(self.patch, self.patch.after())

    def undo(self) -> None:
        self._apply(self.patch, self.patch.before())


class MaskUndoStack(QUndoStack):
    """QUndoStack with a memory cap in bytes on top of ``undoLimit`` (count)."""

    def __init__(self, parent=None, *, undo_limit: int = DEFAULT_UNDO_LIMIT,
                 memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:  # fmt: skip
        super().__init__(parent)
        self.setUndoLimit(undo_limit)
        self._memory_limit = memory_limit

    def memory_limit(self) -> int:
        """Cap in bytes on the patches held by the stack."""
        return self._memory_limit

    def set_memory_limit(self, nbytes: int) -> None:
        """Change the cap; the oldest commands are dropped at once if over it."""
        self._memory_limit = max(0, int(nbytes))
        self._trim()

    def memory_used(self) -> int:
        """Bytes held by all commands (undoable and redoable)."""
        return sum(c.patch.nbytes for c in self._commands())

    def push_patch(self, patch: MaskPatch, apply: ApplyFn, text: str) -> None:
        """Push an already-applied edit as one undo step, then enforce the memory cap."""
        self.push(MaskPatchCommand(patch, apply, text))
        self._trim()

    def _commands(self) -> list[MaskPatchCommand]:
        cmds = [self.command(i) for i in range(self.count())]
        return [c for c in cmds if isinstance(c, MaskPatchCommand)]

    def _trim(self) -> None:
        cmds = self._commands()
        total = sum(c.patch.nbytes for c in cmds)
        if total <= self._memory_limit or len(cmds) <= 1 or len(cmds) != self.count():
            return
        drop = 0
        while total > self._memory_limit and drop < len(cmds) - 1:
            total -= cmds[drop].patch.nbytes
            drop += 1
        # QUndoStack cannot remove its oldest command, so rebuild it from the survivors.
        # The mask already holds the state at index(): undoable steps are pushed without
        # re-applying; redoable ones are applied and undone again.
        index, clean = self.index(), self.cleanIndex()
        keep = [(c.patch, c._apply, c.text()) for c in cmds[drop:]]
        self.clear()
        redo_count = 0
        for j, (patch, apply, text) in enumerate(keep):
            cmd = MaskPatchCommand(patch, apply, text)
            if j + drop >= index:
                cmd._skip_redo = False
                redo_count += 1
            self.push(cmd)
            if j + 1 + drop == clean:
                self.setClean()
        for _ in range(redo_count):
            self.undo()
        if clean == -1 or clean < drop:
            self.resetClean()
