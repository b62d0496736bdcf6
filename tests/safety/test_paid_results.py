"""Paid results survive ``kill -9`` at every phase of a remote job, submitted exactly once.

The real CLI runs as a subprocess against the sandbox over HTTP; it is killed with
SIGKILL while the job is starting, queued or processing; ``mask-editor-cli resume`` then
collects the result from the journal without submitting again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.backends.journal import Journal
from editor.sandbox import Sandbox

from .cli_run import MASK_BOX, cli_env, run_cli, start_and_kill, write_inputs

KEY = "fa-PAIDRESULTS-0123456789abcdef"
PHASE_SECONDS = 3.0


def _edit_args(photo: Path, mask: Path, url: str, out: Path) -> list[str]:
    return [
        "edit", str(photo), "--mask", str(mask), "--prompt", "a red hat",
        "--backend", "fashn", "--base-url", url, "--out", str(out),
    ]  # fmt: skip


def _job_id(lines: list[str]) -> str:
    submitted = [line.split()[-1] for line in lines if line.startswith("submitted job ")]
    assert len(submitted) == 1, lines
    return submitted[0]


PHASES: dict[str, Callable[[str], bool]] = {
    "submitted": lambda line: line.startswith("submitted job "),
    "in_queue": lambda line: line.startswith("status: in_queue"),
    "processing": lambda line: line.startswith("status: processing"),
}


@pytest.mark.parametrize("phase", list(PHASES))
def test_kill_9_then_resume_collects_the_paid_result_once(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, data_dir: Path, phase: str
) -> None:
    sb = make_sandbox(key=KEY, delays=PHASE_SECONDS)
    photo_path, mask_path, photo, mask = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    env = cli_env(data_dir, FASHN_API_KEY=KEY)

    lines, stdout = start_and_kill(
        env, _edit_args(photo_path, mask_path, sb.url, out), PHASES[phase]
    )
    job_id = _job_id(lines)
    assert stdout == ""
    assert not out.exists() or not any(out.iterdir())  # nothing was saved before the kill
    assert sb.stats.jobs_created == 1
    assert [e.job_id for e in Journal(data_dir / "journal").entries()] == [job_id]
    assert sb.jobs[job_id].status == {"submitted": "starting"}.get(phase, phase)

    sb.set_delays(0.3)  # let the job finish while nobody is waiting
    resumed = run_cli(env, "resume")
    assert resumed.code == 0, resumed.stderr
    paths = [Path(p) for p in resumed.stdout.split()]
    assert len(paths) == 1 and paths[0].parent == out
    result = np.array(Image.open(paths[0]).convert("RGB"))
    assert result.shape == photo.shape
    x0, y0, x1, y1 = MASK_BOX
    m = 4 + 1  # EditRequest.feather_px defaults to 4: pixels farther away are untouched
    outside = np.ones(mask.shape, bool)
    outside[y0 - m : y1 + m, x0 - m : x1 + m] = False
    np.testing.assert_array_equal(result[outside], photo[outside])  # pasted back
    assert np.abs(result[y0:y1, x0:x1].astype(int) - photo[y0:y1, x0:x1]).mean() > 5
    # exactly one submission, and nothing left to collect
    assert sb.stats.run_requests == 1 and sb.stats.jobs_created == 1
    assert Journal(data_dir / "journal").entries() == []
    again = run_cli(env, "resume")
    assert again.code == 0 and again.stdout == ""
    assert sorted(out.iterdir()) == paths
    assert sb.stats.run_requests == 1


def test_expired_job_is_reported_not_retried_forever(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, data_dir: Path
) -> None:
    sb = make_sandbox(key=KEY, delays=PHASE_SECONDS)
    photo_path, mask_path, _, _ = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    env = cli_env(data_dir, FASHN_API_KEY=KEY)
    lines, _ = start_and_kill(
        env, _edit_args(photo_path, mask_path, sb.url, out), PHASES["in_queue"]
    )
    job_id = _job_id(lines)
    sb.expire(job_id)
    resumed = run_cli(env, "resume")
    assert resumed.code != 0
    assert job_id in resumed.stderr and "expired" in resumed.stderr
    assert "Traceback" not in resumed.stderr
    assert len(resumed.stderr.strip().splitlines()[-1]) < 400
    again = run_cli(env, "resume")
    assert again.code == 0 and "no unfinished jobs" in again.stderr
    assert sb.stats.run_requests == 1


def test_successful_edit_leaves_nothing_to_resume(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, data_dir: Path
) -> None:
    sb = make_sandbox(key=KEY, delays=0)
    photo_path, mask_path, _, _ = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    env = cli_env(data_dir, FASHN_API_KEY=KEY)
    done = run_cli(env, *_edit_args(photo_path, mask_path, sb.url, out))
    assert done.code == 0, done.stderr
    assert len(list(out.iterdir())) == 1
    again = run_cli(env, "resume")
    assert again.code == 0
    assert len(list(out.iterdir())) == 1, "resume wrote the same paid result twice"
    assert Journal(data_dir / "journal").entries() == []


@pytest.mark.parametrize("fault", ["bad_output_url", "not_image_output"])
def test_unusable_output_is_reported_once_not_kept_forever(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, data_dir: Path, fault: str
) -> None:
    sb = make_sandbox(key=KEY, delays=0)
    sb.inject(fault)
    photo_path, mask_path, _, _ = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    env = cli_env(data_dir, FASHN_API_KEY=KEY)
    done = run_cli(env, *_edit_args(photo_path, mask_path, sb.url, out))
    assert done.code == 3, done.stderr
    assert "BadOutput" in done.stderr and "Traceback" not in done.stderr
    # an output that can never be used leaves nothing for every later resume to fail on
    assert Journal(data_dir / "journal").entries() == []
    again = run_cli(env, "resume")
    assert again.code == 0 and "no unfinished jobs" in again.stderr
    assert sb.stats.run_requests == 1
