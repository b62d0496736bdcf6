"""The sub-commands: edit, estimate, credits, resume, sandbox."""

from __future__ import annotations

import argparse
import asyncio
import functools
from pathlib import Path

import numpy as np

from editor.cli import interrupts
from editor.cli.output import check_out_dir, print_path, save_variants, say
from editor.cli.parser import check_num_images, option_values
from editor.core.errors import EditorError, ExportError, ValidationError
from editor.core.options import options_for, split_values
from editor.core.request import EditRequest

EXIT_OK, EXIT_USAGE, EXIT_SERVICE, EXIT_NETWORK = 0, 2, 3, 4

_last_status = [""]


def report_event(event: object) -> None:
    """Progress on stderr (``say`` redacts whatever the server sent)."""
    from editor.backends.base import JobProgress, JobStatus, JobSubmitted

    if isinstance(event, JobSubmitted):
        say(f"submitted job {event.job_id}")
    elif isinstance(event, JobStatus):
        _last_status[0] = event.status
        say(f"status: {event.status} ({event.elapsed:.0f} s)")
    elif isinstance(event, JobProgress) and event.message and event.partial is None:
        if _last_status[0] and event.message.startswith(_last_status[0]):
            return  # a poll that only repeats the status already printed
        say(event.message)


def cmd_edit(args: argparse.Namespace) -> int:
    from editor.backends import default_backend_kind, make_backend
    from editor.backends.journal import Journal
    from editor.backends.phases import JobTracker
    from editor.backends.specs import spec_for
    from editor.core.image import load_image
    from editor.core.mask import load_mask

    kind = args.backend or default_backend_kind()
    problem = check_num_images(kind, args.num_images)
    if problem:
        raise ValidationError(problem)
    if not spec_for(kind).remote and args.base_url:
        raise EditorError(
            f"--base-url is for engines reached over the network; {spec_for(kind).display_name}"
            " needs none."
        )
    source = load_image(args.image)
    h, w = source.pixels.shape[:2]
    mask = load_mask(args.mask, (h, w)) if args.mask else None
    context = load_image(args.context).pixels if args.context else None
    out = check_out_dir(Path(args.out))
    request = request_from_args(args, source.pixels, mask, context)
    stem = Path(args.image).stem or "image"
    options: dict[str, str] = {}
    journal = Journal()
    where = {"source_path": str(Path(args.image).resolve()), "out_dir": str(out.resolve())}
    if spec_for(kind).remote:  # FASHN ids and OpenAI answers are journaled until saved
        options = dict(where)
    backend = make_backend(
        kind, base_url=args.base_url, journal=journal if options else None, **options
    )
    tracker = JobTracker(service=kind)
    interrupts.current[0] = tracker

    async def go() -> list[Path]:
        saved: list[Path] = []
        try:
            events = (
                backend.run(request)
                if kind == "local"
                else backend.run(  # type: ignore[call-arg]
                    request, tracker=tracker
                )
            )
            async for event in events:
                report_event(event)
                images = getattr(event, "images", None)
                if images is not None:
                    # saved inside the loop, and the loop then runs to its end: a paid job
                    # leaves the journal only after all its files are saved
                    saved = await asyncio.to_thread(
                        _save_or_keep, images, out, stem, args, kind, tracker
                    )
                    tracker.phase = "saved"
            return saved
        finally:
            await backend.aclose()

    for path in interrupts.run_async(go()):
        print_path(path)
    return EXIT_OK


def request_from_args(
    args: argparse.Namespace,
    image: np.ndarray,
    mask: np.ndarray | None,
    context: np.ndarray | None,
) -> EditRequest:
    """The request `edit` and `batch` send: the prompt, the engine options of the table
    (core.options) and the other flags they share."""
    from editor.core.request import EditRequest

    option_kwargs, option_extra = split_values(option_values(args), EditRequest)
    request = EditRequest(
        image=image,
        mask=mask,
        prompt=args.prompt or "",
        image_context=context,
        num_images=args.num_images,
        seed=args.seed,
        schema=args.schema,
        composite=False if args.no_composite else None,
        focus=args.focus,
        **option_kwargs,
    )
    request.options.update(option_extra)
    if args.model:
        request.openai.model = args.model
    return request


def _settings_of(args: argparse.Namespace, kind: str) -> dict[str, object]:
    settings: dict[str, object] = {
        "backend": kind,
        "prompt": args.prompt or "",
        "seed": args.seed,
        "num_images": args.num_images,
        "composite": not args.no_composite,
        "focus": bool(args.focus),
    }
    if kind == "fashn":
        settings["schema"] = args.schema
    for spec in options_for(kind, args.schema):  # the engine options it took (core.options)
        if spec.saved and spec.cli_flag:
            settings[spec.name] = getattr(args, spec.name)
    if kind == "openai":
        settings.update(model=args.model or "default")
    return settings


def _save_or_keep(
    images: list[np.ndarray],
    out: Path,
    stem: str,
    args: argparse.Namespace,
    kind: str,
    tracker: object,
    extra: dict[str, object] | None = None,
) -> list[Path]:
    """Save the variants to ``out``; when that fails, say where the paid results are.
    ``extra`` joins the PNG metadata settings (a batch names the shot)."""
    settings = {**_settings_of(args, kind), **(extra or {})}
    if kind == "local":
        return save_variants(images, out, stem, args.output_format, settings)
    try:
        return save_variants(images, out, stem, args.output_format, settings, advise=False)
    except ExportError as exc:
        job = getattr(tracker, "job_id", None)
        label = f"job {job}" if job else "the edit"
        if getattr(tracker, "recorded", False):
            raise ExportError(
                f"{exc} The paid results of {label} stay in the job journal; free some space "
                "or fix the folder, then run `mask-editor-cli resume`."
            ) from None
        return _save_elsewhere(images, stem, args, settings, label, exc)


def _save_elsewhere(
    images: list[np.ndarray],
    stem: str,
    args: argparse.Namespace,
    settings: dict[str, object],
    label: str,
    first: ExportError,
) -> list[Path]:
    """The journal could not keep the results either: try the app-data folder."""
    from editor.core.paths import app_data_dir

    spare = app_data_dir() / "recovered"
    try:
        spare.mkdir(parents=True, exist_ok=True)
        paths = save_variants(images, spare, stem, args.output_format, settings, advise=False)
    except (ExportError, OSError):
        raise ExportError(
            f"{first} The paid results of {label} could not be kept anywhere on this disk; "
            "they are lost unless the service still holds them: check its dashboard."
        ) from None
    say(f"warning: {first} The paid results of {label} were saved to {spare} instead.")
    return paths


def cmd_estimate(args: argparse.Namespace) -> int:
    from editor.backends.specs import SPECS

    est = SPECS["fashn"].estimate(
        schema=args.schema,
        resolution=args.resolution,
        mode=args.mode,
        num_images=args.num_images,
    )
    print(est.explanation)
    print(f"{est.credits} credits")
    return EXIT_OK


def cmd_credits(args: argparse.Namespace) -> int:
    from editor.backends import make_backend

    backend = make_backend("fashn", base_url=args.base_url)

    async def go() -> float | None:
        try:
            return await backend.credits()
        finally:
            await backend.aclose()

    total = interrupts.run_async(go())
    print(f"{total:g} credits" if total is not None else "unknown")
    return EXIT_OK


def cmd_resume(args: argparse.Namespace) -> int:
    from editor.backends.batch_state import note_collected, saved_outputs
    from editor.backends.journal import Journal, JournalEntry
    from editor.backends.phases import JobTracker
    from editor.backends.resume import resume_jobs
    from editor.core.paths import app_data_dir

    journal = Journal()
    scan = journal.scan()
    if not (scan.entries or scan.unreadable or scan.in_flight):
        say("no unfinished jobs")
        return EXIT_OK
    tracker = JobTracker(phase="accepted", recorded=True)
    interrupts.current[0] = tracker

    async def save(entry: JournalEntry, images: list[np.ndarray]) -> list[Path]:
        variants = int(entry.settings.get("num_images", 1))
        # a batch saved it (found by job id, or by the request's fingerprint)
        already = saved_outputs(entry.out_dir, entry.job_id, variants, entry.fingerprint)
        if already is not None:
            return already
        out = Path(entry.out_dir) if entry.out_dir else app_data_dir() / "recovered"
        check_out_dir(out)
        stem = Path(entry.source_path).stem if entry.source_path else "recovered"
        fmt = str(entry.settings.get("output_format", "png"))
        settings = {"backend": entry.service, **entry.settings, "job_id": entry.job_id}
        settings.pop("openai_square", None)
        try:
            paths = await asyncio.to_thread(
                functools.partial(save_variants, images, out, stem, fmt, settings, advise=False)
            )
            # a batch's re-run skips it
            note_collected(entry.out_dir, entry.job_id, paths, entry.fingerprint)
            return paths
        except ExportError as exc:
            raise ExportError(
                f"{exc} The results stay in the job journal; free some space or fix the "
                "folder, then run `mask-editor-cli resume` again."
            ) from None

    def on_event(entry: JournalEntry, event: object) -> None:
        tracker.service, tracker.job_id = entry.service, entry.job_id
        report_event(event)

    outcomes = interrupts.run_async(resume_jobs(journal, save, on_event=on_event))
    code = EXIT_OK
    for outcome in outcomes:
        if outcome.busy:
            say(f"job {outcome.job_id} is being collected by another running editor; skipped")
        for path in outcome.paths:
            print_path(path)
        if outcome.error is not None:
            if outcome.path is not None:
                say(f"error: {outcome.error}")
            else:
                label = "expired" if outcome.expired else "not collected"
                say(f"error: job {outcome.job_id} {label}: {outcome.error}")
            code = max(code, getattr(outcome.error, "exit_code", EXIT_USAGE))
    return code


def cmd_sandbox(args: argparse.Namespace) -> int:
    from editor.sandbox import serve

    serve(args.host, args.port, args.key)
    return EXIT_OK


COMMANDS = {
    "edit": cmd_edit,
    "estimate": cmd_estimate,
    "credits": cmd_credits,
    "resume": cmd_resume,
    "sandbox": cmd_sandbox,
}
