"""Headless entry point ``mask-editor-cli``: edit, batch, estimate, credits, resume, sandbox.

Exit codes: 0 done; 2 bad input or usage; 3 the service refused or failed the job;
4 network trouble; 128 + signal when interrupted (130 Ctrl+C, 143 SIGTERM). Expected
failures print one line ``error: ...`` on stderr; an interrupt prints one line saying
what happened to the money. API keys come from FASHN_API_KEY / OPENAI_API_KEY or the
keyring, never from a flag.
"""

from __future__ import annotations

import asyncio
import logging
import os

from editor.cli.output import save_variants, say
from editor.cli.parser import build_parser
from editor.core.errors import EditorError

EXIT_OK, EXIT_USAGE, EXIT_SERVICE, EXIT_NETWORK = 0, 2, 3, 4

__all__ = ["build_parser", "main", "save_variants"]


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (never raises for expected failures)."""
    from editor.cli import interrupts
    from editor.cli.parser import parse

    interrupts.install()
    interrupts.current[0] = None
    interrupts.received.clear()
    try:
        args = parse(argv)
        if isinstance(args, int):
            return args
        from editor.cli.batch import cmd_batch
        from editor.cli.commands import COMMANDS
        from editor.logs import setup_logging

        setup_logging()  # redacting rotating log in the app-data folder
        logging.raiseExceptions = False  # a full disk under the log never prints a traceback
        try:
            handlers = {**COMMANDS, "batch": cmd_batch}
            return int(handlers[args.command](args))
        except EditorError as exc:
            logging.getLogger("editor.cli").warning("%s failed: %s", args.command, exc)
            say(f"error: {exc}")
            return int(getattr(exc, "exit_code", EXIT_USAGE))
        except OSError as exc:
            from editor.core.atomic import describe_os_error

            say(f"error: {describe_os_error(exc, exc.filename or '', 'use')}")
            return EXIT_USAGE
    except (KeyboardInterrupt, asyncio.CancelledError):
        text = interrupts.message()
        logging.getLogger("editor.cli").warning("%s", text)
        say(f"error: {text}")
        return interrupts.exit_code()
    except Exception as exc:
        if os.environ.get("MASK_EDITOR_DEBUG"):
            raise
        say(f"error: unexpected {type(exc).__name__}: {exc} (set MASK_EDITOR_DEBUG=1 for details)")
        return 1
