"""Typed errors. ``str(error)`` is always one human line: what is wrong and what to do."""

from __future__ import annotations


class EditorError(Exception):
    """Base of every expected failure. The message is shown to the user as is."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))  # always one line

    @property
    def message(self) -> str:
        return str(self)


class ImageLoadError(EditorError):
    """A file could not be read as an image (missing, empty, truncated, corrupt, too big)."""


class MaskError(EditorError):
    """A mask is unusable (wrong size, unreadable)."""


class ValidationError(EditorError):
    """A request setting is invalid for the chosen backend/schema."""


class ExportError(EditorError):
    """Writing a file failed (read-only folder, full disk...)."""
