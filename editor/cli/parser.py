"""The argument parser of ``mask-editor-cli`` and the ranges it enforces.

Absurd values (more variants than the engine makes, a negative seed, an unknown
resolution) are refused here with one line and exit code 2, before anything is loaded,
sent or charged.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn

from editor import __version__
from editor.backends.specs import SPECS
from editor.core.options import OPTIONS, OptionSpec
from editor.core.request import GENERATION_MODES, RESOLUTIONS, SCHEMAS, SEED_MAX

# variants per job each engine makes (FASHN 1-4, OpenAI n 1-10, the offline fill as the
# window offers it), and the engines' names: both from the engine specs
NUM_IMAGES_MAX = {kind: spec.max_images for kind, spec in SPECS.items()}
ENGINE_NAMES = {kind: spec.display_name for kind, spec in SPECS.items()}


class OneLineParser(argparse.ArgumentParser):
    """Usage errors are one line on stderr (what is wrong, where to look), exit 2."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"error: {text} (see {self.prog} --help)\n")


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _num_images(text: str) -> int:
    value = _whole_number(text)
    top = max(NUM_IMAGES_MAX.values())
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    if value > top:
        raise argparse.ArgumentTypeError(f"must be at most {top} (engines make 1 to {top})")
    return value


def _seed(text: str) -> int:
    value = _whole_number(text)
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"must be from 0 to {SEED_MAX}, got {value}")
    return value


def _port(text: str) -> int:
    value = _whole_number(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 0 to 65535, got {value}")
    return value


def check_num_images(kind: str, n: int, flag: str = "--num-images") -> str | None:
    """One line when ``n`` variants is beyond what engine ``kind`` makes, else None."""
    top = NUM_IMAGES_MAX.get(kind)
    if top is not None and not 1 <= n <= top:
        name = ENGINE_NAMES.get(kind, kind)
        return f"{flag} {n} is beyond what {name} makes per job (1 to {top}); lower it."
    return None


def _option_type(spec: OptionSpec) -> Callable[[str], object]:
    def convert(text: str) -> object:
        if spec.kind == "int":
            value = _whole_number(text)
            if not spec.low <= value <= spec.high:
                raise argparse.ArgumentTypeError(
                    f"must be from {spec.low} to {spec.high}, got {value}"
                )
            return value
        return text

    return convert


def add_option_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per engine option of the table (core.options), its value in
    ``args.<option name>``."""
    for spec in OPTIONS:
        if not spec.cli_flag:
            continue
        if spec.kind == "bool":
            parser.add_argument(
                spec.cli_flag,
                dest=spec.name,
                action=argparse.BooleanOptionalAction,
                default=spec.default,
                help=spec.cli_help or None,
            )
        else:
            parser.add_argument(
                spec.cli_flag,
                dest=spec.name,
                choices=spec.choices or None,
                type=_option_type(spec),
                default=spec.default,
                help=spec.cli_help or None,
            )


def option_values(args: argparse.Namespace) -> dict[str, object]:
    """The table options' values given on the command line (or their defaults)."""
    return {spec.name: getattr(args, spec.name) for spec in OPTIONS if spec.cli_flag}


def _edit_options(p: argparse.ArgumentParser) -> None:
    """The options `edit` and `batch` share (what is sent and how results are saved)."""
    p.add_argument("--prompt", default="", metavar="TEXT", help="what to do in the mask")
    p.add_argument("--context", metavar="IMAGE", help="reference image (FASHN/OpenAI)")
    p.add_argument("--backend", choices=tuple(SPECS), help="default: fashn with a key, else local")
    p.add_argument("--base-url", metavar="URL", help="service URL (https, or http on loopback)")
    p.add_argument("--schema", choices=SCHEMAS, default="current")
    p.add_argument("--model", metavar="NAME", help="OpenAI model, e.g. gpt-image-1 or dall-e-2")
    add_option_flags(p)
    p.add_argument("--num-images", type=_num_images, default=1, metavar="N")
    p.add_argument("--seed", type=_seed, default=42, metavar="S")
    p.add_argument("--focus", action="store_true", help="send only the mask's surroundings")
    p.add_argument("--no-composite", action="store_true", help="keep the raw result")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per task)."""
    parser = OneLineParser(
        prog="mask-editor-cli", description="Masked AI image edits from the command line."
    )
    parser.add_argument("--version", action="version", version=f"mask-editor {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser
    )

    edit = sub.add_parser("edit", help="edit IMAGE inside MASK and write the variants to --out")
    edit.add_argument("image", metavar="IMAGE")
    edit.add_argument("--mask", metavar="MASK", help="mask file, white = edit, same size as IMAGE")
    _edit_options(edit)
    edit.add_argument("--out", required=True, metavar="DIR", help="folder for the results")

    batch = sub.add_parser(
        "batch", help="one mask and prompt over a folder of same-framed shots (see README)"
    )
    batch.add_argument("photos", nargs="+", metavar="FOLDER|PHOTO")
    batch.add_argument("--mask", required=True, metavar="MASK", help="the mask for every shot")
    _edit_options(batch)
    batch.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    batch.add_argument("--yes", action="store_true", help="send without asking (paid engines)")
    batch.add_argument("--dry-run", action="store_true", help="print the plan; send nothing")

    est = sub.add_parser("estimate", help="what a FASHN job costs")
    est.add_argument("--schema", choices=SCHEMAS, default="current")
    est.add_argument("--resolution", choices=RESOLUTIONS, required=True)
    est.add_argument("--mode", choices=GENERATION_MODES, required=True)
    est.add_argument("--num-images", type=_num_images, required=True, metavar="N")

    cred = sub.add_parser("credits", help="the FASHN account balance")
    cred.add_argument("--base-url", metavar="URL")

    sub.add_parser("resume", help="collect the results of unfinished jobs")

    sb = sub.add_parser("sandbox", help="serve a local FASHN/OpenAI-compatible test server")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=_port, default=8787)
    sb.add_argument("--key", default=None, help="accept only this bearer key (default: any)")
    return parser


def parse(argv: list[str] | None) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code of a usage error / --help / --version."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # usage errors (2) and --help / --version (0)
        return int(exc.code) if isinstance(exc.code, int) else 2
    if args.command == "estimate":
        problem = check_num_images("fashn", args.num_images)
        if problem:
            print(f"error: {problem}", file=sys.stderr, flush=True)
            return 2
    return args
