"""Undo for mask edits, without Qt: one step per stroke or mask operation (and one
for switching to another source image, which the document records as an action).

Each step stores only the rectangle that changed, before and after. Large patches
(>= 1 MB, e.g. invert of a whole 24 MP mask) are zlib-compressed at level 1 in a worker
thread: masks are mostly flat, so a 24 MB patch typically shrinks to a few hundred kB,
and the 2 x ~40-300 ms of compression never blocks the caller. The history caps both
the number of steps and their memory in bytes, dropping the oldest steps first.
The window's undo actions drive this history through a thin Qt adapter.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from editor.core.boxes import paste_overlap
from editor.core.mask_records import MaskRecord
from editor.core.threads import lower_thread_priority

COMPRESS_FROM = 1 << 20  # bytes
DEFAULT_UNDO_LIMIT = 500
DEFAULT_MEMORY_LIMIT = 512 * 1024 * 1024

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)
RECORD_RAW_SECONDS = 2.0  # a full-mask record stays raw this long (see compress_later)
_COMPRESSOR = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="undo-compress", initializer=lower_thread_priority
)


def compress_later(record: MaskRecord) -> None:
    """Compress a full-mask operation's record in the compressor thread once it has been
    the newest for ``RECORD_RAW_SECONDS``: an undo or redo right after the operation (the
    common one: "not like that") then writes raw tiles instead of first inflating them
    (~50 ms for a feather of a 100 MP mask), and the compression does not compete with
    it for the CPU. Meanwhile the raw tiles cost a few tens of MB."""

    def start() -> None:
        try:
            _COMPRESSOR.submit(record.compress)
        except RuntimeError:  # the interpreter is shutting down: nothing left to save
            pass

    timer = threading.Timer(RECORD_RAW_SECONDS, start)
    timer.daemon = True
    timer.start()


class MaskPatch:
    """Before/after pixels of one source rectangle (x0, y0) .. (x1, y1) of the mask.

    Large patches are compressed in a worker thread (zlib releases the interpreter
    lock); until then the raw arrays are kept and used."""

    def __init__(self, rect: Rect, before: np.ndarray, after: np.ndarray):
        self.rect = rect
        self.shape = before.shape
        self._before: bytes | np.ndarray = np.ascontiguousarray(before)
        self._after: bytes | np.ndarray = np.ascontiguousarray(after)
        self._pending: Future[None] | None = None
        if before.nbytes >= COMPRESS_FROM:
            self._pending = _COMPRESSOR.submit(self._compress)

    def _compress(self) -> None:
        before, after = self._before, self._after
        packed_before = zlib.compress(before.data, 1) if isinstance(before, np.ndarray) else before
        packed_after = zlib.compress(after.data, 1) if isinstance(after, np.ndarray) else after
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


def changed_region(
    before: np.ndarray, after: np.ndarray, x0: int = 0, y0: int = 0
) -> tuple[Rect, np.ndarray, np.ndarray] | None:
    """Where ``after`` differs from ``before`` (arrays whose top-left is source pixel
    (x0, y0)): (rect in source pixels, copy of before, copy of after), or None."""
    from editor.core.mask import bounding_box

    changed = bounding_box(before != after)
    if changed is None:
        return None
    cx0, cy0, cx1, cy1 = changed
    rect = (x0 + cx0, y0 + cy0, x0 + cx1, y0 + cy1)
    return rect, before[cy0:cy1, cx0:cx1].copy(), after[cy0:cy1, cx0:cx1].copy()


class TileBackup:
    """The pixels of ``array`` as they were before a stroke, saved tile by tile the first
    time the stroke touches a tile (a stroke never copies the whole 24-150 MP array)."""

    def __init__(self, array: np.ndarray, tile: int) -> None:
        self.array = array
        self.tile = tile
        self._tiles: dict[tuple[int, int], np.ndarray] = {}

    def save(self, x0: int, y0: int, x1: int, y1: int) -> None:
        """Keep every not yet saved tile that the rectangle [x0, x1) x [y0, y1) touches."""
        t = self.tile
        for ty in range(y0 // t, (y1 - 1) // t + 1):
            for tx in range(x0 // t, (x1 - 1) // t + 1):
                if (ty, tx) not in self._tiles:
                    self._tiles[(ty, tx)] = self.array[
                        ty * t : (ty + 1) * t, tx * t : (tx + 1) * t
                    ].copy()

    def changes(
        self, x0: int, y0: int, x1: int, y1: int
    ) -> tuple[Rect, np.ndarray, np.ndarray] | None:
        """What changed inside the rectangle since the first ``save``: (rect, before,
        after) as ``changed_region`` gives it, or None; the saved tiles are dropped."""
        after = self.array[y0:y1, x0:x1]
        before = after.copy()
        t = self.tile
        for (ty, tx), tile in self._tiles.items():
            tile_box = (tx * t, ty * t, tx * t + tile.shape[1], ty * t + tile.shape[0])
            paste_overlap(before, (x0, y0, x1, y1), tile, tile_box)
        self._tiles.clear()
        return changed_region(before, after, x0, y0)


@dataclass
class UndoStep:
    """One undoable edit: a mask patch, a full-mask ``record`` (changed tiles, or an
    invert), or (both None) an action with its own ``undo_action`` / ``redo_action``,
    e.g. switching to another source image."""

    patch: MaskPatch | None
    text: str
    undo_action: Callable[[], None] | None = None
    redo_action: Callable[[], None] | None = None
    record: MaskRecord | None = None

    @property
    def nbytes(self) -> int:
        if self.record is not None:
            return self.record.nbytes
        return self.patch.nbytes if self.patch is not None else 0


class MaskHistory:
    """Undo/redo steps over one mask array, capped by count and by memory.

    ``index`` counts the steps applied (like QUndoStack): undo lowers it, redo raises
    it; ``clean_index`` is where the mask was last saved (-1 when that step is gone).
    ``apply(rect, pixels)`` writes pixels back into the mask, ``apply_record(record,
    "before" | "after")`` a full-mask record; listeners hear every change. A caller that
    applies a record itself (in a worker thread) moves the index with ``moved``.
    """

    def __init__(
        self,
        apply: Callable[[Rect, np.ndarray], None],
        *,
        undo_limit: int = DEFAULT_UNDO_LIMIT,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        apply_record: Callable[[MaskRecord, str], None] | None = None,
    ) -> None:
        self._apply = apply
        self._apply_record = apply_record
        self._steps: list[UndoStep] = []
        self.index = 0
        self.clean_index = 0
        self.undo_limit = undo_limit
        self._memory_limit = memory_limit
        self.listeners: list[Callable[[], None]] = []

    # -- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._steps)

    def step(self, i: int) -> UndoStep:
        return self._steps[i]

    @property
    def can_undo(self) -> bool:
        return self.index > 0

    @property
    def can_redo(self) -> bool:
        return self.index < len(self._steps)

    @property
    def undo_text(self) -> str:
        return self._steps[self.index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._steps[self.index].text if self.can_redo else ""

    @property
    def is_clean(self) -> bool:
        return self.index == self.clean_index

    @property
    def memory_limit(self) -> int:
        """Cap in bytes on the patches held."""
        return self._memory_limit

    def memory_used(self) -> int:
        """Bytes held by all steps (undoable and redoable)."""
        return sum(s.nbytes for s in self._steps)

    # -- changing -----------------------------------------------------------------------
    def push(self, patch: MaskPatch, text: str) -> None:
        """Record an edit already on the mask as one step (drops the redo tail)."""
        self._push_step(UndoStep(patch, text))

    def _push_step(self, step: UndoStep) -> None:
        del self._steps[self.index :]
        if self.clean_index > self.index:
            self.clean_index = -1
        self._steps.append(step)
        self.index += 1
        self._trim()
        self._changed()

    def push_record(self, record: MaskRecord, text: str) -> None:
        """Record a full-mask edit already on the mask as one step."""
        self._push_step(UndoStep(None, text, record=record))

    def next_undo(self) -> UndoStep | None:
        """The step ``undo`` would undo."""
        return self._steps[self.index - 1] if self.can_undo else None

    def next_redo(self) -> UndoStep | None:
        """The step ``redo`` would redo."""
        return self._steps[self.index] if self.can_redo else None

    def moved(self, *, undone: bool, written: Callable[[], None]) -> None:
        """The next undo (``undone``) or redo step's record was applied by the caller;
        ``written`` tells the mask's listeners (between the index move and ours, as
        ``undo`` and ``redo`` do)."""
        self.index += -1 if undone else 1
        written()
        self._changed()

    def push_action(
        self, text: str, undo_action: Callable[[], None], redo_action: Callable[[], None]
    ) -> None:
        """Record an edit that is not a mask patch (already done) as one step."""
        self._push_step(UndoStep(None, text, undo_action, redo_action))

    def undo(self) -> bool:
        if not self.can_undo:
            return False
        self.index -= 1
        step = self._steps[self.index]
        if step.patch is not None:
            self._apply(step.patch.rect, step.patch.before())
        elif step.record is not None and self._apply_record is not None:
            self._apply_record(step.record, "before")
        elif step.undo_action is not None:
            step.undo_action()
        self._changed()
        return True

    def redo(self) -> bool:
        if not self.can_redo:
            return False
        step = self._steps[self.index]
        self.index += 1
        if step.patch is not None:
            self._apply(step.patch.rect, step.patch.after())
        elif step.record is not None and self._apply_record is not None:
            self._apply_record(step.record, "after")
        elif step.redo_action is not None:
            step.redo_action()
        self._changed()
        return True

    def clear(self) -> None:
        """Forget every step (another image); the mask counts as saved."""
        self._steps.clear()
        self.index = self.clean_index = 0
        self._changed()

    def set_clean(self) -> None:
        self.clean_index = self.index
        self._changed()

    def set_undo_limit(self, count: int) -> None:
        self.undo_limit = max(0, int(count))
        self._trim()
        self._changed()

    def set_memory_limit(self, nbytes: int) -> None:
        """Change the cap; the oldest steps are dropped at once if over it."""
        self._memory_limit = max(0, int(nbytes))
        self._trim()
        self._changed()

    def _trim(self) -> None:
        total = self.memory_used()
        drop = 0
        n = len(self._steps)
        # the mask holds the state at ``index``: dropping the oldest steps keeps it
        while drop < min(self.index, n - 1) and (
            total > self._memory_limit or (self.undo_limit and n - drop > self.undo_limit)
        ):
            total -= self._steps[drop].nbytes
            drop += 1
        if drop:
            del self._steps[:drop]
            self.index -= drop
            self.clean_index = self.clean_index - drop if self.clean_index >= drop else -1

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()
