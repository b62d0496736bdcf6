"""A real ``kill -9`` in the middle of ``mask-editor-cli batch`` (20 shots), then
``resume`` and the same command again: every shot's results saved once, every shot
paid once (the sandbox counts the jobs it created), a clear line for the skipped shot."""

from __future__ import annotations

import re
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from editor.sandbox.testing import box_mask, sample_image

from .cli_run import cli_command, cli_env, run_cli, start_and_kill

KEY = "sk-sandbox-batch-0123456789"
SHOTS = 20


def make_folder(root: Path, w: int, h: int) -> tuple[Path, Path]:
    folder = root / "shots"
    folder.mkdir(parents=True)
    for i in range(SHOTS):
        Image.fromarray(sample_image(w, h, seed=i)).save(folder / f"look{i:02d}.jpg", quality=92)
    Image.fromarray(sample_image(w + 8, h, seed=99)).save(folder / "wide.jpg")
    mask = root / "mask.png"
    Image.fromarray(box_mask(w, h, (w // 4, h // 4, w // 2, h // 2))).save(mask)
    return folder, mask


def results_per_shot(out: Path) -> Counter[str]:
    """How many result sets each shot has (one variant per job here)."""
    names = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert all(re.fullmatch(r"look\d\d-edit-\d+\.png", n) for n in names), names
    return Counter(n.split("-edit-")[0] for n in names)


def count(lines: list[str], text: str) -> int:
    return sum(1 for line in lines if text in line)


# a shot's own line, not any line naming a path (pytest's folders are named after the
# test, and "test_sigterm_keeps_accepted_..." holds "accepted": counting those stopped a
# run one job early)
SHOT_LINE = {
    "accepted": re.compile(r"^\[\d+/\d+\] look\d\d\.jpg: job \S+ accepted$"),
    "saved": re.compile(r"^\[\d+/\d+\] look\d\d\.jpg: saved \d+ result\(s\)$"),
}


def shot_lines(lines: list[str], what: str) -> int:
    return sum(1 for line in lines if SHOT_LINE[what].match(line.strip()))


@pytest.mark.parametrize(
    ("kill_when", "enough"),
    [("accepted", 6), ("saved", 3)],  # all six slots busy, nothing done / some done
)
def test_kill_9_then_resume_then_rerun_pays_each_shot_once(
    make_sandbox, data_dir: Path, tmp_path: Path, kill_when: str, enough: int
) -> None:
    sandbox = make_sandbox(
        key=KEY, credits=100.0, delays={"starting": 0.1, "in_queue": 0.2, "processing": 1.2}
    )
    folder, mask = make_folder(tmp_path, 240, 180)
    out = tmp_path / "out"
    env = cli_env(data_dir, FASHN_API_KEY=KEY)
    args = ["batch", str(folder), "--mask", str(mask), "--prompt", "remove the stand",
            "--base-url", sandbox.url, "--out", str(out), "--yes"]  # fmt: skip
    seen: list[str] = []

    def until(line: str) -> bool:
        seen.append(line)
        return shot_lines(seen, kill_when) >= enough

    lines, _ = start_and_kill(env, args, until)
    assert count(lines, "wide.jpg: 248x180 but the mask is 240x180; skipped") == 1
    assert "20 shot(s) to send to FASHN" in "\n".join(lines)

    resumed = run_cli(env, "resume")
    # a kill while a submission was on the wire leaves a job whose id never came back:
    # it may be billed, so `resume` reports it (exit 4) and it is never sent again
    in_flight = count(resumed.stderr.splitlines(), "got no answer before the program stopped")
    assert resumed.code == (4 if in_flight else 0), resumed.stderr
    assert "Traceback" not in resumed.stderr
    collected = len(resumed.stdout.split())
    if kill_when == "accepted":  # the six jobs running at the kill, from the journal
        assert collected == 6, resumed.stderr

    again = run_cli(env, *args)
    assert "Traceback" not in again.stderr
    assert count(again.stderr.splitlines(), "wide.jpg: 248x180") == 1
    per_shot = results_per_shot(out)
    listing = sorted((p.name, p.stat().st_size) for p in out.iterdir())
    assert max(per_shot.values()) == 1, (listing, resumed.stdout, again.stdout)  # saved once
    uncertain = count(again.stderr.splitlines(), "may have been charged")
    # the journal notes a submission just before the batch record does: one killed
    # in between was never sent, `resume` reports it to be safe, the re-run sends it
    assert uncertain <= in_flight
    assert len(per_shot) + uncertain == SHOTS, (resumed.stderr, again.stderr)
    # each shot paid once: a job per saved shot, plus those on the wire if they arrived
    paid = sandbox.stats.jobs_created
    assert len(per_shot) <= paid <= len(per_shot) + uncertain
    assert again.code == 2  # the wide shot was skipped

    if kill_when == "accepted":
        assert count(again.stderr.splitlines(), "already done; not sent again") == collected
    third = run_cli(env, *args)
    assert third.code == 2 and sandbox.stats.jobs_created == paid
    assert count(third.stderr.splitlines(), "already done; not sent again") == len(per_shot)


def test_kill_9_offline_then_rerun_finishes_every_shot_once(data_dir: Path, tmp_path: Path):
    folder, mask = make_folder(tmp_path, 320, 240)
    out = tmp_path / "out"
    env = cli_env(data_dir)
    args = ["batch", str(folder), "--mask", str(mask), "--backend", "local",
            "--out", str(out)]  # fmt: skip
    seen: list[str] = []

    def until(line: str) -> bool:
        seen.append(line)
        return shot_lines(seen, "saved") >= 4

    lines, _ = start_and_kill(env, args, until)
    assert count(lines, "wide.jpg: 328x240 but the mask is 320x240; skipped") == 1
    before = results_per_shot(out)
    assert 4 <= sum(before.values()) < SHOTS

    resumed = run_cli(env, "resume")
    assert resumed.code == 0 and "no unfinished jobs" in resumed.stderr

    again = run_cli(env, *args)
    assert again.code == 2, again.stderr  # the wide shot
    per_shot = results_per_shot(out)
    assert len(per_shot) == SHOTS and max(per_shot.values()) == 1
    assert count(again.stderr.splitlines(), "already done; not sent again") >= 4


def test_sigterm_keeps_accepted_jobs_and_says_so(make_sandbox, data_dir: Path, tmp_path: Path):
    sandbox = make_sandbox(key=KEY, delays={"starting": 0.1, "processing": 1.5})
    folder, mask = make_folder(tmp_path, 160, 120)
    env = cli_env(data_dir, FASHN_API_KEY=KEY)
    args = ["batch", str(folder), "--mask", str(mask), "--prompt", "x", "--base-url",
            sandbox.url, "--out", str(tmp_path / "out"), "--yes"]  # fmt: skip
    proc = subprocess.Popen(cli_command(*args), env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    accepted = 0
    for line in proc.stderr:
        accepted += shot_lines([line], "accepted")
        if accepted == 6:  # all slots busy, nothing on the wire
            proc.send_signal(signal.SIGTERM)
            break
    rest = proc.communicate(timeout=60)[1]
    assert proc.returncode == 143
    assert "Stopped by SIGTERM" in rest and "6 accepted job(s) are kept in the job journal" in rest
    assert "Traceback" not in rest
    resumed = run_cli(env, "resume")
    assert len(resumed.stdout.split()) == 6, resumed.stderr
    assert run_cli(env, *args).code == 2  # the wide shot
    assert sandbox.stats.jobs_created == SHOTS
    assert len(results_per_shot(tmp_path / "out")) == SHOTS
