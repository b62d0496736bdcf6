"""What every benchmark shares: the photo size it runs at and how it reports a figure.

    python tests/benchmarks/bench_X.py --size 11648x8736

``photo_size()`` reads ``--size WxH`` (default 6000x4000, 24 MP) and removes it from
``sys.argv`` so a benchmark's own argument handling never sees it. ``figure()`` prints
one figure as ``name: value unit`` and, when the environment variable ``BENCH_FIGURES``
names a file, appends it there as one JSON line, which is how ``table.py`` collects the
figures of one benchmark run at several sizes into one table.
"""

from __future__ import annotations

import json
import os
import sys

DEFAULT_SIZE = (6000, 4000)
SIZES = {"24": (6000, 4000), "102": (11648, 8736), "151": (14204, 10652)}


def parse_size(text: str) -> tuple[int, int]:
    """``"11648x8736"`` -> (11648, 8736); also the shorthands 24, 102 and 151 (MP)."""
    if text in SIZES:
        return SIZES[text]
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--size {text!r}: give WIDTHxHEIGHT in pixels, e.g. 11648x8736") from None
    if w < 64 or h < 64:
        raise SystemExit(f"--size {text!r}: each side needs at least 64 pixels")
    return w, h


def photo_size(default: tuple[int, int] = DEFAULT_SIZE) -> tuple[int, int]:
    """The ``--size WxH`` of this run (removed from sys.argv), else ``default``."""
    argv = sys.argv
    for i, arg in enumerate(argv):
        if arg == "--size" and i + 1 < len(argv):
            value = argv[i + 1]
            del argv[i : i + 2]
            return parse_size(value)
        if arg.startswith("--size="):
            del argv[i]
            return parse_size(arg.split("=", 1)[1])
    return default


def megapixels(size: tuple[int, int]) -> str:
    """(11648, 8736) -> "102 MP"."""
    return f"{size[0] * size[1] / 1e6:.0f} MP"


def figure(name: str, value: float, unit: str = "ms", note: str = "") -> None:
    """Print one figure (``name: value unit  note``) and record it for ``table.py``."""
    shown = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
    print(f"{name}: {shown} {unit}" + (f"  ({note})" if note else ""), flush=True)
    path = os.environ.get("BENCH_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"name": name, "value": value, "unit": unit}) + "\n")


def cpu_ticks() -> list[int]:
    """The machine's CPU time so far per kind (/proc/stat: user ... steal); [] elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return []


def steal_percent(before: list[int]) -> float | None:
    """The share of this machine's CPU time the hypervisor gave other virtual machines
    since ``before`` (``cpu_ticks()``): on a shared host, figures near a bar flip between
    runs when it is high. None where /proc/stat is not."""
    after = cpu_ticks()
    if not before or len(after) != len(before):
        return None
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return 100 * spent[7] / max(1, sum(spent))
