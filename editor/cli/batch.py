"""``mask-editor-cli batch FOLDER|PHOTO... --mask MASK``: one mask and prompt over many
same-framed shots, through ``editor.backends.batch.BatchRunner`` (the window's path too).

Before anything is sent it prints the number of shots and the credit estimate; a paid
engine then asks ``y/N`` on a terminal, and without a terminal it needs ``--yes`` (a
script never spends credits by accident). ``--dry-run`` prints the plan only.

Results go to ``--out`` as ``edit`` writes them (``<stem>-edit-<n>.<ext>``, claimed
atomically, PNG metadata), their paths on stdout as each shot is saved; one line per
shot state change on stderr, a progress bar when stderr is a terminal, and a summary.
``<out>/.mask-editor-batch.json`` records every shot sent, so running the same command
again continues: saved shots and paid jobs (journaled like ``edit``'s, collected by
``resume``) are never sent again.

Exit codes: 0 every shot done; 2 a shot was skipped (size, unreadable, sent before
without an answer, waiting in the journal) or refused, or the plan was declined; 3 the
service or the network failed a shot (3 wins over 2); 75 another batch is sending into
the same folder (nothing sent; try again later); 128 + signal when interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

import numpy as np

from editor.backends.base import Backend
from editor.backends.batch import (
    DONE,
    FAILED,
    SKIPPED,
    BatchRunner,
    BatchSummary,
    Shot,
    ShotEvent,
    plan_batch,
)
from editor.backends.batch_sources import collect_sources, probe_size
from editor.cli import interrupts
from editor.cli.commands import _save_or_keep, _settings_of, request_from_args
from editor.cli.output import check_out_dir, print_path, say
from editor.cli.parser import check_num_images
from editor.core.errors import EditorError, MaskError, ValidationError
from editor.core.request import EditRequest

EXIT_OK, EXIT_SKIPPED, EXIT_FAILED = 0, 2, 3
OTHER_REMOTE_CONCURRENCY = 4  # OpenAI-compatible servers: a polite number of edits at once


def concurrency_for(kind: str) -> int:
    """How many shots run at once: FASHN's per-key job limit, the cores for the offline
    fill (it runs in threads and releases the interpreter lock), a few for OpenAI."""
    from editor.backends.pacing import CONCURRENT_JOBS

    if kind == "fashn":
        return CONCURRENT_JOBS
    if kind == "local":
        return os.cpu_count() or 1
    return OTHER_REMOTE_CONCURRENCY


class Display:
    """One line per state change on stderr; a progress bar below them on a terminal."""

    def __init__(self, total: int, *, bar: bool) -> None:
        self.total = total
        self.bar = bar
        self.settled = {DONE: 0, SKIPPED: 0, FAILED: 0}
        self._bar_shown = False

    def line(self, text: str) -> None:
        self._clear()
        say(text)
        self._draw()

    def event(self, event: ShotEvent) -> None:
        shot = event.shot
        if event.state == "queued" and not event.detail:
            return  # every shot starts queued: not news
        outcome = shot.outcome
        if outcome is not None and event.state == shot.state:
            self.settled[outcome] += 1
        self.line(
            f"[{shot.index + 1}/{self.total}] {event.detail or f'{shot.name}: {event.state}'}"
        )
        if event.state == "done":
            self._clear()
            for path in shot.outputs:
                print_path(path)
            self._draw()

    def _clear(self) -> None:
        if self._bar_shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self._bar_shown = False

    def _draw(self) -> None:
        if not self.bar or not self.total:
            return
        done = sum(self.settled.values())
        width = 30
        filled = width * done // self.total
        sys.stderr.write(
            f"[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}  "
            f"done {self.settled[DONE]}  skipped {self.settled[SKIPPED]}  "
            f"failed {self.settled[FAILED]}"
        )
        sys.stderr.flush()
        self._bar_shown = True

    def close(self) -> None:
        self._clear()


def _load_mask(path: str) -> tuple[np.ndarray, tuple[int, int]]:
    from editor.core.mask import load_mask

    try:
        w, h = probe_size(Path(path))
    except FileNotFoundError:
        raise MaskError(f"Cannot open mask {path}: the file does not exist.") from None
    except (OSError, ValueError, SyntaxError):
        raise MaskError(
            f"Cannot open mask {path}: it is not a readable image; use a PNG mask."
        ) from None
    return load_mask(path, (h, w)), (w, h)


def cmd_batch(args: argparse.Namespace) -> int:
    from editor.backends import default_backend_kind, make_backend
    from editor.backends.batch_state import BatchState, request_fingerprint
    from editor.backends.journal import Journal
    from editor.backends.keys import get_api_key
    from editor.backends.specs import spec_for
    from editor.core.image import load_image
    from editor.core.validation import ensure_valid

    kind = args.backend or default_backend_kind()
    spec = spec_for(kind)
    problem = check_num_images(kind, args.num_images)
    if problem:
        raise ValidationError(problem)
    if not spec.remote and args.base_url:
        raise EditorError(
            f"--base-url is for engines reached over the network; {spec.display_name} needs none."
        )
    api_key = get_api_key(kind) if spec.needs_key else None
    if spec.needs_key and not api_key:
        raise ValidationError(spec.no_key_message)
    mask, (mw, mh) = _load_mask(args.mask)
    context = load_image(args.context).pixels if args.context else None
    # the settings every shot shares are checked once, not refused shot by shot
    ensure_valid(request_from_args(args, np.zeros((mh, mw, 3), np.uint8), mask, context), kind)
    out = check_out_dir(Path(args.out))
    sources = collect_sources([Path(p) for p in args.photos], [Path(args.mask)], out)
    if not sources:
        raise ValidationError("No photos to edit; name a folder or photo files.")
    settings = _settings_of(args, kind)
    base_url = args.base_url or spec.default_url
    fingerprint = request_fingerprint(
        mask,
        {
            **settings,
            "base_url": base_url,
            "format": args.output_format,
            "context": _digest(context),
        },
    )
    state = BatchState(out)
    journal = Journal() if spec.remote else None
    shots = plan_batch(sources, (mw, mh), fingerprint, state, journal, variants=args.num_images)
    estimate = spec.estimate(
        schema=args.schema,
        resolution=args.resolution,
        mode=args.generation_mode,
        num_images=args.num_images,
    )
    display = Display(len(shots), bar=sys.stderr.isatty() and not args.dry_run)
    for shot in shots:
        if shot.outcome is not None:
            display.settled[shot.outcome] += 1
            display.line(f"[{shot.index + 1}/{len(shots)}] {shot.detail}")
    to_send = [s for s in shots if s.to_send]
    credits = estimate.credits * len(to_send) if spec.remote else 0
    plan = _plan_line(spec.display_name, shots, to_send, credits, estimate.explanation, spec.remote)
    if args.dry_run:
        print(plan)
        for shot in to_send:
            print(f"would send {shot.path}")
        return EXIT_SKIPPED if any(s.outcome != DONE for s in shots if not s.to_send) else EXIT_OK
    say(plan)
    if to_send and spec.remote and not args.yes and not _confirm(credits, len(to_send)):
        return EXIT_SKIPPED

    def make_request(shot: Shot) -> EditRequest:
        image = load_image(shot.path).pixels
        if image.shape[:2] != mask.shape:
            raise MaskError(f"{image.shape[1]}x{image.shape[0]} but the mask is {mw}x{mh}; skipped")
        return request_from_args(args, image, mask, context)

    def backend_for(shot: Shot) -> Backend:
        if not spec.remote:
            return make_backend(kind)
        return make_backend(
            kind, base_url=args.base_url, api_key=api_key, journal=journal,
            source_path=str(shot.path.resolve()), out_dir=str(out.resolve()),
        )  # fmt: skip

    def save(shot: Shot, images: list[np.ndarray], job_id: str | None) -> list[Path]:
        tracker = runner.trackers.get(shot.index)
        stem = shot.path.stem or "image"
        return _save_or_keep(images, out, stem, args, kind, tracker, {"batch_shot": shot.key})

    runner = BatchRunner(
        shots, service=kind, make_request=make_request, make_backend=backend_for, save=save,
        concurrency=concurrency_for(kind), state=state, journal=journal,
        estimate=float(estimate.credits) if spec.remote else 0.0, on_event=display.event,
    )  # fmt: skip
    try:
        summary = interrupts.run_async(runner.run())
    except (KeyboardInterrupt, asyncio.CancelledError):
        display.close()
        say(f"error: {_interrupt_line(runner, kind)}")
        return interrupts.exit_code()
    finally:
        display.close()
    _print_summary(summary, spec.remote)
    if summary.count(FAILED):
        return EXIT_FAILED
    return EXIT_SKIPPED if summary.count(SKIPPED) else EXIT_OK


def _digest(array: np.ndarray | None) -> str:
    import hashlib

    return "" if array is None else hashlib.sha256(array.tobytes()).hexdigest()[:16]


def _plan_line(
    name: str, shots: list[Shot], to_send: list[Shot], credits: int, each: str, paid: bool
) -> str:
    settled = len(shots) - len(to_send)
    already = f" ({settled} not to send, listed above)" if settled else ""
    if not paid:
        return f"{len(to_send)} shot(s) to edit with {name}{already}; no credits are charged."
    return (
        f"{len(to_send)} shot(s) to send to {name}{already}: about {credits} credits in all "
        f"({each} each)."
    )


def _confirm(credits: int, count: int) -> bool:
    """Ask on a terminal; without one, refuse (``--yes`` is the way to spend in a script)."""
    if not sys.stdin.isatty():
        say(
            f"error: sending {count} paid job(s) needs confirmation; no terminal to ask on, "
            "so nothing was sent: add --yes to go on."
        )
        return False
    sys.stderr.write(f"Send {count} job(s) for about {credits} credits? [y/N] ")
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline().strip().lower()
    except (OSError, KeyboardInterrupt):
        answer = ""
    if answer not in ("y", "yes"):
        say("nothing was sent.")
        return False
    return True


def _interrupt_line(runner: BatchRunner, kind: str) -> str:
    """What an interrupt means for the money of the shots in flight."""
    from editor.backends.phases import PREPARING, SENDING

    what = "Stopped by SIGTERM" if interrupts.received[-1:] == [signal.SIGTERM] else "Interrupted"
    if kind == "local":
        return (
            f"{what}: the offline fill charges nothing; run the same command again to "
            "finish the remaining shots."
        )
    open_shots = [s for s in runner.shots if s.outcome is None]
    phases = [runner.trackers[s.index].phase for s in open_shots if s.index in runner.trackers]
    kept = sum(1 for p in phases if p not in (SENDING, PREPARING))
    sending = sum(1 for p in phases if p == SENDING)
    text = f"{what}: shots not yet sent were not sent and cost nothing."
    if kept:
        text += (
            f" {kept} accepted job(s) are kept in the job journal: `mask-editor-cli resume` "
            "collects them."
        )
    if sending:
        text += (
            f" {sending} job(s) were being sent and may have been charged; they will not be "
            "sent again."
        )
    return text + " Run the same command again to continue."


def _print_summary(summary: BatchSummary, paid: bool) -> None:
    rows = [
        ("done", str(summary.count(DONE))),
        ("skipped", str(summary.count(SKIPPED))),
        ("failed", str(summary.count(FAILED))),
        ("credits", f"{summary.credits:g}" if paid else "0 (offline)"),
        ("time", f"{summary.seconds:.1f} s"),
    ]
    lines = ["batch summary", *(f"  {label:<8} {value:>12}" for label, value in rows)]
    print("\n".join(lines), file=sys.stderr, flush=True)  # our own figures: nothing to redact
