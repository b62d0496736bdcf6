"""Running ``mask-editor-cli`` as a real subprocess (for kill and secrets tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from editor.sandbox.testing import box_mask, sample_image

W, H = 320, 240
MASK_BOX = (60, 50, 180, 140)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: own app-data folder, no keys unless given."""
    env = {k: v for k, v in os.environ.items() if k not in ("FASHN_API_KEY", "OPENAI_API_KEY")}
    env["MASK_EDITOR_DATA_DIR"] = str(data_dir)
    env.pop("MASK_EDITOR_DEBUG", None)
    env.update(extra)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "editor.cli", *args]


def run_cli(env: dict[str, str], *args: str, timeout: float = 120) -> Run:
    proc = subprocess.run(cli_command(*args), env=env, capture_output=True, timeout=timeout)
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def write_inputs(folder: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """A photo and its mask on disk; returns paths and pixels."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = sample_image(W, H, seed=7)
    mask = box_mask(W, H, MASK_BOX)
    Image.fromarray(photo).save(folder / "photo.png")
    Image.fromarray(mask).save(folder / "mask.png")
    return folder / "photo.png", folder / "mask.png", photo, mask


def start_and_kill(
    env: dict[str, str], args: list[str], until: Callable[[str], bool], *, timeout: float = 60
) -> tuple[list[str], str]:
    """Start the CLI, read stderr lines until ``until(line)``, then SIGKILL it.

    Returns all stderr lines seen and stdout."""
    proc = subprocess.Popen(
        cli_command(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = proc.stderr.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").strip()
            lines.append(line)
            if until(line):
                os.kill(proc.pid, signal.SIGKILL)
                break
        else:
            proc.kill()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines += err.decode("utf-8", "replace").splitlines()
    assert proc.returncode == -signal.SIGKILL, f"not killed mid-job; stderr: {lines}"
    return lines, out.decode("utf-8", "replace")
