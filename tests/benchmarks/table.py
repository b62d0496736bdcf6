"""Runs benchmarks at 24, 102 and 151 MP and prints one markdown table side by side.

    python tests/benchmarks/table.py [--sizes 24,102,151] [--only bench_core,bench_canvas]
        [--readme README.md] [--timeout 1800]

Each benchmark runs once per size in a fresh process (``--size WxH``, with
``BENCH_FIGURES`` naming a file its ``benchsize.figure()`` calls append to), so its peak
RSS is its own. The table has one row per figure, its value at each size, its growth
relative to the first size and, where the issue (13) sets one, the target at 102 MP and
whether it holds (at 151 MP the limit is 1.5x the target). A cost (ms, s, MB, GB) that
grows faster than the pixels is marked: that is a finding. A benchmark that fails at a
size shows its error line in that size's column. ``--readme`` also writes the table
between the ``<!-- bigphotos-table:start/end -->`` markers of that file.

By default it runs every benchmark here that reports through figure(), plus
bench_canvas, bench_window and bench_combine_window by name (a missing one is skipped
with a line saying so). Timings on a shared 2-core machine are noisy: the load average
before and after is printed with the table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from benchsize import SIZES, cpu_ticks, parse_size, steal_percent  # noqa: E402

ALWAYS = ("bench_canvas", "bench_window", "bench_combine_window")  # by name, see the brief
NOT_BENCHMARKS = {"benchsize", "table"}
# arguments that keep a benchmark to its size-bound part and a sane length at 151 MP
EXTRA_ARGS: dict[str, list[str]] = {
    "bench_fill_quality": ["--timing-only"],
    "bench_batch": ["--shots", "3", "--processing", "0.5"],
    "bench_backends": ["--runs", "1"],
    "gil_probe": ["--runs", "3"],
    "bench_combine_window": ["--fake"],
}
COSTS = {"ms": 1.0, "s": 1000.0, "kB": 1 / 1024, "MB": 1.0, "GB": 1024.0}
PEAK_RSS = "peak RSS of the process"  # added to every run's figures
STEAL = "CPU time taken by the hypervisor meanwhile (steal)"  # and this, on Linux


START, END = "<!-- bigphotos-table:start -->", "<!-- bigphotos-table:end -->"


@dataclass(frozen=True)
class Target:
    """A limit at 102 MP for figures of ``bench`` whose name matches ``pattern``;
    ``relative`` means "no more than ``limit`` x its value at the first size"."""

    bench: str
    pattern: str
    limit: float
    unit: str
    text: str
    relative: bool = False

    def matches(self, bench: str, name: str) -> bool:
        return bench == self.bench and re.search(self.pattern, name, re.IGNORECASE) is not None


# issue 13's targets; the patterns follow the figure names of each benchmark
TARGETS = (
    # measured against 24 MP inside one run (bench_core's interleaved ratio): apart, the
    # runs' noise is larger than the growth
    Target("bench_core", r"^offline fill .* vs the same hole at 24 MP", 1.25, "x", "<= 1.25x"),
    Target("bench_window", r"decode.*first paint|first paint", 2500, "ms", "<= 2.5 s"),
    Target("bench_window", r"job.*stall|stall.*job", 16, "ms", "<= 16 ms"),
    # "the window answering input throughout" the opening: the same bar as every stall
    Target("bench_window", r"^open JPEG: longest stall", 16, "ms", "<= 16 ms"),
    Target("bench_window", r"peak.*(memory|rss)", 2048, "MB", "<= 2.0 GB"),
    Target("bench_canvas", r"brush.*median", 1, "ms", "<= 1 ms"),
    Target("bench_canvas", r"brush.*p95", 3, "ms", "<= 3 ms"),
    Target("bench_canvas", r"longest UI stall$", 16, "ms", "<= 16 ms"),  # before undo/ops
    Target("bench_canvas", r"^(undo|redo) (?!stack)", 150, "ms", "<= 150 ms"),
    Target("bench_canvas", r"^(invert|clear|fill|grow|shrink|feather)\b", 400, "ms", "<= 400 ms"),
)


@dataclass
class Run:
    """One benchmark at one size: its figures in order, or the line it failed with."""

    figures: dict[str, tuple[float, str]] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def discover(folder: Path) -> list[str]:
    """Benchmarks in ``folder`` that report through figure(), then the named ones."""
    found = [
        p.stem
        for p in sorted(folder.glob("*.py"))
        if p.stem not in NOT_BENCHMARKS and re.search(r"\bfigure\(", p.read_text("utf-8"))
    ]
    return found + [name for name in ALWAYS if name not in found]


def error_line(stderr: str, stdout: str) -> str:
    """The one line that says why a run failed: a traceback's last line, else the last
    line written."""
    for text in (stderr, stdout):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1][:160]
    return "failed without a message"


def run_one(script: Path, size: tuple[int, int], args: list[str], timeout: float) -> Run:
    """``script --size WxH args`` in a fresh process; its figures, peak RSS or error."""
    with tempfile.TemporaryDirectory(prefix="benchtable-") as tmp:
        figures_file = Path(tmp) / "figures.jsonl"
        env = {
            **os.environ,
            "BENCH_FIGURES": str(figures_file),
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "PYTHONPATH": os.pathsep.join(
                [str(HERE), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        cmd = [sys.executable, str(script), "--size", f"{size[0]}x{size[1]}", *args]
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        started, ticks = time.monotonic(), cpu_ticks()
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
            status, usage = _wait(proc, started + timeout)
        run = Run(seconds=time.monotonic() - started)
        steal = steal_percent(ticks)
        if figures_file.exists():
            for line in figures_file.read_text("utf-8").splitlines():
                item = json.loads(line)
                run.figures[item["name"]] = (float(item["value"]), str(item["unit"]))
        if usage is not None:  # ru_maxrss is in kB on Linux
            run.figures[PEAK_RSS] = (usage.ru_maxrss / 1024, "MB")
        if steal is not None:
            run.figures[STEAL] = (steal, "%")
        stdout = out_path.read_text("utf-8", "replace")
        stderr = err_path.read_text("utf-8", "replace")
    if status is None:
        run.error = f"timed out after {timeout:.0f} s"
    elif status < 0:
        name = signal.Signals(-status).name
        run.error = f"killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    elif status > 0:
        run.error = error_line(stderr, stdout)
    return run


def _wait(proc: subprocess.Popen[bytes], deadline: float):  # type: ignore[no-untyped-def]
    """(exit status or -signal, rusage) of ``proc``; (None, None) after killing it at
    ``deadline``. os.wait4 gives this one child's own peak RSS."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            return None, None
        time.sleep(0.05)


def _steal_text(steal: float | None) -> str:
    return "" if steal is None else f"; the hypervisor took {steal:.0f} % of the CPU time"


def label(size: tuple[int, int]) -> str:
    mp = size[0] * size[1] / 1e6
    return f"{mp:.0f} MP" if mp >= 10 else f"{mp:.2g} MP"


def fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _target(bench: str, name: str) -> Target | None:
    return next((t for t in TARGETS if t.matches(bench, name)), None)


def _holds(target: Target, values: list[float | None], unit: str, sizes: list[str]) -> str:
    """ "yes"/"NO" at 102 MP, and at 151 MP against 1.5x the limit, when measured."""
    verdicts = []
    scales = {SIZES["102"]: ("102", 1.0), SIZES["151"]: ("151", 1.5)}
    for size, value in zip(sizes, values, strict=True):
        if parse_size(size) not in scales or value is None:
            continue
        size, scale = scales[parse_size(size)]
        if target.relative:
            base = values[0]
            if base is None or base <= 0:
                continue
            ok = value / base <= target.limit * scale
        elif unit in COSTS and target.unit in COSTS:
            ok = value * COSTS[unit] <= target.limit * COSTS[target.unit] * scale
        elif unit == target.unit:  # a ratio the benchmark measured itself
            ok = value <= target.limit * scale
        else:
            continue
        verdicts.append(f"{size} MP: {'yes' if ok else '**NO**'}")
    return ", ".join(verdicts)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(
    results: dict[str, dict[str, Run]], sizes: list[str], notes: list[str], header: str = ""
) -> str:
    """The markdown table (figure | unit | each size | growth | target | holds)."""
    dims = [parse_size(s) for s in sizes]
    pixels = [d[0] * d[1] for d in dims]
    growth_heads = [
        f"growth {label(d).split()[0]}/{label(dims[0]).split()[0]} (pixels {p / pixels[0]:.1f}x)"
        for d, p in zip(dims[1:], pixels[1:], strict=True)
    ]
    head = ["figure", "unit", *(label(d) for d in dims), *growth_heads, "target @102", "holds"]
    rows = [_row(head), "|" + "---|" * len(head)]
    findings = 0
    for bench, by_size in results.items():
        names: list[str] = []
        for size in sizes:
            run = by_size.get(size)
            names += [n for n in (run.figures if run else {}) if n not in names]
        for last in (PEAK_RSS, STEAL):  # last in its benchmark's rows
            if last in names:
                names.append(names.pop(names.index(last)))
        for name in names:
            runs = [by_size.get(size) for size in sizes]
            cells = [r.figures.get(name) if r else None for r in runs]
            unit = next(c[1] for c in cells if c is not None)
            values = [c[0] if c else None for c in cells]
            shown = [fmt(v) if v is not None else "-" for v in values]
            growths = []
            for value, p in zip(values[1:], pixels[1:], strict=True):
                base = values[0]
                if value is None or base is None or base <= 0:
                    growths.append("-")
                    continue
                g = value / base
                faster = unit in COSTS and g > p / pixels[0] and value > 0
                findings += faster
                growths.append(f"**{g:.1f}x** (faster)" if faster else f"{g:.1f}x")
            target = _target(bench, name)
            tcells = [target.text, _holds(target, values, unit, sizes)] if target else ["", ""]
            rows.append(_row([f"{bench}: {name}", unit, *shown, *growths, *tcells]))
        errors = [by_size[s].error if s in by_size else None for s in sizes]
        if any(errors):
            cells = [f"failed: {e}".replace("|", "/") if e else "ok" for e in errors]
            pad = [""] * len(growth_heads)
            rows.append(_row([f"{bench}: **error**", "", *cells, *pad, "", ""]))
    lines = [header] if header else []
    lines += rows
    lines.append("")
    lines.append(
        f"{findings} figure(s) marked **(faster)** grow faster than the pixels (a finding). "
        "Targets are issue 13's at 102 MP; at 151 MP the limit is 1.5x."
    )
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines)


def write_readme(path: Path, table: str, command: str) -> None:
    """Replace the text between the markers in ``path`` with the command and table."""
    text = path.read_text("utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path}: no {START} ... {END} markers to write the table between")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    block = f"{START}\n```sh\n{command}\n```\n\n{table}\n{END}"
    path.write_text(before + block + after, "utf-8")


def load() -> str:
    if not hasattr(os, "getloadavg"):
        return "n/a"
    return f"{os.getloadavg()[0]:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="24,102,151", help="24,102,151 or WxH,WxH,...")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--dir", type=Path, default=HERE, help="where the benchmarks are")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--readme", type=Path, help="also write the table into this file")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        parse_size(s)  # a clear one-line error for a bad size
    names = [n.strip() for n in args.only.split(",") if n.strip()] or discover(args.dir)
    notes: list[str] = []
    results: dict[str, dict[str, Run]] = {}
    load_before, started, ticks = load(), datetime.datetime.now(datetime.UTC), cpu_ticks()
    for name in names:
        script = args.dir / f"{name}.py"
        if not script.exists():
            notes.append(f"{name}: skipped (no {script.name} in this checkout)")
            print(notes[-1], file=sys.stderr, flush=True)
            continue
        if not re.search(r"\bfigure\(", script.read_text("utf-8")):
            notes.append(f"{name}: skipped (it does not report through figure() yet)")
            print(notes[-1], file=sys.stderr, flush=True)
            continue
        results[name] = {}
        for size in sizes:
            dims = parse_size(size)
            print(f"{name} at {label(dims)} ...", end=" ", file=sys.stderr, flush=True)
            run = run_one(script, dims, EXTRA_ARGS.get(name, []), args.timeout)
            results[name][size] = run
            state = run.error or f"{len(run.figures)} figures"
            print(f"{run.seconds:.0f} s, {state}", file=sys.stderr, flush=True)
    shown_sizes = ", ".join(
        f"{label(parse_size(s))} = {'x'.join(map(str, parse_size(s)))}" for s in sizes
    )
    header = (
        f"Measured {started:%Y-%m-%d %H:%M}-{datetime.datetime.now(datetime.UTC):%H:%M} UTC on "
        f"{os.cpu_count()} CPUs, load average {load_before} before and {load()} after "
        f"({shown_sizes}){_steal_text(steal_percent(ticks))}.\n"
    )
    table = render(results, sizes, notes, header)
    print(table)
    if args.readme:
        given = list(argv if argv is not None else sys.argv[1:])
        if "--readme" in given:  # the command to refresh it, without where it was written
            del given[given.index("--readme") : given.index("--readme") + 2]
        given = [a for a in given if not a.startswith("--readme=")]
        write_readme(args.readme, table, " ".join(["python tests/benchmarks/table.py", *given]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
