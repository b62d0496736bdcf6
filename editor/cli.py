"""Headless entry point ``mask-editor-cli``: edit, estimate, credits, resume, sandbox.

Exit codes: 0 done; 2 bad input or usage; 3 the service refused or failed the job;
4 network trouble. Expected failures print one line ``error: ...`` on stderr.
API keys come from FASHN_API_KEY / OPENAI_API_KEY or the keyring, never from a flag.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import uuid
from pathlib import Path

import numpy as np

from editor import __version__
from editor.core.errors import EditorError, ExportError
from editor.core.request import BACKENDS, GENERATION_MODES, RESOLUTIONS, SCHEMAS

EXIT_OK, EXIT_USAGE, EXIT_SERVICE, EXIT_NETWORK = 0, 2, 3, 4


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _positive(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per task)."""
    parser = argparse.ArgumentParser(
        prog="mask-editor-cli", description="Masked AI image edits from the command line."
    )
    parser.add_argument("--version", action="version", version=f"mask-editor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    edit = sub.add_parser("edit", help="edit IMAGE inside MASK and write the variants to --out")
    edit.add_argument("image", metavar="IMAGE")
    edit.add_argument("--mask", metavar="MASK", help="mask file, white = edit, same size as IMAGE")
    edit.add_argument("--prompt", default="", metavar="TEXT", help="what to do in the mask")
    edit.add_argument("--context", metavar="IMAGE", help="reference image (FASHN/OpenAI)")
    edit.add_argument("--backend", choices=BACKENDS, help="default: fashn with a key, else local")
    edit.add_argument("--base-url", metavar="URL", help="service URL (https, or http on loopback)")
    edit.add_argument("--schema", choices=SCHEMAS, default="current")
    edit.add_argument("--model", metavar="NAME", help="OpenAI model, e.g. gpt-image-1 or dall-e-2")
    edit.add_argument("--resolution", choices=RESOLUTIONS, default="1k")
    edit.add_argument("--mode", choices=GENERATION_MODES, default="auto")
    edit.add_argument("--num-images", type=_positive, default=1, metavar="N")
    edit.add_argument("--seed", type=_whole_number, default=42, metavar="S")
    edit.add_argument("--format", choices=("png", "jpeg"), default="png")
    edit.add_argument("--focus", action="store_true", help="send only the mask's surroundings")
    edit.add_argument("--no-composite", action="store_true", help="keep the raw result")
    edit.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    edit.set_defaults(func=cmd_edit)

    est = sub.add_parser("estimate", help="what a FASHN job costs")
    est.add_argument("--schema", choices=SCHEMAS, default="current")
    est.add_argument("--resolution", choices=RESOLUTIONS, required=True)
    est.add_argument("--mode", choices=GENERATION_MODES, required=True)
    est.add_argument("--num-images", type=_positive, required=True, metavar="N")
    est.set_defaults(func=cmd_estimate)

    cred = sub.add_parser("credits", help="the FASHN account balance")
    cred.add_argument("--base-url", metavar="URL")
    cred.set_defaults(func=cmd_credits)

    res = sub.add_parser("resume", help="collect the results of unfinished jobs")
    res.set_defaults(func=cmd_resume)

    sb = sub.add_parser("sandbox", help="serve a local FASHN/OpenAI-compatible test server")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=8787)
    sb.add_argument("--key", default=None, help="accept only this bearer key (default: any)")
    sb.set_defaults(func=cmd_sandbox)
    return parser


# -- output ------------------------------------------------------------------------------
def _check_out_dir(out: Path) -> Path:
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
) -> list[Path]:
    """Write each variant as ``<stem>-edit-<n>.<ext>`` (never overwriting a file); PNGs
    carry the prompt, seed and settings as text metadata (never a key)."""
    from editor.core.atomic import atomic_write, export_error
    from editor.core.codec import encode_jpeg, encode_png

    ext = "jpg" if fmt == "jpeg" else "png"
    paths = []
    n = 1
    for image in images:
        while (path := out / f"{stem}-edit-{n}.{ext}").exists():
            n += 1
        if fmt == "jpeg":
            data = encode_jpeg(image, 95)
        else:
            data = encode_png(image, compress_level=6, text=_png_text(settings, n))
        try:
            atomic_write(path, data)
        except OSError as exc:
            raise export_error(exc, path, "write") from None
        paths.append(path)
        n += 1
    return paths


def _print_path(path: Path) -> None:
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


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


_last_status = [""]


def _report_event(event: object) -> None:
    from editor.backends.base import JobProgress, JobStatus, JobSubmitted

    if isinstance(event, JobSubmitted):
        _say(f"submitted job {event.job_id}")
    elif isinstance(event, JobStatus):
        _last_status[0] = event.status
        _say(f"status: {event.status} ({event.elapsed:.0f} s)")
    elif isinstance(event, JobProgress) and event.message and event.partial is None:
        if _last_status[0] and event.message.startswith(_last_status[0]):
            return  # a poll that only repeats the status already printed
        _say(event.message)


# -- commands ------------------------------------------------------------------------------
def cmd_edit(args: argparse.Namespace) -> int:
    from editor.backends import default_backend_kind, make_backend
    from editor.backends.journal import Journal
    from editor.core.image import load_image
    from editor.core.mask import load_mask
    from editor.core.request import EditRequest

    source = load_image(args.image)
    h, w = source.pixels.shape[:2]
    mask = load_mask(args.mask, (h, w)) if args.mask else None
    context = load_image(args.context).pixels if args.context else None
    kind = args.backend or default_backend_kind()
    out = _check_out_dir(Path(args.out))
    request = EditRequest(
        image=source.pixels,
        mask=mask,
        prompt=args.prompt or "",
        image_context=context,
        resolution=args.resolution,
        generation_mode=args.mode,
        num_images=args.num_images,
        seed=args.seed,
        output_format=args.format,
        schema=args.schema,
        composite=False if args.no_composite else None,
        focus=args.focus,
    )
    if args.model:
        request.openai.model = args.model
    if kind == "local" and args.base_url:
        raise EditorError("--base-url is for fashn or openai; the local engine needs none.")
    stem = Path(args.image).stem or "image"
    options: dict[str, object] = {}
    if kind == "fashn":
        options = {"source_path": str(Path(args.image).resolve()), "out_dir": str(out.resolve())}
    backend = make_backend(
        kind, base_url=args.base_url, schema=args.schema, journal=Journal(), **options
    )

    async def go() -> list[Path]:
        saved: list[Path] = []
        try:
            async for event in backend.run(request):
                _report_event(event)
                images = getattr(event, "images", None)
                if images is not None:
                    # saved inside the loop, and the loop then runs to its end: a remote
                    # job leaves the journal only after its outputs are saved
                    saved = await asyncio.to_thread(_save_or_keep, images, out, stem, args, kind)
            return saved
        finally:
            await backend.aclose()

    for path in asyncio.run(go()):
        _print_path(path)
    return EXIT_OK


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
        settings.update(resolution=args.resolution, generation_mode=args.mode, schema=args.schema)
    elif kind == "openai":
        settings.update(model=args.model or "default")
    return settings


def _save_or_keep(
    images: list[np.ndarray], out: Path, stem: str, args: argparse.Namespace, kind: str
) -> list[Path]:
    try:
        return save_variants(images, out, stem, args.format, _settings_of(args, kind))
    except ExportError as exc:
        if kind != "fashn":
            raise
        raise ExportError(
            f"{exc} The paid results stay in the job journal; fix the folder and run "
            "`mask-editor-cli resume`."
        ) from None


def cmd_estimate(args: argparse.Namespace) -> int:
    from editor.core.credits import estimate_credits

    est = estimate_credits(
        backend="fashn",
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

    total = asyncio.run(go())
    print(f"{total:g} credits" if total is not None else "unknown")
    return EXIT_OK


def cmd_resume(args: argparse.Namespace) -> int:
    from editor.backends.journal import Journal, JournalEntry
    from editor.backends.resume import resume_jobs
    from editor.core.paths import app_data_dir

    journal = Journal()
    if not journal.entries():
        _say("no unfinished jobs")
        return EXIT_OK

    async def save(entry: JournalEntry, images: list[np.ndarray]) -> list[Path]:
        out = Path(entry.out_dir) if entry.out_dir else app_data_dir() / "recovered"
        _check_out_dir(out)
        stem = Path(entry.source_path).stem if entry.source_path else "recovered"
        fmt = str(entry.settings.get("output_format", "png"))
        settings = {"backend": entry.service, **entry.settings, "job_id": entry.job_id}
        return await asyncio.to_thread(save_variants, images, out, stem, fmt, settings)

    def on_event(entry: JournalEntry, event: object) -> None:
        _report_event(event)

    outcomes = asyncio.run(resume_jobs(journal, save, on_event=on_event))
    code = EXIT_OK
    for outcome in outcomes:
        if outcome.busy:
            _say(f"job {outcome.job_id} is being collected by another running editor; skipped")
        for path in outcome.paths:
            _print_path(path)
        if outcome.error is not None:
            label = "expired" if outcome.expired else "not collected"
            _say(f"error: job {outcome.job_id} {label}: {outcome.error}")
            code = max(code, getattr(outcome.error, "exit_code", EXIT_USAGE))
    return code


def cmd_sandbox(args: argparse.Namespace) -> int:
    from editor.sandbox import serve

    serve(args.host, args.port, args.key)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (never raises for expected failures)."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # usage errors (2) and --help / --version (0)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    from editor.logs import setup_logging

    setup_logging()  # redacting rotating log in the app-data folder
    try:
        return int(args.func(args))
    except EditorError as exc:
        logging.getLogger("editor.cli").warning("%s failed: %s", args.command, exc)
        _say(f"error: {exc}")
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except KeyboardInterrupt:
        _say("error: interrupted")
        return 130
    except OSError as exc:
        from editor.core.atomic import describe_os_error

        _say(f"error: {describe_os_error(exc, exc.filename or '', 'use')}")
        return EXIT_USAGE
    except Exception as exc:
        if os.environ.get("MASK_EDITOR_DEBUG"):
            raise
        from editor.core.redact import redact

        _say(
            f"error: unexpected {type(exc).__name__}: {redact(str(exc))} "
            "(set MASK_EDITOR_DEBUG=1 for details)"
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
