"""Writing results and messages: output files claimed atomically, one-line messages
with everything that came from a server redacted."""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import numpy as np

from editor import __version__


def say(text: str) -> None:
    """One line on stderr; server text in it (status, URLs, errors) is redacted."""
    from editor.core.redact import server_text

    print(server_text(text, limit=2000), file=sys.stderr, flush=True)


def check_out_dir(out: Path) -> Path:
    """Create ``out`` and prove it is writable *before* paying for a job."""
    from editor.core.atomic import export_error

    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".mask-editor-probe-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise export_error(exc, out, "write results to") from None
    return out


def save_variants(
    images: list[np.ndarray],
    out: Path,
    stem: str,
    fmt: str,
    settings: dict[str, object] | None = None,
    *,
    advise: bool = True,
) -> list[Path]:
    """Write each variant as ``<stem>-edit-<n>.<ext>``, never overwriting a file: each
    name is claimed by an exclusive create, so processes, windows and batch workers can
    share one folder, and the names returned are the names on disk. All or nothing: when
    one variant cannot be written, those already written by this call are removed (the
    caller keeps the job to try again), so a retry never duplicates them. PNGs carry the
    prompt, seed and settings as text metadata (never a key)."""
    from editor.core import atomic
    from editor.core.codec import encode_jpeg, encode_png

    ext = "jpg" if fmt == "jpeg" else "png"
    paths: list[Path] = []
    n = 1
    try:
        for variant, image in enumerate(images, 1):
            if fmt == "jpeg":
                data = encode_jpeg(image, 95)
            else:
                data = encode_png(image, compress_level=6, text=_png_text(settings, variant))
            path, n = atomic.claim_write(out, lambda k: f"{stem}-edit-{k}.{ext}", data, start=n)
            paths.append(path)
            n += 1
    except OSError as exc:
        for path in paths:
            try:
                path.unlink()
            except OSError:
                pass
        where = out / f"{stem}-edit-{n}.{ext}"
        raise atomic.export_error(exc, where, "write", advise=advise) from None
    return paths


def print_path(path: Path) -> None:
    """Print a result path; a name that is not valid UTF-8 is printed as its own bytes."""
    try:
        print(path, flush=True)
    except UnicodeEncodeError:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            print(str(path).encode("utf-8", "backslashreplace").decode("ascii"), flush=True)
        else:
            buffer.write(os.fsencode(path) + b"\n")
            buffer.flush()


def _png_text(settings: dict[str, object] | None, variant: int) -> dict[str, str] | None:
    if not settings:
        return None
    text = {"Software": f"mask-editor {__version__}", "variant": str(variant)}
    text["prompt"] = str(settings.get("prompt") or "")
    text["seed"] = str(settings.get("seed", ""))
    text["settings"] = json.dumps(
        {k: v for k, v in settings.items() if k not in ("prompt", "seed")}, sort_keys=True
    )
    return text
