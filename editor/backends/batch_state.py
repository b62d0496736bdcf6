"""What a batch has done so far, kept in its output folder so a re-run continues.

``<out>/.mask-editor-batch.json`` maps a *shot key* to the shot's last durable state.
A shot key names one source file as it is now (resolved path, size, modification time)
edited with one request (``request_fingerprint``: the mask's pixels, prompt, engine,
server and settings), so the same command finds its shots again and a changed photo,
mask or setting is a new shot.

States written, and what a re-run does with them:

* ``sending`` - written *before* the submission leaves; the job may exist and be billed.
  Never sent again (``mask-editor-cli resume`` reports it if it was lost in flight).
* ``accepted`` - the service gave a job id, written here only once the job journal holds
  it (until saved). Never sent again: ``resume`` collects it and notes the results here
  (``note_collected``; a shot still at ``sending`` is found by its request fingerprint).
* ``done`` - the results are saved (``outputs``). Never sent again.
* ``uncertain`` - the submission may have been billed but no id came back. Never sent
  again.
* ``failed`` - provably refused or failed by the service (not billed): sent again.

The file is rewritten whole, atomically (temp + fsync + rename), under a lock; a file
that cannot be read stops the batch (starting over could pay twice).
"""

from __future__ import annotations

import glob
import hashlib
import json
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image

from editor.core.atomic import atomic_write, describe_os_error, try_lock
from editor.core.errors import EditorError, ExportError

STATE_FILE = ".mask-editor-batch.json"
LOCK_FILE = ".mask-editor-batch.lock"  # held by the batch sending into the folder
FORMAT_VERSION = 1
NEVER_RESEND = frozenset({"sending", "accepted", "done", "uncertain"})


def request_fingerprint(mask: np.ndarray, settings: Mapping[str, Any]) -> str:
    """A short hash of what is sent for every shot: the mask's pixels and the settings."""
    digest = hashlib.sha256()
    digest.update(repr(mask.shape).encode())
    digest.update(np.ascontiguousarray(mask).tobytes())
    digest.update(json.dumps(dict(settings), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def shot_key(path: Path, fingerprint: str) -> str:
    """The key of ``path`` (as it is on disk now) edited with the request ``fingerprint``."""
    resolved = path.resolve()
    st = resolved.stat()
    text = f"{resolved}\0{st.st_size}\0{st.st_mtime_ns}\0{fingerprint}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


class BatchState:
    """The state file of one output folder (thread-safe; each change is written at once)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / STATE_FILE
        self._lock = threading.Lock()
        self._shots: dict[str, dict[str, Any]] = self._read()
        self._held: BinaryIO | None = None

    def hold(self) -> bool:
        """Take the folder for this batch's sending (an OS lock, gone with the process);
        False while another batch, in this process or another, holds it. Then the record
        is read again: the other batch may have sent shots since this one was planned."""
        if self._held is None:
            try:
                fh = open(self.path.parent / LOCK_FILE, "a+b")  # noqa: SIM115 - held
            except OSError:
                return False
            if not try_lock(fh):
                fh.close()
                return False
            self._held = fh
        shots = self._read()
        with self._lock:
            self._shots = shots
        return True

    def release(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise EditorError(describe_os_error(exc, self.path, "read")) from None
        try:
            data = json.loads(raw)
            shots = data["shots"]
            if not isinstance(shots, dict) or not all(isinstance(v, dict) for v in shots.values()):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise EditorError(
                f"The batch record {self.path} is damaged; move it aside to start the batch "
                "over (shots already sent would then be sent and paid again)."
            ) from None
        return shots

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._shots.get(key)
            return dict(found) if found is not None else None

    def find_job(self, job_id: str, fingerprint: str = "") -> str | None:
        """The key of the shot whose job is ``job_id``, if any; else of the shot whose
        submission ``fingerprint`` was being sent with no id noted yet (the job journal
        writes the id first, so a batch stopped between the two writes knows only the
        fingerprint of a job the journal holds)."""
        with self._lock:
            for key, shot in self._shots.items():
                if shot.get("job_id") == job_id:
                    return key
            if fingerprint:
                for key, shot in self._shots.items():
                    if shot.get("fingerprint") == fingerprint and not shot.get("job_id"):
                        return key
        return None

    def update(self, key: str, **fields: Any) -> None:
        """Merge ``fields`` into shot ``key`` and write the file (raises ExportError)."""
        with self._lock:
            shot = self._shots.setdefault(key, {})
            shot.update(fields, updated=time.time())
            data = {"version": FORMAT_VERSION, "shots": self._shots}
            payload = json.dumps(data, indent=1, sort_keys=True).encode()
            try:
                atomic_write(self.path, payload, mode=0o600)
            except OSError as exc:
                raise ExportError(describe_os_error(exc, self.path, "write")) from None


def note_collected(
    out_dir: str | Path | None, job_id: str, paths: list[Path], fingerprint: str = ""
) -> None:
    """Mark the batch shot of ``job_id`` (or of the submission ``fingerprint``, see
    ``BatchState.find_job``), if ``out_dir`` holds a batch, as done with ``paths``;
    called by ``resume`` after saving a job's results."""
    found = _shot_of(out_dir, job_id, fingerprint)
    if found is None:
        return
    state, key = found
    try:
        state.update(key, state="done", job_id=job_id, outputs=[str(p) for p in paths])
    except EditorError:
        pass  # the results are saved; a re-run then reports the job as collected


def _shot_of(
    out_dir: str | Path | None, job_id: str, fingerprint: str
) -> tuple[BatchState, str] | None:
    """The batch record in ``out_dir`` and the key of the shot of ``job_id`` (or of the
    submission ``fingerprint``, see ``BatchState.find_job``); None when there is none
    or it cannot be read."""
    if not out_dir or not (Path(out_dir) / STATE_FILE).exists():
        return None
    try:
        state = BatchState(Path(out_dir))
    except EditorError:
        return None
    key = state.find_job(job_id, fingerprint)
    return None if key is None else (state, key)


def drop_torn(out_dir: Path, stem: str) -> None:
    """Remove empty ``<stem>-edit-*`` files: names claimed by a batch killed before it
    wrote into them (``claim_write`` creates the name, then renames the content over
    it within milliseconds). Called only for a shot the record says is not done, so the
    stem is this batch's; without it the shot's next results would sit beside a broken
    empty file named like a result."""
    for path in out_dir.glob(f"{glob.escape(stem)}-edit-*.*"):
        try:
            if path.stat().st_size == 0:
                path.unlink()
        except OSError:
            continue


def find_saved(out_dir: Path, stem: str, key: str, expected: int) -> list[Path]:
    """The results of shot ``key`` already in ``out_dir``: batch PNGs name their shot in
    their metadata, so results saved just before a crash (not yet noted in the record)
    are found. All ``expected`` variants, or none (JPEGs carry no metadata: none)."""
    found: list[Path] = []
    for path in sorted(out_dir.glob(f"{glob.escape(stem)}-edit-*.png")):
        try:
            with Image.open(path) as im:
                settings = json.loads(str(im.info.get("settings", "{}")))
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            continue
        if isinstance(settings, dict) and settings.get("batch_shot") == key:
            found.append(path)
    return found if len(found) >= expected else []


def saved_outputs(
    out_dir: str | Path | None, job_id: str, expected: int = 1, fingerprint: str = ""
) -> list[Path] | None:
    """The saved results of ``job_id`` (or of the submission ``fingerprint``) when a
    batch in ``out_dir`` already saved them (a crash between saving and leaving the
    journal), else None."""
    found = _shot_of(out_dir, job_id, fingerprint)
    if found is None:
        return None
    state, key = found
    shot, folder = state.get(key), state.path.parent
    if shot is None:
        return None
    paths = [Path(p) for p in shot.get("outputs", [])]
    if shot.get("state") == "done" and paths and all(p.exists() for p in paths):
        return paths
    stem = Path(str(shot.get("source", ""))).stem
    if stem:
        drop_torn(folder, stem)
    saved = find_saved(folder, stem, key, expected) if stem else []
    if saved:
        state.update(key, state="done", job_id=job_id, outputs=[str(p) for p in saved])
    return saved or None
