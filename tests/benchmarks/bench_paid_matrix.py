"""Prints the paid-results fault matrix (no asserts; tests/safety/test_paid_matrix.py
asserts the same scenarios): real ``mask-editor-cli`` processes against the sandbox or a
misbehaving server, jobs the server charged against files saved on disk.

    python tests/benchmarks/bench_paid_matrix.py      (tmpfs rows need root)
"""

from __future__ import annotations

import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.safety import paid_batch as pb
from tests.safety import paid_matrix as pm


def main() -> int:
    scenarios: list[tuple[str, Callable[[Path], pm.Row]]] = [
        ("parallel-fashn", pm.scenario_parallel_fashn),
        ("parallel-local", pm.scenario_parallel_local),
        ("parallel-openai", pm.scenario_parallel_openai),
    ]
    for phase in ("nothing-sent", "in-flight", "accepted"):
        for signum in (signal.SIGINT, signal.SIGTERM):
            scenarios.append(
                (f"{phase}-{signum}", lambda r, p=phase, s=signum: pm.scenario_interrupt(r, p, s))
            )
    with tempfile.TemporaryDirectory() as probe:
        tmpfs = pm.can_mount_tmpfs(Path(probe))
    if tmpfs:
        scenarios += [
            ("out-full", pm.scenario_out_disk_full),
            ("journal-full", pm.scenario_journal_full_before_send),
            ("journal-fills", pm.scenario_journal_full_in_flight),
            ("openai-out-full", pm.scenario_openai_out_full),
        ]
    for signum, at_job in ((signal.SIGINT, 6), (signal.SIGTERM, 9), (signal.SIGKILL, 6)):
        scenarios.append(
            (f"batch-{signum}", lambda r, s=signum, n=at_job: pb.scenario_batch_interrupt(r, s, n))
        )
    scenarios.append(("two-batches", pb.scenario_two_batches_at_once))
    scenarios += [
        ("odd-status", pm.scenario_odd_status),
        ("echo-error", lambda r: pm.scenario_echo(r, "echo-error")[0]),
        ("echo-status", lambda r: pm.scenario_echo(r, "echo-status")[0]),
        ("lost-reset", lambda r: pm.scenario_lost_answer(r, "reset")),
        ("lost-kill", lambda r: pm.scenario_lost_answer(r, "kill")),
    ]
    head = f"{'scenario':44} {'runs':>4} {'sent':>4} {'charged':>7} {'files':>5} "
    head += f"{'lost':>4} {'left':>4}  exits"
    print(head)
    print("-" * len(head))
    totals = [0, 0, 0, 0, 0]
    started = time.monotonic()
    for name, run in scenarios:
        with tempfile.TemporaryDirectory(prefix=f"paid-{name}-") as tmp:
            row = run(Path(tmp))
        figures = [row.submissions, row.charged, row.files, row.lost, row.journal_left]
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        print(f"{row.scenario:44} {row.runs:>4} {row.submissions:>4} {row.charged:>7} "
              f"{row.files:>5} {row.lost:>4} {row.journal_left:>4}  {row.exits}")  # fmt: skip
        for line in row.lines[:1]:
            print(f"    {line[:150]}")
    print("-" * len(head))
    print(f"{'total':44} {'':>4} {totals[0]:>4} {totals[1]:>7} {totals[2]:>5} "
          f"{totals[3]:>4} {totals[4]:>4}  ({time.monotonic() - started:.0f} s"
          f"{'' if tmpfs else ', tmpfs rows skipped'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
