"""Batch rows of the paid-results fault matrix: a real ``mask-editor-cli batch`` of 12
shots against the sandbox, stopped by a signal the moment the server has created its
N-th job (that job's answer is then on the wire or being journaled: the worst moment),
then ``resume``, then the same command again, then once more. Counted like the other
rows: jobs the server charged against result files on disk, plus the shots reported as
"may have been charged" (a kill -9 can cut a job id off before it is written anywhere).
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from PIL import Image

from editor.sandbox import Sandbox
from editor.sandbox.testing import box_mask, sample_image

from .cli_run import cli_command, cli_env, run_cli
from .paid_matrix import KEY, Row, charged, count_files, interrupt_at, journal_left

SHOTS = 12
W, H = 160, 120
MAYBE_CHARGED = "may have been charged"


def _shots(root: Path) -> tuple[Path, Path]:
    folder = root / "shots"
    folder.mkdir(parents=True)
    for i in range(SHOTS):
        Image.fromarray(sample_image(W, H, seed=i)).save(folder / f"look{i:02d}.jpg")
    mask = root / "mask.png"
    Image.fromarray(box_mask(W, H, (40, 30, 100, 80))).save(mask)
    return folder, mask


def _name(signum: int) -> str:
    return {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}.get(signum, "kill -9")


def scenario_batch_interrupt(root: Path, signum: int, at_job: int) -> Row:
    """Stop a 12-shot FASHN batch by ``signum`` once the server has created ``at_job``
    jobs; ``resume``; run the batch again (it finishes the rest); run it once more (it
    must send nothing). ``Row.lines``: the interrupt's line, then one per shot the
    re-run reports as maybe charged."""
    folder, mask = _shots(root)
    out, data = root / "out", root / "appdata"
    env = cli_env(data, FASHN_API_KEY=KEY)
    args = ["batch", str(folder), "--mask", str(mask), "--prompt", "a red hat",
            "--base-url", "", "--out", str(out), "--yes"]  # fmt: skip
    row = Row(f"batch of {SHOTS}: {_name(signum)} at job {at_job}, resume, re-run", runs=3)
    with Sandbox(key=KEY, delays={"starting": 0.1, "in_queue": 0.2, "processing": 1.0}) as sb:
        args[args.index("--base-url") + 1] = sb.url
        code, lines = interrupt_at(env, args, lambda _: sb.stats.jobs_created >= at_job, signum)
        row.exits.append(code)
        row.lines = [line for line in lines if line.startswith("error:")][:1] or ["(killed)"]
        sb.set_delays(0.1)
        row.exits.append(run_cli(env, "resume").code)
        again = run_cli(env, *args)
        row.exits.append(again.code)
        row.lines += [line for line in again.stderr.splitlines() if MAYBE_CHARGED in line]
        sent_before_third = sb.stats.run_requests
        third = run_cli(env, *args)
        row.exits.append(third.code)
        if sb.stats.run_requests != sent_before_third:
            row.lines.append(f"the third run sent {sb.stats.run_requests - sent_before_third}")
        row.submissions, row.charged = sb.stats.run_requests, charged(sb)
    row.files = count_files(out)
    row.journal_left = journal_left(data)
    return row


def scenario_two_batches_at_once(root: Path) -> Row:
    """The same 12-shot batch started twice at once into one output folder: one sends,
    the other is refused with nothing sent; a third run afterwards sends nothing."""
    folder, mask = _shots(root)
    out, data = root / "out", root / "appdata"
    env = cli_env(data, FASHN_API_KEY=KEY)
    row = Row(f"batch of {SHOTS} started twice at once, one --out", runs=3)
    with Sandbox(key=KEY, delays=0.3) as sb:
        args = ["batch", str(folder), "--mask", str(mask), "--prompt", "a red hat",
                "--base-url", sb.url, "--out", str(out), "--yes"]  # fmt: skip
        pipe = subprocess.PIPE
        procs = [
            subprocess.Popen(cli_command(*args), env=env, stdout=pipe, stderr=pipe)
            for _ in range(2)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=240)
            row.exits.append(proc.returncode)
            row.lines += [ln for ln in err.decode().splitlines() if ln.startswith("error:")]
        row.exits.append(run_cli(env, *args).code)
        row.submissions, row.charged = sb.stats.run_requests, charged(sb)
    row.files = count_files(out)
    row.journal_left = journal_left(data)
    return row
