"""The photos of a batch: which files a batch's folders and names stand for, and each
one's size as shown, read from its header (``editor.backends.batch`` plans them)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from editor.core.errors import EditorError

_RESULT_NAME = re.compile(r".+-edit-\d+\.(png|jpg)")
PHOTO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"})


def collect_sources(
    inputs: Iterable[Path], exclude: Iterable[Path] = (), out_dir: Path | None = None
) -> list[Path]:
    """The photos named by ``inputs``: files as given, folders' photos (by suffix, not
    recursive, sorted by name); ``exclude`` (the mask) left out, and results in
    ``out_dir`` (``<stem>-edit-<n>.<ext>``) when a source folder is the output folder."""
    skip = {p.resolve() for p in exclude}
    results = out_dir.resolve() if out_dir is not None else None
    found: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        if item.is_dir():
            if item.resolve() in skip:
                continue
            files = sorted(
                p
                for p in item.iterdir()
                if p.is_file()
                and p.suffix.lower() in PHOTO_SUFFIXES
                and not (item.resolve() == results and _RESULT_NAME.fullmatch(p.name))
            )
            if not files:
                raise EditorError(
                    f"No photos in {item} (looked for {', '.join(sorted(PHOTO_SUFFIXES))})."
                )
        else:
            files = [item]
        for path in files:
            real = path.resolve()
            if real not in skip and real not in seen:
                seen.add(real)
                found.append(path)
    return found


def probe_size(path: Path) -> tuple[int, int]:
    """(width, height) of the photo as shown (EXIF orientation applied), read from its
    header without decoding the pixels. Raises OSError / ValueError when unreadable."""
    with Image.open(path) as im:
        w, h = im.size
        orientation = im.getexif().get(0x0112, 1)
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)
