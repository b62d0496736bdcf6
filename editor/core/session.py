"""The working state as plain data, and the one-file session format (a zip).

Layout of a session zip (the autosave folder holds the same members as loose files):

    manifest.json               format_version, app version, times, prompt, settings, jobs
    source.png                  the current source, EXIF-oriented, RGB or RGBA
    mask.png                    8-bit grayscale, 255 = edit, exactly the source's size
    history/NNN.png             earlier sources, oldest first
    results/SSS/KK.png          variant KK of the job in slot SSS

Member names are computed from validated integers, never taken from the file, so a
hostile archive cannot make the reader touch anything else. Every member has a size
cap and every image a pixel cap before it is decoded.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import time
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from editor import __version__
from editor.core.atomic import atomic_write, export_error
from editor.core.codec import encode_png
from editor.core.errors import EditorError, MaskError
from editor.core.job_record import JobRecord
from editor.core.redact import clean_settings
from editor.core.variant import Variant

FORMAT_VERSION = "1.0"
FORMAT_MAJOR = 1
MANIFEST = "manifest.json"
SOURCE = "source.png"
MASK = "mask.png"
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_MEMBER_BYTES = 768 * 1024 * 1024
MAX_IMAGE_PIXELS = 200_000_000
MAX_HISTORY = 200
MAX_JOBS = 2000
MAX_VARIANTS = 16
MAX_MEMBERS = 20_000
__all__ = ["JobRecord", "Session", "SessionError", "load_session", "save_session"]


class SessionError(EditorError):
    """A session file (or autosave folder) cannot be read or written."""


@dataclass
class Session:
    """Source image, mask, prompt, settings, source history and jobs: all the user's work."""

    source: np.ndarray
    mask: np.ndarray
    source_path: str | None = None
    prompt: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    history: list[np.ndarray] = field(default_factory=list)
    jobs: list[JobRecord] = field(default_factory=list)
    created: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        check_source(self.source)
        check_mask(self.mask, self.source)


def check_source(source: np.ndarray) -> None:
    """Raise ``SessionError`` unless ``source`` is an H x W x 3|4 uint8 array."""
    if source.dtype != np.uint8 or source.ndim != 3 or source.shape[2] not in (3, 4):
        raise SessionError(
            f"The source image must be 8-bit RGB or RGBA, got {source.dtype} {source.shape}."
        )


def check_mask(mask: np.ndarray, source: np.ndarray) -> None:
    """Raise ``MaskError`` unless ``mask`` is uint8 H x W at exactly the source's size."""
    h, w = source.shape[:2]
    if mask.dtype != np.uint8 or mask.ndim != 2 or mask.shape != (h, w):
        mh, mw = (*mask.shape, 0, 0)[:2]
        raise MaskError(
            f"The mask is {mw}x{mh} but the image is {w}x{h}; "
            "a mask must have exactly the image's size."
        )


def history_member(index: int) -> str:
    return f"history/{index:03d}.png"


def result_member(slot: int, index: int) -> str:
    return f"results/{slot:03d}/{index:02d}.png"


def job_manifest(
    job: JobRecord, slot: int, variants: list[int], crops: dict[int, Variant] | None = None
) -> dict[str, Any]:
    """The manifest entry of one job (its images are separate members; ``crops`` lists
    the variants whose member holds only their window, as the autosave folder does)."""
    return job.to_manifest(slot, variants, crops)


def build_manifest(
    *,
    source_path: str | None,
    source_shape: tuple[int, ...] | None,
    prompt: str,
    settings: dict[str, Any],
    history_count: int,
    jobs: list[dict[str, Any]],
    created: float,
) -> dict[str, Any]:
    """The manifest shared by session zips and the autosave folder."""
    return {
        "format_version": FORMAT_VERSION,
        "app": "mask-editor",
        "app_version": __version__,
        "created": created,
        "saved": time.time(),
        "source": {
            "path": source_path,
            "width": source_shape[1] if source_shape else None,
            "height": source_shape[0] if source_shape else None,
        },
        "prompt": prompt,
        "settings": clean_settings(settings),
        "history": history_count,
        "jobs": jobs,
    }


def dump_manifest(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=1, ensure_ascii=True).encode("ascii")


def save_session(session: Session, path: str | os.PathLike[str]) -> Path:
    """Write the whole session to one zip file, atomically. Raises ``ExportError``."""
    check_source(session.source)
    check_mask(session.mask, session.source)
    target = Path(path)
    jobs = [
        job_manifest(job, slot, list(range(len(job.variants))))
        for slot, job in enumerate(session.jobs)
    ]
    manifest = build_manifest(
        source_path=session.source_path,
        source_shape=session.source.shape,
        prompt=session.prompt,
        settings=session.settings,
        history_count=len(session.history),
        jobs=jobs,
        created=session.created,
    )

    # a session file holds whole results (any version reads them), each built from its
    # variant only while it is encoded
    def kept(image: np.ndarray) -> Callable[[], np.ndarray]:
        return lambda: image

    members = [(SOURCE, kept(session.source)), (MASK, kept(session.mask))]
    members += [(history_member(i), kept(image)) for i, image in enumerate(session.history)]
    members += [
        (result_member(slot, k), functools.partial(job.full, k))
        for slot, job in enumerate(session.jobs)
        for k in range(len(job.variants))
    ]

    def write(fh: Any) -> None:
        # PNG encoding releases the GIL: encode in parallel, write in a fixed order
        workers = max(1, min(4, os.cpu_count() or 1))
        with (
            ThreadPoolExecutor(workers, thread_name_prefix="session-png") as pool,
            zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf,
        ):
            zf.writestr(MANIFEST, dump_manifest(manifest), compress_type=zipfile.ZIP_DEFLATED)
            encoded = pool.map(lambda m: encode_png(m[1]()), members)
            for (name, _), data in zip(members, encoded, strict=True):
                zf.writestr(name, data)

    try:
        return atomic_write(target, write)
    except OSError as error:
        raise export_error(error, target, "save the session to") from None


# ---------------------------------------------------------------- reading


Reader = Callable[[str, int], "bytes | None"]


def _damaged(label: str, detail: str) -> SessionError:
    return SessionError(f"{label} is damaged ({detail}); open another session or an image.")


def decode_png(data: bytes, label: str, *, grayscale: bool = False) -> np.ndarray:
    """Decode one stored PNG with a pixel cap; RGB/RGBA (or L for masks) uint8."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "PNG":
                raise _damaged(label, "an image is not a PNG")
            w, h = img.size
            if w * h > MAX_IMAGE_PIXELS:
                raise _damaged(label, f"an image of {w}x{h} pixels is over the limit")
            img.load()
            decoded: Image.Image = img
            if grayscale:
                decoded = img.convert("L") if img.mode != "L" else img
            elif img.mode not in ("RGB", "RGBA"):
                decoded = img.convert("RGBA" if "A" in img.getbands() else "RGB")
            return np.array(decoded, dtype=np.uint8)
    except SessionError:
        raise
    except Exception as error:  # Pillow raises many types for bad data
        raise _damaged(label, f"an image cannot be decoded: {type(error).__name__}") from None


def _int(value: Any, lo: int, hi: int, label: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _damaged(label, f"bad {what} in the manifest")
    return value


def parse_format_version(manifest: Any, label: str) -> tuple[int, int]:
    """Check ``format_version``; a newer major version asks the user to update the app."""
    if not isinstance(manifest, dict):
        raise _damaged(label, "the manifest is not a JSON object")
    raw = manifest.get("format_version")
    match = re.fullmatch(r"(\d{1,4})\.(\d{1,4})", str(raw)) if raw is not None else None
    if not match:
        raise _damaged(label, "no valid format_version in the manifest")
    major, minor = int(match.group(1)), int(match.group(2))
    if major > FORMAT_MAJOR:
        raise SessionError(
            f"{label} was saved by a newer mask-editor (session format {raw}, this app reads "
            f"{FORMAT_MAJOR}.x); update the app to open it."
        )
    if major < 1:
        raise _damaged(label, f"unknown session format {raw}")
    return major, minor


def parse_manifest(data: bytes, label: str) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _damaged(label, "the manifest is not valid JSON") from None
    parse_format_version(manifest, label)
    return manifest


def session_from_manifest(
    manifest: dict[str, Any], read: Reader, label: str, *, strict: bool = True
) -> Session:
    """Build a ``Session`` from a parsed manifest and a member reader.

    ``strict`` (session files) requires every listed member; the autosave folder is
    read leniently (a result still being written when the app died is skipped).
    """

    def member(name: str, *, required: bool) -> bytes | None:
        data = read(name, MAX_MEMBER_BYTES)
        if data is None and required:
            raise _damaged(label, f"{name} is missing")
        return data

    source_bytes = member(SOURCE, required=True)
    assert source_bytes is not None
    source = decode_png(source_bytes, label)
    mask_bytes = member(MASK, required=strict)
    if mask_bytes is None:
        mask = np.zeros(source.shape[:2], np.uint8)
    else:
        mask = decode_png(mask_bytes, label, grayscale=True)
        if strict:
            check_mask(mask, source)
        elif mask.shape != source.shape[:2]:  # died between a new source and its mask
            mask = np.zeros(source.shape[:2], np.uint8)
    history = []
    for i in range(_int(manifest.get("history", 0), 0, MAX_HISTORY, label, "history")):
        data = member(history_member(i), required=strict)
        if data is not None:
            history.append(decode_png(data, label))
    raw_jobs = manifest.get("jobs", [])
    if not isinstance(raw_jobs, list) or len(raw_jobs) > MAX_JOBS:
        raise _damaged(label, "bad job list in the manifest")
    jobs = []
    for entry in raw_jobs:
        if not isinstance(entry, dict):
            raise _damaged(label, "bad job entry in the manifest")
        slot = _int(entry.get("slot"), 0, MAX_JOBS * 10, label, "job slot")
        variants = entry.get("images", [])
        if not isinstance(variants, list) or len(variants) > MAX_VARIANTS:
            raise _damaged(label, "bad image list in the manifest")
        crops = entry["crops"] if isinstance(entry.get("crops"), dict) else {}
        images: list[Variant] = []
        for k in variants:
            data = member(result_member(slot, _int(k, 0, 99, label, "variant")), required=strict)
            if data is not None:
                pixels, crop = decode_png(data, label), crops.get(str(k))
                try:  # whole (session files, older autosaves) or a crop with its box
                    images.append(Variant.stored(pixels, crop))
                except ValueError as error:
                    raise _damaged(label, str(error)) from None
        jobs.append(JobRecord.from_manifest(entry, images))
    source_info: dict[str, Any] = (
        manifest["source"] if isinstance(manifest.get("source"), dict) else {}
    )
    path = source_info.get("path")
    settings = manifest.get("settings")
    created = manifest.get("created")
    return Session(
        source=source,
        mask=mask,
        source_path=path if isinstance(path, str) else None,
        prompt=str(manifest.get("prompt") or ""),
        settings=settings if isinstance(settings, dict) else {},
        history=history,
        jobs=jobs,
        created=float(created) if isinstance(created, int | float) else time.time(),
    )


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or ".." in parts
        or re.match(r"^[A-Za-z]:", name) is not None
        or "\x00" in name
    )


def load_session(path: str | os.PathLike[str]) -> Session:
    """Read a session zip. Raises ``SessionError`` (or ``MaskError``) with one line."""
    target = Path(path)
    label = f"The session file {target.name}"
    try:
        zf = zipfile.ZipFile(target)
    except FileNotFoundError:
        raise SessionError(f"{label} does not exist; check the path.") from None
    except IsADirectoryError:
        raise SessionError(f"{target} is a folder, not a session file.") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise SessionError(
            f"{label} is not a mask-editor session or is damaged (not a readable zip); "
            "open another session or an image."
        ) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _damaged(label, "too many members")
        if any(_unsafe_name(info.filename) for info in infos):
            raise SessionError(
                f"{label} contains a file with an unsafe path and was not opened; "
                "it was not made by mask-editor."
            )
        by_name = {info.filename: info for info in infos}

        def read(name: str, cap: int) -> bytes | None:
            info = by_name.get(name)
            if info is None:
                return None
            if info.file_size > cap or info.compress_size > cap:
                raise _damaged(label, f"{name} is larger than the {cap // 2**20} MB limit")
            try:
                with zf.open(info) as fh:
                    data = fh.read(cap + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError):
                raise _damaged(label, f"{name} cannot be read") from None
            if len(data) > cap:
                raise _damaged(label, f"{name} is larger than the limit")
            return data

        data = read(MANIFEST, MAX_MANIFEST_BYTES)
        if data is None:
            raise SessionError(
                f"{label} is not a mask-editor session (no manifest.json); "
                "open another session or an image."
            )
        manifest = parse_manifest(data, label)
        return session_from_manifest(manifest, read, label, strict=True)
