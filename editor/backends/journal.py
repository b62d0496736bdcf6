"""The job journal: every accepted remote job stays on disk until its outputs are saved.

Layout: ``<app data>/journal/<token>/`` per job, holding

* ``entry.json`` - job id, service, base URL, schema, the settings needed to finish the
  job (crop, source size, paste-back settings, output folder), written atomically
  (temp file + fsync + rename) *before* anything else happens once the id is known;
* ``source.npy`` / ``mask.npy`` - what paste-back needs, staged while the upload is
  being prepared (so committing the id is one small write);
* ``sending.json`` - written (fsynced) just *before* the submission is sent: service,
  base URL, a fingerprint of the request, the output folder and the time. A folder that
  has it but no ``entry.json`` after its process died is a submission whose answer was
  lost: it may have been charged, its id is unknown, so it is reported (not collected);
* ``output_<i>.bin`` - the raw outputs, saved as soon as they are downloaded (FASHN's
  base64 outputs live about an hour; OpenAI-compatible answers are kept here before they
  are written to the output folder), so a crash after downloading loses nothing.

The folder is removed only after the caller has saved the final images. An entry that
cannot be read is reported with its path (``scan``), never skipped in silence.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from editor.core.atomic import atomic_write, describe_os_error, fsync_dir, try_lock
from editor.core.codec import pack_mask_bits, write_npy, write_npz
from editor.core.errors import ExportError
from editor.core.paths import app_data_dir

ENTRY = "entry.json"
SENDING = "sending.json"
FORMAT_VERSION = 1
_STALE_STAGING_S = 24 * 3600


@dataclass(slots=True)
class JournalEntry:
    """One accepted remote job (JSON-serialisable)."""

    token: str
    job_id: str
    service: str  # 'fashn' | 'openai'
    base_url: str
    schema: str = "current"
    created: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)
    crop: list[int] | None = None  # x0, y0, x1, y1 of the focus crop in source pixels
    source_size: list[int] = field(default_factory=list)  # w, h
    source_path: str | None = None
    has_source: bool = False
    has_mask: bool = False
    out_dir: str | None = None
    outputs: list[str] = field(default_factory=list)  # raw output files, once downloaded
    credits_used: float | None = None
    fingerprint: str = ""  # of the submission (as in sending.json and a batch record)
    version: int = FORMAT_VERSION


CLAIM = "claim.lock"


@dataclass(slots=True)
class InFlight:
    """A submission that was being sent when its process stopped (no job id known)."""

    folder: Path
    service: str
    base_url: str
    fingerprint: str
    sent_at: float
    out_dir: str | None = None


@dataclass(slots=True)
class JournalScan:
    """Everything in the journal: jobs to collect, entries that could not be read (with
    the reason, one line each) and submissions whose answer was lost."""

    entries: list[JournalEntry] = field(default_factory=list)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)
    in_flight: list[InFlight] = field(default_factory=list)


class Journal:
    """Jobs on disk in ``path`` (default ``app_data_dir()/journal``)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.dir = Path(path) if path is not None else app_data_dir() / "journal"

    # -- writing -------------------------------------------------------------------------
    def stage(self, *, source: np.ndarray | None = None, mask: np.ndarray | None = None) -> Path:
        """Create a job folder holding what paste-back needs; returns it (no entry yet).
        CPU/disk work: call it from a worker thread."""
        folder = self.dir / f"job-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:10]}"
        try:
            folder.mkdir(parents=True, mode=0o700)
            if source is not None:
                # written from the array's own memory a band at a time (np.save to a
                # stream holds the interpreter lock ~30 ms at 100 MP): the same bytes
                atomic_write(folder / "source.npy", lambda fh: write_npy(source, fh), mode=0o600)
            if mask is not None:
                # the same archive as np.savez(shape=, bits=np.packbits(mask > 0)), made
                # a band at a time with the interpreter lock free (see codec.write_npz)
                arrays = {"shape": np.asarray(mask.shape), "bits": pack_mask_bits(mask)}
                atomic_write(folder / "mask.npz", lambda fh: write_npz(fh, arrays), mode=0o600)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise ExportError(
                describe_os_error(exc, folder, "write the job journal in")
                + " Nothing was sent and nothing was charged."
            ) from None
        return folder

    def claim(self, folder: Path) -> BinaryIO | None:
        """Hold a job folder while this process follows the job (an OS lock, released
        when the file is closed or the process dies); None when another process (an
        editor or `resume`) holds it, so a job is never collected twice at once."""
        try:
            fh = open(folder / CLAIM, "a+b")  # noqa: SIM115 - held open on purpose
        except OSError:
            return None
        if try_lock(fh):
            return fh
        fh.close()
        return None

    def mark_sending(
        self,
        folder: Path,
        *,
        service: str,
        base_url: str,
        fingerprint: str,
        out_dir: str | None = None,
    ) -> None:
        """Durably record, just before sending, that a submission is about to leave (so a
        crash while it is in flight is reported, never forgotten). Raises ExportError
        when it cannot be written: then nothing may be sent."""
        record = {
            "service": service,
            "base_url": base_url,
            "fingerprint": fingerprint,
            "out_dir": out_dir,
            "sent_at": time.time(),
        }
        try:
            atomic_write(folder / SENDING, json.dumps(record).encode(), mode=0o600)
        except OSError as exc:
            raise ExportError(
                describe_os_error(exc, folder, "write the job journal in")
                + " Nothing was sent and nothing was charged."
            ) from None

    def commit(self, folder: Path, entry: JournalEntry) -> JournalEntry:
        """Write ``entry.json`` into a staged folder (atomic, fsynced). Synchronous on
        purpose: nothing may happen between learning a job id and recording it."""
        entry.token = folder.name
        entry.created = entry.created or time.time()
        entry.has_source = (folder / "source.npy").exists()
        entry.has_mask = (folder / "mask.npz").exists()
        self._write(entry)
        return entry

    def save_outputs(self, entry: JournalEntry, raws: list[bytes]) -> None:
        """Keep the downloaded outputs with the job (worker thread)."""
        folder = self.dir / entry.token
        names = []
        try:
            for i, raw in enumerate(raws):
                name = f"output_{i}.bin"
                atomic_write(folder / name, raw, mode=0o600)
                names.append(name)
        except OSError as exc:
            # a job exists: never advise "try again" (that would pay twice)
            raise ExportError(
                describe_os_error(exc, folder, "save outputs in", advise=False)
            ) from None
        entry.outputs = names
        self._write(entry)

    def _write(self, entry: JournalEntry) -> None:
        folder = self.dir / entry.token
        data = json.dumps(asdict(entry), indent=1).encode()
        try:
            atomic_write(folder / ENTRY, data, mode=0o600)
        except OSError as exc:
            raise ExportError(
                describe_os_error(exc, folder, "write the job journal in", advise=False)
            ) from None

    def discard(self, folder: Path | None) -> None:
        """Drop a staged folder whose submission never produced a job id."""
        if folder is not None and not (folder / ENTRY).exists():
            shutil.rmtree(folder, ignore_errors=True)

    def discard_entry(self, folder: Path) -> None:
        """Drop a folder whose entry could not be completed (its job is followed from
        memory instead)."""
        try:
            (folder / ENTRY).unlink(missing_ok=True)
        except OSError:
            pass
        shutil.rmtree(folder, ignore_errors=True)

    def remove(self, entry: JournalEntry | str) -> None:
        """Forget a job (its outputs are saved, it failed, or it expired)."""
        if isinstance(entry, str):
            found = [e for e in self.entries() if e.job_id == entry or e.token == entry]
        else:
            found = [entry]
        for item in found:
            folder = self.dir / item.token
            try:
                (folder / ENTRY).unlink(missing_ok=True)
            except OSError:
                continue
            fsync_dir(folder)
            shutil.rmtree(folder, ignore_errors=True)

    # -- reading -------------------------------------------------------------------------
    def entries(self) -> list[JournalEntry]:
        """Unfinished jobs, oldest first (``scan`` also reports unreadable entries and
        lost submissions; this keeps only the jobs that can be collected)."""
        return self.scan(include_in_flight=False).entries

    def scan(self, *, include_in_flight: bool = True) -> JournalScan:
        """Read the whole journal. Staging folders left by a crash before anything was
        sent are cleaned up after a day; folders whose submission was in flight when its
        process died (``sending.json``, no ``entry.json``, not held by a live process)
        are listed in ``in_flight`` when ``include_in_flight``."""
        scan = JournalScan()
        if not self.dir.is_dir():
            return scan
        now = time.time()
        try:
            folders = sorted(self.dir.iterdir())
        except OSError as exc:
            scan.unreadable.append((self.dir, describe_os_error(exc, self.dir, "read")))
            return scan
        for folder in folders:
            if not folder.is_dir():
                continue
            path = folder / ENTRY
            if not path.exists():
                if (folder / SENDING).exists():
                    if include_in_flight:
                        self._in_flight(folder, scan)
                    continue
                try:
                    if now - folder.stat().st_mtime > _STALE_STAGING_S:
                        shutil.rmtree(folder, ignore_errors=True)
                except OSError:
                    pass
                continue
            try:
                data = json.loads(path.read_text())
                known = set(JournalEntry.__dataclass_fields__)
                entry = JournalEntry(**{k: v for k, v in data.items() if k in known})
                if not isinstance(entry.job_id, str) or not entry.job_id:
                    raise ValueError("it names no job id")
            except (OSError, ValueError, TypeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else str(exc)
                scan.unreadable.append((path, " ".join(f"{reason}".split())[:200]))
                continue
            entry.token = folder.name
            scan.entries.append(entry)
        scan.entries.sort(key=lambda e: e.created)
        return scan

    def _in_flight(self, folder: Path, scan: JournalScan) -> None:
        claim = self.claim(folder)
        if claim is None:
            return  # a running process is still sending it
        claim.close()
        path = folder / SENDING
        try:
            data = json.loads(path.read_text())
            scan.in_flight.append(
                InFlight(
                    folder=folder,
                    service=str(data.get("service") or "fashn"),
                    base_url=str(data.get("base_url") or ""),
                    fingerprint=str(data.get("fingerprint") or ""),
                    sent_at=float(data.get("sent_at") or 0.0),
                    out_dir=data.get("out_dir"),
                )
            )
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            scan.unreadable.append((path, " ".join(f"{reason}".split())[:200]))

    def drop(self, folder: Path) -> None:
        """Remove a reported lost submission's folder (it has nothing to collect)."""
        if not (folder / ENTRY).exists():
            shutil.rmtree(folder, ignore_errors=True)

    def get(self, job_id: str) -> JournalEntry | None:
        return next((e for e in self.entries() if e.job_id == job_id), None)

    def load_source(self, entry: JournalEntry) -> np.ndarray | None:
        path = self.dir / entry.token / "source.npy"
        return np.load(path) if path.exists() else None

    def load_mask(self, entry: JournalEntry) -> np.ndarray | None:
        path = self.dir / entry.token / "mask.npz"
        if not path.exists():
            return None
        with np.load(path) as data:
            shape = tuple(int(v) for v in data["shape"])
            flat = np.unpackbits(data["bits"])[: shape[0] * shape[1]]
        return (flat.reshape(shape) * 255).astype(np.uint8)

    def load_outputs(self, entry: JournalEntry) -> list[bytes]:
        return [(self.dir / entry.token / name).read_bytes() for name in entry.outputs]
