"""Benchmark (prints, no asserts): the sandbox under malformed and slow clients, with its
default limits, in its own process (``mask-editor-cli sandbox``'s ``serve``) so the kernel's
figures are its alone:

- peak RSS growth for a chunked body with a negative chunk size followed by 400 MB
  (what the old hand-written parser read past its limit), for one chunk announcing 256 TB
  and for well-formed 1 MB chunks that never end (300 MB sent; the limit is 256 MB);
- threads with 200 idle keep-alive connections open, and how long until they are closed;
- how long a client dripping its request head a byte per second is held;
- start-up time of an in-process ``Sandbox`` (tests start many).

    python tests/benchmarks/bench_sandbox.py [--skip-idle] [--root DIR]

``--root`` measures another checkout's sandbox, e.g. the one before this rewrite:
``git archive 7eb5f19 editor | tar -x -C /tmp/before`` then ``--root /tmp/before``.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends"))

from sandbox_raw import (
    MB,
    ROOT,
    ServerProcess,
    chunked_head,
    closed_by_peer,
    connect,
    exchange,
    upload_while_reading,
)


def bench_bodies(root: Path) -> None:
    cases = [
        ("chunk size -1, then 400 MB", chunked_head() + b"-1\r\n", 400, b"x" * MB),
        ("one chunk of 0xFFFFFFFFFFFF, 300 MB sent", chunked_head() + b"FFFFFFFFFFFF\r\n", 300,
         b"x" * MB),
        ("1 MB chunks, 300 MB sent", chunked_head(), 300, b"100000\r\n" + b"x" * MB + b"\r\n"),
    ]  # fmt: skip
    for name, head, count, block in cases:
        with ServerProcess(root) as server:
            before = server.status()
            status, sent, elapsed = upload_while_reading(server.port, head, count, block)
            after = server.status()
            err = server.stop()
        grown = (after["VmHWM"] - before["VmHWM"]) / 1024
        print(
            f"{name:42s} -> HTTP {status}  after {elapsed:5.2f} s  client sent {sent / MB:5.0f} MB"
            f"  peak RSS +{grown:6.1f} MB  tracebacks: {err.count('Traceback')}"
        )


def bench_malformed(root: Path) -> None:
    bad = [b"-1", b"zz", b"0x10", b"1" * 21, b"+5", b""]
    answers = []
    with ServerProcess(root) as server:
        for size in bad:
            try:
                status = exchange(server.port, chunked_head() + size + b"\r\nabcde\r\n", 5)[0]
            except (OSError, http.client.HTTPException):
                status = None
            answers.append(f"{size.decode() or '(empty)'}: {status or 'no answer'}")
        err = server.stop()
    print(f"malformed chunk sizes -> {', '.join(answers)}; tracebacks: {err.count('Traceback')}")


def bench_idle(root: Path, count: int = 200) -> None:
    with ServerProcess(root) as server:
        base = server.status()["Threads"]
        socks = [connect(server.port, timeout=60) for _ in range(count)]
        time.sleep(1.0)
        held = server.status()["Threads"]
        start = time.monotonic()
        waits = [closed_by_peer(s, 90) for s in socks]
        closed = [w for w in waits if w is not None]
        for s in socks:
            s.close()
        print(
            f"{count} idle connections: server threads {base} before -> {held} with them open;"
            f" all closed by the server: {len(closed) == count}, after"
            f" {time.monotonic() - start + 1.0:.1f} s after they connected"
        )


def bench_slow_head(root: Path) -> None:
    with ServerProcess(root) as server:
        raw = b"GET /v1/credits HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        stop = threading.Event()
        with connect(server.port, timeout=60) as sock:

            def drip() -> None:
                for byte in raw:
                    if stop.wait(1.0):
                        return
                    try:
                        sock.send(bytes([byte]))
                    except OSError:
                        return

            threading.Thread(target=drip, daemon=True).start()
            start = time.monotonic()
            waited = closed_by_peer(sock, 60)
            stop.set()
        held = "still open" if waited is None else "closed by the server"
        print(f"head dripped at 1 byte/s: {held} after {time.monotonic() - start:.1f} s")


def bench_startup(runs: int = 20) -> None:
    from editor.sandbox import Sandbox

    starts, stops = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        box = Sandbox(key="k").start()
        with socket.create_connection(("127.0.0.1", box.port)):
            pass
        t1 = time.perf_counter()
        box.stop()
        starts.append(t1 - t0)
        stops.append(time.perf_counter() - t1)
    print(
        f"in-process Sandbox: start + first connect median {statistics.median(starts) * 1000:.1f}"
        f" ms, stop median {statistics.median(stops) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-idle", action="store_true", help="skip the 30 s idle wait")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to measure")
    args = parser.parse_args()
    bench_bodies(args.root)
    bench_malformed(args.root)
    if not args.skip_idle:
        bench_idle(args.root)
    bench_slow_head(args.root)
    if args.root == ROOT:  # (another checkout's in-process figures: import it from there)
        bench_startup()


if __name__ == "__main__":
    main()
