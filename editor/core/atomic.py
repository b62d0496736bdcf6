"""Crash-safe file writes: temp file in the same folder + fsync + ``os.replace``.

A reader sees either the previous complete file or the new complete file, never a torn
one, even if the process is killed or the disk fills up mid-write.
"""

from __future__ import annotations

import errno
import io
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from editor.core.errors import ExportError

TMP_SUFFIX = ".tmp"

_REASONS = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EROFS: "the folder is on a read-only disk; choose another folder",
    errno.EACCES: "the folder is not writable; choose another folder or fix its permissions",
    errno.EPERM: "the folder is not writable; choose another folder or fix its permissions",
    errno.ENAMETOOLONG: "the file name is too long; choose a shorter name",
    errno.ENOENT: "the folder does not exist; choose an existing folder",
    errno.ENOTDIR: "part of the path is a file, not a folder; choose another folder",
    errno.EISDIR: "a folder with that name already exists; choose another name",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "the disk quota is exhausted; free some space and try again"


def describe_os_error(
    error: OSError, path: str | os.PathLike[str], action: str, *, advise: bool = True
) -> str:
    """One human line for a failed write: what failed, why, and (``advise``) what to do;
    callers that give their own advice (e.g. "run resume", never "try again" when a paid
    job exists) pass ``advise=False``."""
    reason = _REASONS.get(error.errno or -1) or (error.strerror or str(error)).rstrip(".")
    if not advise:
        reason = reason.split(";")[0]
    return " ".join(f"Could not {action} {os.fsdecode(path)}: {reason}.".split())


def export_error(
    error: OSError, path: str | os.PathLike[str], action: str, *, advise: bool = True
) -> ExportError:
    """An ``ExportError`` carrying ``describe_os_error``'s message."""
    return ExportError(describe_os_error(error, path, action, advise=advise))


def _write_chunks(fh: BinaryIO, data: bytes | bytearray | memoryview) -> None:
    fh.write(data)


class _StreamWriter(io.RawIOBase):
    """What a writer function sees: every byte goes through ``_write_chunks`` (one place
    for all file writes), and there is no ``fileno`` to bypass it."""

    def __init__(self, fh: BinaryIO) -> None:
        super().__init__()
        self._fh = fh

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        _write_chunks(self._fh, view)
        return len(view)

    def flush(self) -> None:
        # the real file belongs to atomic_write, which may have closed it already (this
        # wrapper is closed, and so flushed, when it is garbage-collected)
        if not self._fh.closed:
            self._fh.flush()

    def tell(self) -> int:
        return self._fh.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (no-op where directories cannot be opened)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes | bytearray | memoryview | Callable[[BinaryIO], None],
    *,
    mode: int = 0o666,
) -> Path:
    """Write ``data`` (bytes, or a function writing to a binary file) to ``path`` atomically.

    ``mode`` is filtered by the umask (use 0o600 for private app files). Raises ``OSError``;
    on failure the temp file is removed and any previous ``path`` is untouched.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(_StreamWriter(fh))  # type: ignore[arg-type]  # a BinaryIO in all but name
            else:
                _write_chunks(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(target.parent)
    return target


def claim_write(
    folder: str | os.PathLike[str],
    name_for: Callable[[int], str],
    data: bytes | bytearray | memoryview | Callable[[BinaryIO], None],
    *,
    start: int = 1,
    mode: int = 0o666,
) -> tuple[Path, int]:
    """Save ``data`` under the first free name ``name_for(n)`` (n = start, start+1, ...)
    and return ``(path, n)``.

    The name is claimed by creating it exclusively (``O_EXCL``), so any number of
    processes, windows and threads writing into one folder never pick the same name;
    the content then goes through ``atomic_write`` (temp + fsync + rename over the claimed,
    still empty, file). On failure the claimed name is released and ``OSError`` raised.
    """
    base = Path(folder)
    n = start
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        path = base / name_for(n)
        try:
            os.close(os.open(path, flags, mode))
        except FileExistsError:
            n += 1
            continue
        try:
            atomic_write(path, data, mode=mode)
        except BaseException:
            try:
                if path.stat().st_size == 0:  # still our empty claim, nobody's content
                    path.unlink()
            except OSError:
                pass
            raise
        return path, n


def try_lock(fh: BinaryIO) -> bool:
    """Take an exclusive, non-blocking lock on an open file; False if someone holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
