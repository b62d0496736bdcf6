"""Helpers shared by the packaging tests (paths, running programs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def venv_bin(env_dir: Path, name: str) -> Path:
    """Path of the program ``name`` inside the virtual environment ``env_dir``."""
    folder = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    return folder / (f"{name}.exe" if sys.platform == "win32" else name)


def run(cmd: list, *, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd`` with text output captured; fail the test with its output if it fails."""
    proc = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs
    )
    if proc.returncode != 0:
        pytest.fail(f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc
