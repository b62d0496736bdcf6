"""The paid-results fault matrix: real ``mask-editor-cli`` processes against the sandbox
(or a tiny odd server), one scenario per fault class, each counted as jobs charged by
the server against files saved on disk. Used by tests/safety/test_paid_matrix.py (which
asserts every row) and tests/benchmarks/bench_paid_matrix.py (which prints the table).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from editor.backends.journal import Journal
from editor.sandbox import Sandbox

from .cli_run import cli_command, cli_env, run_cli, write_inputs

KEY = "fa-MATRIXKEY-0123456789abcdef"


@dataclass
class Row:
    """One scenario's figures."""

    scenario: str
    runs: int = 0
    submissions: int = 0  # POST /v1/run (or /v1/images/edits) received
    charged: int = 0  # jobs the server completed (and so billed)
    files: int = 0  # result files on disk, across every output folder
    journal_left: int = 0  # entries still waiting after the scenario (should be 0)
    exits: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the stderr lines that mattered

    @property
    def lost(self) -> int:
        return max(0, self.charged - self.files)


def edit_args(photo: Path, mask: Path, url: str, out: Path, *extra: str) -> list[str]:
    return [
        "edit", str(photo), "--mask", str(mask), "--prompt", "a red hat",
        "--backend", "fashn", "--base-url", url, "--out", str(out), *extra,
    ]  # fmt: skip


def charged(sb: Sandbox) -> int:
    """Jobs the sandbox completed: the ones it bills (failures are free)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(job.terminal for job in sb.jobs.values()):
            break
        time.sleep(0.1)
    return sum(1 for job in sb.jobs.values() if job.status == "completed")


def count_files(*folders: Path) -> int:
    return sum(
        1
        for folder in folders
        if folder.is_dir()
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.stat().st_size > 0
    )


def journal_left(data_dir: Path) -> int:
    scan = Journal(data_dir / "journal").scan()
    return len(scan.entries) + len(scan.unreadable) + len(scan.in_flight)


# -- parallel runs --------------------------------------------------------------------------
def parallel_runs(
    root: Path, backend: str, n: int = 6, url: str | None = None
) -> tuple[list[subprocess.CompletedProcess[bytes]], Path, Path]:
    """``n`` CLI edits started at once into one ``--out`` folder (one shared app-data
    folder, as for one user); returns the finished processes, the folder and app data."""
    photo, mask, _, _ = write_inputs(root / "in")
    out, data = root / "same", root / "appdata"
    env = cli_env(data, FASHN_API_KEY=KEY)
    if backend == "fashn":
        assert url is not None
        args = edit_args(photo, mask, url, out)
    else:
        args = ["edit", str(photo), "--mask", str(mask), "--backend", "local", "--out", str(out)]
    procs = [
        subprocess.Popen(
            cli_command(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(n)
    ]
    done = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=240)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return done, out, data


# -- interrupts -----------------------------------------------------------------------------
def interrupt_at(
    env: dict[str, str], args: list[str], ready: Callable[[str], bool], signum: int
) -> tuple[int, list[str]]:
    """Start the CLI, wait until ``ready(stderr line or '')`` (called again every 50 ms
    with '' so it can look at the server too), send ``signum``; exit code + stderr lines."""
    proc = subprocess.Popen(
        cli_command(*args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # as from a terminal: a shell's background job would inherit SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: list[str] = []
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    buffer = b""
    deadline = time.monotonic() + 60
    sent = False
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            chunk = proc.stderr.read() or b""
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            new = [c.decode("utf-8", "replace").strip() for c in complete]
            lines += new
            if any(ready(line) for line in new) or ready(""):
                proc.send_signal(signum)
                sent = True
                break
            time.sleep(0.05)
        assert sent, f"the phase was never reached: {lines}"
        os.set_blocking(proc.stderr.fileno(), True)
        _, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines += (buffer + rest).decode("utf-8", "replace").splitlines()
    return proc.returncode, [line for line in lines if line]


# -- a small tmpfs ------------------------------------------------------------------------
@contextlib.contextmanager
def small_tmpfs(where: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` at ``where`` (root only; skipped by callers when it fails)."""
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def can_mount_tmpfs(root: Path) -> bool:
    probe = root / f"tmpfs-probe-{uuid.uuid4().hex[:6]}"
    try:
        with small_tmpfs(probe, "1m"):
            return True
    except (subprocess.CalledProcessError, OSError):
        return False
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def fill(folder: Path) -> Path:
    """Fill the file system holding ``folder`` to the last byte; returns the filler."""
    filler = folder / f".filler-{uuid.uuid4().hex[:6]}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def resume(env: dict[str, str]) -> tuple[int, str, str]:
    r = run_cli(env, "resume")
    return r.code, r.stdout, r.stderr


# -- scenarios ------------------------------------------------------------------------------
def scenario_parallel_fashn(root: Path) -> Row:
    with Sandbox(key=None, delays=0.3) as sb:
        done, out, data = parallel_runs(root, "fashn", 6, sb.url)
        row = Row("6 parallel FASHN edits, one --out", runs=6)
        row.submissions, row.charged = sb.stats.run_requests, charged(sb)
    row.exits = [p.returncode for p in done]
    printed = [line for p in done for line in p.stdout.decode().split()]
    row.files = count_files(out)
    row.journal_left = journal_left(data)
    row.lines = [f"{len(printed)} paths printed, {len(set(printed))} distinct"]
    return row


def scenario_parallel_local(root: Path) -> Row:
    done, out, _ = parallel_runs(root, "local", 6)
    row = Row("6 parallel local fills, one --out", runs=6, submissions=0)
    row.exits = [p.returncode for p in done]
    printed = [line for p in done for line in p.stdout.decode().split()]
    row.files = count_files(out)
    row.charged = 6  # not billed, but each run must leave its file
    row.lines = [f"{len(printed)} paths printed, {len(set(printed))} distinct"]
    return row


def _signal_name(signum: int) -> str:
    return "SIGINT" if signum == signal.SIGINT else "SIGTERM"


def scenario_interrupt(root: Path, phase: str, signum: int) -> Row:
    """Interrupt one FASHN edit ``phase`` = nothing-sent | in-flight | accepted, then run
    ``resume``; the job must be collected (or never created)."""
    photo, mask, _, _ = write_inputs(root / "in")
    out, data = root / "out", root / "appdata"
    env = cli_env(data, FASHN_API_KEY=KEY)
    row = Row(f"{_signal_name(signum)} {phase}", runs=1)
    with Sandbox(key=KEY, delays=0.3) as sb:
        if phase == "nothing-sent":
            sb.inject("rate_limit", retry_after=30)  # refused: no job exists yet
            ready: Callable[[str], bool] = lambda line: "retrying in" in line  # noqa: E731
        elif phase == "in-flight":
            sb.inject("slow", on="run", seconds=3.0)  # the job exists, the answer waits
            ready = lambda line: sb.stats.jobs_created == 1  # noqa: E731
        else:
            sb.set_delays({"starting": 0.5, "in_queue": 0.5, "processing": 3.0})
            ready = lambda line: line.startswith("submitted job ")  # noqa: E731
        code, lines = interrupt_at(env, edit_args(photo, mask, sb.url, out), ready, signum)
        row.exits.append(code)
        row.lines = [line for line in lines if line.startswith("error:")]
        sb.set_delays(0.1)
        rcode, _, _ = resume(env)
        row.exits.append(rcode)
        row.submissions, row.charged = sb.stats.run_requests, charged(sb)
    row.files = count_files(out)
    row.journal_left = journal_left(data)
    return row


def scenario_out_disk_full(root: Path) -> Row:
    """The output folder's disk is full when the results arrive; `resume` after space
    is freed saves them."""
    photo, mask, _, _ = write_inputs(root / "in")
    data = root / "appdata"
    env = cli_env(data, FASHN_API_KEY=KEY)
    row = Row("ENOSPC: --out disk full at save", runs=1)
    with small_tmpfs(root / "small") as small, Sandbox(key=KEY, delays=0.1) as sb:
        out = small / "out"
        out.mkdir()
        filler = fill(small)
        first = run_cli(env, *edit_args(photo, mask, sb.url, out))
        row.exits.append(first.code)
        row.lines = [line for line in first.stderr.splitlines() if line.startswith("error:")]
        filler.unlink()
        rcode, _, _ = resume(env)
        row.exits.append(rcode)
        row.submissions, row.charged = sb.stats.run_requests, charged(sb)
        row.files = count_files(out)
    row.journal_left = journal_left(data)
    return row


def scenario_journal_full_before_send(root: Path) -> Row:
    """The journal's disk is full before sending: nothing may be sent."""
    photo, mask, _, _ = write_inputs(root / "in")
    out = root / "out"
    row = Row("ENOSPC: journal disk full before sending", runs=1)
    with small_tmpfs(root / "small") as small, Sandbox(key=KEY, delays=0.1) as sb:
        env = cli_env(small / "appdata", FASHN_API_KEY=KEY)
        (small / "appdata").mkdir()
        fill(small)
        first = run_cli(env, *edit_args(photo, mask, sb.url, out))
        row.exits.append(first.code)
        row.lines = [line for line in first.stderr.splitlines() if line.startswith("error:")]
        row.submissions, row.charged = sb.stats.run_requests, charged(sb)
        row.journal_left = journal_left(small / "appdata")
    row.files = count_files(out)
    return row


def scenario_journal_full_in_flight(root: Path) -> Row:
    """The journal's disk fills while the submission is in flight: the id cannot be
    recorded, so it is printed, followed from memory and the results saved."""
    photo, mask, _, _ = write_inputs(root / "in")
    out = root / "out"
    row = Row("ENOSPC: journal disk fills in flight", runs=1)
    with small_tmpfs(root / "small", "64m") as small, Sandbox(key=KEY, delays=0.1) as sb:
        data = small / "appdata"
        env = cli_env(data, FASHN_API_KEY=KEY)
        sb.inject("slow", on="run", seconds=2.0)
        proc = subprocess.Popen(cli_command(*edit_args(photo, mask, sb.url, out)), env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 30
        while sb.stats.jobs_created == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        filler = fill(small)
        _, stderr = proc.communicate(timeout=120)
        row.exits.append(proc.returncode)
        row.lines = [
            line
            for line in stderr.decode().splitlines()
            if "journal" in line or line.startswith("error:")
        ]
        filler.unlink()
        row.submissions, row.charged = sb.stats.run_requests, charged(sb)
        row.journal_left = journal_left(data)
    row.files = count_files(out)
    return row


def scenario_openai_out_full(root: Path) -> Row:
    """An OpenAI-compatible answer (paid on arrival) cannot be written to --out: it is
    kept in the journal as bytes and `resume` saves it."""
    photo, mask, _, _ = write_inputs(root / "in")
    data = root / "appdata"
    env = cli_env(data, OPENAI_API_KEY=KEY)
    row = Row("ENOSPC: OpenAI answer, --out disk full", runs=1)
    with small_tmpfs(root / "small") as small, Sandbox(key=KEY) as sb:
        out = small / "out"
        out.mkdir()
        filler = fill(small)
        args = ["edit", str(photo), "--mask", str(mask), "--prompt", "a red hat",
                "--backend", "openai", "--base-url", sb.url, "--out", str(out)]  # fmt: skip
        first = run_cli(env, *args)
        row.exits.append(first.code)
        row.lines = [line for line in first.stderr.splitlines() if line.startswith("error:")]
        filler.unlink()
        rcode, _, _ = resume(env)
        row.exits.append(rcode)
        row.submissions = row.charged = sb.stats.openai_requests  # billed when answered
        row.files = count_files(out)
    row.journal_left = journal_left(data)
    return row


def scenario_odd_status(root: Path) -> Row:
    """A server answering an undocumented status for a while, then completed."""
    from .odd_server import OddServer

    photo, mask, _, _ = write_inputs(root / "in")
    out, data = root / "out", root / "appdata"
    env = cli_env(data, FASHN_API_KEY=KEY)
    row = Row("undocumented status x3, then completed", runs=1)
    with OddServer("odd-status", odd_status="thinking_hard", odd_polls=3) as odd:
        r = run_cli(env, *edit_args(photo, mask, odd.url, out))
        row.submissions, row.charged = odd.submissions, odd.completed_served
    row.exits.append(r.code)
    row.lines = [line for line in r.stderr.splitlines() if "thinking_hard" in line]
    row.files = count_files(out)
    row.journal_left = journal_left(data)
    logs = list((data / "logs").glob("*.log*"))
    named = sum(p.read_text().count("undocumented status") for p in logs)
    row.lines.append(f"log lines naming it: {named}" if logs else "no log")
    return row


def scenario_echo(root: Path, mode: str) -> tuple[Row, str]:
    """A server echoing the request's key and headers in its error text / statuses;
    returns the row and everything the user could see (stdout, stderr, logs)."""
    from .odd_server import OddServer

    photo, mask, _, _ = write_inputs(root / "in")
    out, data = root / "out", root / "appdata"
    env = cli_env(data, FASHN_API_KEY=KEY)
    row = Row(f"server echoes the key ({mode})", runs=1)
    with OddServer(mode, odd_polls=2) as odd:
        r = run_cli(env, *edit_args(photo, mask, odd.url, out))
        row.submissions, row.charged = odd.submissions, odd.completed_served
    row.exits.append(r.code)
    row.lines = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    row.files = count_files(out)
    row.journal_left = journal_left(data)
    seen = r.stdout + r.stderr
    for path in data.rglob("*"):
        if path.is_file():
            seen += path.read_bytes().decode("utf-8", "replace")
    return row, seen


def scenario_parallel_openai(root: Path) -> Row:
    photo, mask, _, _ = write_inputs(root / "in")
    out, data = root / "same", root / "appdata"
    env = cli_env(data, OPENAI_API_KEY=KEY)
    args = ["edit", str(photo), "--mask", str(mask), "--prompt", "a red hat",
            "--backend", "openai", "--out", str(out)]  # fmt: skip
    row = Row("6 parallel OpenAI edits, one --out", runs=6)
    with Sandbox(key=KEY) as sb:
        pipe = subprocess.PIPE
        command = cli_command(*args, "--base-url", sb.url)
        procs = [subprocess.Popen(command, env=env, stdout=pipe, stderr=pipe) for _ in range(6)]
        outs = [p.communicate(timeout=240) for p in procs]
        row.submissions = row.charged = sb.stats.openai_requests
    row.exits = [p.returncode for p in procs]
    printed = [line for stdout, _ in outs for line in stdout.decode().split()]
    row.files = count_files(out)
    row.journal_left = journal_left(data)
    row.lines = [f"{len(printed)} paths printed, {len(set(printed))} distinct"]
    return row


def scenario_lost_answer(root: Path, how: str) -> Row:
    """The job is created but its id never reaches us: the connection is reset after the
    body (``reset``), or the process is killed -9 while the answer is pending (``kill``;
    the next `resume` reports it). Not collectable; it must be reported, never resent."""
    photo, mask, _, _ = write_inputs(root / "in")
    out, data = root / "out", root / "appdata"
    env = cli_env(data, FASHN_API_KEY=KEY)
    row = Row(f"id never received ({how}): reported, not resent", runs=1)
    with Sandbox(key=KEY, delays=0.1) as sb:
        if how == "reset":
            sb.inject("reset_after_body", on="run")
            first = run_cli(env, *edit_args(photo, mask, sb.url, out))
            row.exits.append(first.code)
            row.lines = [line for line in first.stderr.splitlines() if line.startswith("error:")]
        else:
            sb.inject("slow", on="run", seconds=3.0)
            args = edit_args(photo, mask, sb.url, out)
            created: Callable[[str], bool] = lambda line: sb.stats.jobs_created == 1  # noqa: E731
            code, _ = interrupt_at(env, args, created, signal.SIGKILL)
            row.exits.append(code)
        rcode, _, rerr = resume(env)
        row.exits.append(rcode)
        if how == "kill":
            row.lines = [line for line in rerr.splitlines() if line.startswith("error:")]
        row.submissions, row.charged = sb.stats.run_requests, charged(sb)
    row.files = count_files(out)
    row.journal_left = journal_left(data)
    return row
