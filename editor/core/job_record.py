"""One job, from the moment it is sent until its results are saved (plain data, no Qt).

The window shows it, the autosave and session files store it, the CLI and batch can
fill it: there is one job type. Its results are ``variants`` (``editor.core.variant``):
each the window of a result that differs from ``source``; ``full(i)`` builds one whole.
Fields after ``created`` are what the window tracks while the job runs; the persistent
ones among them go into the session manifest (see ``to_manifest`` / ``from_manifest``).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from editor.core.redact import clean_settings, redact
from editor.core.variant import Variant

TERMINAL = ("completed", "failed", "cancelled")
INTERRUPTED = (
    "The editor stopped before this job finished; its results are collected at start "
    "when the service still has them."
)


def new_job_id() -> str:
    return f"job-{uuid.uuid4().hex[:12]}"


@dataclass
class JobRecord:
    """One sent job: what was asked, how it went, and what came back."""

    job_id: str = field(default_factory=new_job_id)  # identity in sessions and autosave
    prompt: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    variants: list[Variant] = field(default_factory=list)
    status: str = "starting"  # service status while running, then one of TERMINAL
    error: str = ""
    created: float = field(default_factory=time.time)
    backend: str = ""  # display name of the engine
    remote_id: str | None = None
    credits_used: float | None = None
    number: int = 0  # the number the window shows (#1, #2 ...)
    source: np.ndarray | None = None  # the image the job was run on
    source_index: int | None = None  # its place in the source history (stored)
    mask: np.ndarray | None = None
    expected_seconds: float | None = None
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    thumbs: list[np.ndarray] = field(default_factory=list)
    partial: np.ndarray | None = None

    @property
    def running(self) -> bool:
        return self.status not in TERMINAL

    def end(self, status: str, error: str = "") -> None:
        """The job is over: ``status`` is completed, failed or cancelled."""
        self.status, self.error, self.ended = status, error, time.monotonic()

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def quit_note(self) -> str:
        """What quitting now means for this running job, from what is known of its phase."""
        name = f"Job #{self.number}" if self.number else "A job"
        kind = str(self.settings.get("backend") or "")
        if kind == "local":
            return f"{name} runs on this computer: it stops and costs nothing."
        if self.remote_id:
            return (
                f"{name} was accepted by the service (id {self.remote_id}): it is kept, and the "
                "next start or `mask-editor-cli resume` collects its results."
            )
        if self.status == "queued-locally" or (kind == "openai" and self.status == "starting"):
            return f"{name} was not sent yet: it is dropped and costs nothing."
        return (
            f"{name} was sent but the service has not answered yet: it may have been created "
            "and charged; it will not be sent again."
        )

    def copy(self) -> JobRecord:
        """A copy whose lists and settings may be read in another thread."""
        return replace(self, variants=list(self.variants), settings=dict(self.settings),
                       thumbs=list(self.thumbs))  # fmt: skip

    def full(self, index: int) -> np.ndarray:
        """Variant ``index`` as the whole result (built from ``source``: a worker thread's
        job at large sizes; never mutate it, it may be the variant's own array)."""
        return self.variants[index].full(self.source)

    def full_images(self) -> list[np.ndarray]:
        """Every variant whole (a full-size copy each: for small images and tests)."""
        return [self.full(i) for i in range(len(self.variants))]

    def compacted(self) -> list[Variant]:
        """The variants with every whole one that fits ``source`` cut to its changed
        window (worker thread: reads every pixel; assign the result on the owner's
        thread). Results restored from files are whole until the source is known."""
        return [
            Variant.of(v.crop, self.source) if v.is_whole and self.source is not None else v
            for v in self.variants
        ]

    def set_images(self, images: list[np.ndarray]) -> None:
        """Keep whole results as variants against ``source`` (reads every pixel)."""
        self.variants = [Variant.of(image, self.source) for image in images]

    def metadata(self, index: int) -> dict[str, str]:
        """PNG text metadata for variant ``index``: prompt, seed, settings; never a key."""
        meta = {"Software": "mask-editor", "Prompt": self.prompt, "Backend": self.backend}
        for name, value in self.settings.items():
            secret = any(w in name.lower() for w in ("key", "token", "secret", "auth"))
            if name == "backend" or secret:
                continue
            meta[name.replace("_", " ").title()] = str(value)
        if "seed" in self.settings:
            meta["Seed"] = str(self.settings["seed"])
        meta["Variant"] = f"{index + 1} of {len(self.variants)}"
        if self.remote_id:
            meta["Job"] = self.remote_id
        return meta

    def summary(self) -> str:
        """One line of the job's settings for the results list."""
        parts = [self.backend]
        for name in ("schema", "resolution", "generation_mode", "model", "num_images", "seed"):
            if name in self.settings:
                parts.append(f"{name.replace('_', ' ')} {self.settings[name]}")
        return ", ".join(parts)

    def to_manifest(
        self, slot: int, variants: list[int], crops: dict[int, Variant] | None = None
    ) -> dict[str, Any]:
        """The manifest entry of this job (its images are separate members; those in
        ``crops`` hold only the variant's window: its box and full shape are listed)."""
        entry = {
            "slot": slot,
            "job_id": str(self.job_id),
            "prompt": self.prompt,
            "settings": clean_settings(self.settings),
            "status": self.status,
            "error": redact(self.error),
            "created": self.created,
            "images": variants,
            "backend": self.backend,
            "remote_id": self.remote_id,
            "credits_used": self.credits_used,
            "elapsed": round(self.elapsed, 1),
            "source": self.source_index,
        }
        if crops:
            kept = sorted(k for k in crops if k in variants)
            entry["crops"] = {str(k): crops[k].describe() for k in kept}
        return entry

    @classmethod
    def from_manifest(
        cls, entry: dict[str, Any], images: list[np.ndarray] | list[Variant]
    ) -> JobRecord:
        """A job read back from a manifest entry (older files kept the window's fields
        in ``settings["_window"]``: they are read from there too). ``images`` are its
        variants, or whole results (kept whole until ``compact`` knows the source)."""
        raw = entry.get("settings")
        settings = raw if isinstance(raw, dict) else {}
        old = settings.get("_window")
        meta = {**(old if isinstance(old, dict) else {})}
        meta.update({k: v for k, v in entry.items() if v is not None})
        settings = {k: v for k, v in settings.items() if not str(k).startswith("_")}
        credits, elapsed, source = (meta.get(k) for k in ("credits_used", "elapsed", "source"))
        record = cls(
            job_id=str(entry.get("job_id", "")),
            prompt=str(entry.get("prompt") or ""),
            settings=settings,
            variants=[i if isinstance(i, Variant) else Variant.whole(i) for i in images],
            status=str(entry.get("status") or "completed"),
            error=str(entry.get("error") or ""),
            created=float(entry.get("created") or 0.0),
            backend=str(meta.get("backend") or settings.get("backend") or ""),
            remote_id=str(meta["remote_id"]) if meta.get("remote_id") else None,
            credits_used=_number(credits),
            source_index=source
            if isinstance(source, int) and not isinstance(source, bool)
            else None,
        )
        record.started -= _number(elapsed) or 0.0
        if record.status in TERMINAL:  # its time is over: not counting on until shown
            record.ended = record.started + (_number(elapsed) or 0.0)
        return record


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
