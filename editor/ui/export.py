"""Writing results to disk (no Qt; called in worker threads by the window).

Every failure becomes one ExportError line (read-only folder, full disk...).
PNG text metadata carries prompt, seed and settings, never a key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from editor.core.atomic import atomic_write, export_error
from editor.core.errors import ExportError
from editor.ui.imaging import side_by_side


def _format_for(path: Path, fmt: str | None) -> str:
    if fmt:
        return "jpeg" if fmt.lower() in ("jpg", "jpeg") else "png"
    return "jpeg" if path.suffix.lower() in (".jpg", ".jpeg") else "png"


def encode_image(arr: np.ndarray, fmt: str, meta: dict[str, str] | None = None) -> bytes:
    """PNG (with text metadata) or JPEG q95 bytes of ``arr``."""
    from editor.core.codec import encode_jpeg, encode_png

    if fmt == "jpeg":
        return encode_jpeg(arr[..., :3] if arr.ndim == 3 else arr, quality=95)
    return encode_png(arr, compress_level=1, text=meta)  # the codec drops anything key-like


def write_file(path: str | Path, data: bytes | Callable[[BinaryIO], None]) -> Path:
    """Write ``data`` (or what a function writes) atomically; raise ExportError with one
    human line on failure."""
    target = Path(path)
    try:
        return atomic_write(target, data)
    except OSError as error:
        raise export_error(error, target, "write") from None


def export_image(
    arr: np.ndarray, path: str | Path, meta: dict[str, str] | None = None, fmt: str | None = None
) -> Path:
    """Save one variant as PNG (metadata in text chunks) or JPEG, chosen by ``fmt``/suffix.
    A PNG is streamed into the file as it is encoded: no encoded copy in memory."""
    from editor.core.codec import write_png

    target = Path(path)
    kind = _format_for(target, fmt)
    if kind == "png":
        return write_file(target, lambda fh: write_png(arr, fh, compress_level=1, text=meta))
    return write_file(target, encode_image(arr, kind, meta))


def export_all(
    images: Sequence[np.ndarray | Callable[[], np.ndarray]],
    folder: str | Path,
    stem: str,
    metas: list[dict[str, str]],
    fmt: str = "png",
) -> list[Path]:
    """Save every variant as ``<stem>-<n>.<ext>`` in ``folder``; returns the paths. An
    entry may be a function building the image: one whole image is held at a time."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExportError(f"Could not export to {folder}: it is not a folder; choose a folder.")
    ext = "jpg" if fmt == "jpeg" else "png"
    paths = []
    for i, (arr, meta) in enumerate(zip(images, metas, strict=True)):
        pixels = arr() if callable(arr) else arr
        paths.append(export_image(pixels, folder / f"{stem}-{i + 1}.{ext}", meta, fmt))
        del pixels  # before the next one is built: one whole image at a time, not two
    return paths


def export_mask(mask: np.ndarray, path: str | Path) -> Path:
    """Save the mask as a grayscale PNG (white = edit)."""
    from editor.core.codec import encode_png

    return write_file(path, encode_png(np.ascontiguousarray(mask, dtype=np.uint8)))


def export_before_after(
    before: np.ndarray, after: np.ndarray, path: str | Path, meta: dict[str, str] | None = None
) -> Path:
    """Save the original and the variant side by side as one PNG."""
    return export_image(side_by_side(before, after), path, meta, "png")
