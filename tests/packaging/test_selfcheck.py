"""``mask-editor --self-check`` prints one line and returns 0, or names what failed."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from packaging_helpers import ROOT

from editor import __version__, selfcheck


def test_self_check_passes_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert selfcheck.run_self_check() == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith(f"mask-editor {__version__} self-check ok: Qt 6.")
    for part in ("image plugins jpeg/png/tiff/webp", "PatchMatch fill", "TLS ok"):
        assert part in line


def test_missing_image_plugin_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selfcheck, "QT_FORMATS", ("jpeg", "jxl-nonexistent"))
    assert selfcheck.run_self_check() == 1
    out = capsys.readouterr().out.strip()
    assert out == (
        f"mask-editor {__version__} self-check FAILED at Qt image plugins: "
        "Qt image plugins missing: jxl-nonexistent"
    )


def test_engine_failure_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # an empty mask: the engine refuses it
    monkeypatch.setattr(selfcheck, "_hole", lambda image: np.zeros(image.shape[:2], np.uint8))
    assert selfcheck.run_self_check() == 1
    out = capsys.readouterr().out.strip()
    assert "\n" not in out and "Traceback" not in out
    assert out.startswith(f"mask-editor {__version__} self-check FAILED at local engine: ")


def test_self_check_without_display_goes_offscreen() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.run(
        [sys.executable, "-m", "editor", "--self-check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-check ok: Qt 6." in proc.stdout
    if sys.platform.startswith("linux"):
        assert " offscreen," in proc.stdout
