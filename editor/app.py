"""GUI entry point: ``mask-editor [IMAGE] [--version] [--self-check]``."""

from __future__ import annotations

import argparse
import sys

from editor import __version__


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="mask-editor", description="Mask editor for AI image edits"
    )
    parser.add_argument("image", nargs="?", help="photo to open")
    parser.add_argument("--version", action="version", version=f"mask-editor {__version__}")
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="load Qt offscreen, open a generated image, run the local engine once, exit",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.self_check:
        from editor.selfcheck import run_self_check

        return run_self_check()
    from editor.ui.launch import launch

    return launch(args.image)


if __name__ == "__main__":
    sys.exit(main())
