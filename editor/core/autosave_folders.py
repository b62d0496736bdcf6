"""Finding what a crashed editor left in the autosave folder, and reading it back.

Each running editor holds an OS lock on ``<instance>/lock``; the OS releases it when the
process dies, however it dies. An instance folder whose lock is free and that has no
``clean`` marker is a crash's leftover.
"""

from __future__ import annotations

import os
from collections.abc import Set as AbstractSet
from pathlib import Path

from editor.core.atomic import try_lock
from editor.core.session import (
    MANIFEST,
    MAX_MANIFEST_BYTES,
    SOURCE,
    Session,
    SessionError,
    parse_manifest,
    session_from_manifest,
)

LOCK = "lock"
CLEAN = "clean"


def lock_is_free(folder: Path) -> bool:
    """True when no living process holds ``folder``'s lock."""
    try:
        with open(folder / LOCK, "a+b") as fh:
            return try_lock(fh)  # closing the file releases the lock at once
    except OSError:
        return False


def crashed_folders(
    root: Path, *, skip: AbstractSet[Path] = frozenset(), claimed: AbstractSet[Path] = frozenset()
) -> list[Path]:
    """Folders of dead instances under ``root`` with something to restore, newest first.

    ``claimed`` folders (locked by this process for recovery) count as dead."""
    found = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return []
    for folder in entries:
        if folder in skip or not folder.is_dir():
            continue
        if (folder / CLEAN).exists() or not (folder / MANIFEST).is_file():
            continue
        if not (folder / SOURCE).is_file():
            continue
        if folder not in claimed and not lock_is_free(folder):
            continue  # another editor is running with it
        found.append(folder)
    return sorted(found, key=lambda p: (p / MANIFEST).stat().st_mtime, reverse=True)


def load_folder(folder: str | os.PathLike[str]) -> Session:
    """Read an autosave folder (lenient: a member still being written is skipped)."""
    base = Path(folder)
    label = f"The autosave in {base.name}"

    def read(name: str, cap: int) -> bytes | None:
        path = base / name
        try:
            if path.stat().st_size > cap:
                raise SessionError(f"{label} has an oversized {name}; it was skipped.")
            return path.read_bytes()
        except FileNotFoundError:
            return None

    data = read(MANIFEST, MAX_MANIFEST_BYTES)
    if data is None:
        raise SessionError(f"{label} has no manifest.")
    return session_from_manifest(parse_manifest(data, label), read, label, strict=False)
