"""Which step of opening a photo makes the window wait (prints a timeline; asserts nothing).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/open_probe.py [--size WxH]
        [--jpeg PATH] [--twice] [--gap MS]

Opens the JPEG through the window's own File > Open path (``--twice``: a second time,
so the first photo is freed as the second comes) while
- a 1 ms QTimer heartbeat on the UI thread records each late beat (a UI stall), and
- a probe thread waking every 0.5 ms records each late wake-up (someone held the
  interpreter lock, or no CPU was free);
each step of the opening (the functions in ``STEPS``) records when it ran and on which
thread. Every late beat or wake-up over ``--gap`` ms (default 6) is printed with the
steps that overlapped it: the step that holds the lock or runs long is among them.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import os
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_window import _env, _jpeg
from benchsize import photo_size

STEPS = (
    "editor.core.image:_preview",
    "editor.core.image:_decode",
    "editor.core.image:decode_plain_jpeg",
    "editor.core.document:Document.set_image",
    "editor.core.document:Document.open_image",
    "editor.ui.canvas.view:CanvasView._on_document_image",
    "editor.ui.canvas.view:CanvasView.paintEvent",
    "editor.ui.canvas.view:CanvasView.zoom_fit",
    "editor.ui.canvas.view:CanvasView._view_changed",
    "editor.ui.window.combine:CombineController._prune",
    "editor.ui.canvas.opening_preview:OpeningPreviewMixin.show_opening_preview",
    "editor.ui.canvas.photo_layer:PhotoLayer.__init__",
    "editor.ui.canvas.photo_layer:PhotoLayer._collect",
    "editor.ui.canvas.photo_layer:photo_pyramid",
    "editor.ui.canvas.photo_layer:quick_level",
    "editor.ui.canvas.overlay:MaskOverlay.__init__",
    "editor.ui.window.mask_ops:contrasting_color",
    "editor.ui.window.mask_ops:MaskController._photo_shown",
    "editor.ui.window.mask_ops:MaskController._keep_last_mask",
    "editor.ui.window.opening:OpenController.open_pixels",
    "editor.ui.window.opening:OpenController._show_preview",
    "editor.ui.window.session:SessionController.source_changed",
    "editor.ui.window.session:SessionController.autosave_state",
    "editor.ui.window.mask_snapshot:MaskSnapshots.changed",
    "editor.core.autosave:Autosaver._write_png",
    "editor.core.autosave:Autosaver._write_manifest",
    "editor.ui.prefs:add_recent_file",
    "editor.ui.window.main:MainWindow.update_actions",
    "editor.ui.window.main:MainWindow.show_image_size",
)

_log: list[tuple[str, str, float, float]] = []  # (step, thread, start, end)


def _traced(name: str, fn):  # type: ignore[no-untyped-def]
    @functools.wraps(fn)
    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _log.append((name, threading.current_thread().name, t0, time.perf_counter()))

    return run


def _trace_steps() -> None:
    for spec in STEPS:
        module_name, path = spec.split(":")
        try:
            owner = importlib.import_module(module_name)
            *parents, attr = path.split(".")
            for part in parents:
                owner = getattr(owner, part)
            fn = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
        except (ImportError, AttributeError, KeyError):
            print(f"(no {spec} to trace)")
            continue
        setattr(owner, attr, _traced(path, fn))


_gc_start: dict[int, float] = {}


def _gc_step(phase: str, info: dict) -> None:  # type: ignore[type-arg]
    """Each garbage collection as a step (a full one can take milliseconds)."""
    me = threading.get_ident()
    if phase == "start":
        _gc_start[me] = time.perf_counter()
    elif me in _gc_start:
        name = f"gc generation {info.get('generation')}"
        _log.append((name, threading.current_thread().name, _gc_start.pop(me), time.perf_counter()))


def _where() -> str:
    """Where each other busy thread is just after a late wake-up: the one that held the
    interpreter lock has just let go of it, so it is (almost always) on the line that did."""
    me = threading.get_ident()
    names = {t.ident: t.name for t in threading.enumerate()}
    parts = []
    for ident, frame in sys._current_frames().items():
        if ident == me:
            continue
        stack = traceback.extract_stack(frame)[-3:]
        if stack and stack[-1].name in ("wait", "_worker", "select", "get", "run_forever"):
            continue
        line = " <- ".join(f"{f.name}:{f.lineno}" for f in reversed(stack))
        parts.append(f"[{names.get(ident, ident)}] {line}")
    return " | ".join(parts)


def main() -> None:
    gap_ms = float(sys.argv[sys.argv.index("--gap") + 1]) if "--gap" in sys.argv else 6.0
    os.environ.update({k: v for k, v in _env().items() if k.startswith(("MASK_", "QT_"))})
    _trace_steps()
    import gc

    gc.callbacks.append(_gc_step)
    import qasync
    from PySide6.QtCore import QTimer

    from editor.ui.launch import create_app, create_window

    app = create_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = create_window(None)
    window.force_close = True
    late_beats: list[tuple[float, float]] = []
    late_wakes: list[tuple[float, float]] = []
    where: dict[tuple[float, float], str] = {}
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        if (now - last[0]) * 1000 > gap_ms:
            late_beats.append((last[0], now))
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(beat)
    probing = [True]

    def probe() -> None:
        prev = time.perf_counter()
        while probing[0]:
            time.sleep(0.0005)
            now = time.perf_counter()
            if (now - prev) * 1000 > gap_ms:
                late_wakes.append((prev, now))
                where[(prev, now)] = _where()
            prev = now

    path = _jpeg()

    async def open_once() -> float:
        t0 = time.perf_counter()
        generation = window.document.generation
        window.opener.open_path(path)
        while window.document.generation == generation:
            await asyncio.sleep(0.001)
        photo = window.canvas._photo
        while photo is not None and photo.building():
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.3)
        return t0

    async def run() -> list[float]:
        await asyncio.sleep(0.5)
        starts = []
        for _ in range(2 if "--twice" in sys.argv else 1):
            _log.clear()
            late_beats.clear()
            late_wakes.clear()
            last[0] = time.perf_counter()
            heartbeat.start()
            starts.append(await open_once())
            heartbeat.stop()
            window.document.history.set_clean()
        return starts

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    with loop:
        t0 = loop.run_until_complete(run())[-1]
        probing[0] = False
        loop.run_until_complete(window.shutdown())

    def at(t: float) -> str:
        return f"{(t - t0) * 1000:7.1f}"

    print(f"steps of the (last) opening of {path}, ms from File > Open:")
    for name, thread, s, e in sorted(_log, key=lambda r: r[2]):
        print(f"  {at(s)} .. {at(e)} ({(e - s) * 1000:6.1f}) {name} [{thread}]")
    for title, gaps in (("UI heartbeat late", late_beats), ("probe thread late", late_wakes)):
        print(f"{title} (> {gap_ms:g} ms): {len(gaps)}")
        for s, e in sorted(gaps, key=lambda g: g[0] - g[1])[:12]:
            during = sorted(
                {f"{n} [{th}]" for n, th, a, b in _log if a < e and b > s},
            )
            print(f"  {(e - s) * 1000:5.1f} ms at {at(s)}: {'; '.join(during) or '-'}")
            if (s, e) in where:
                print(f"      threads then: {where[(s, e)]}")


if __name__ == "__main__":
    W, H = photo_size()
    import bench_window

    bench_window.W, bench_window.H = W, H
    main()
