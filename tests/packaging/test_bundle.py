"""Build the PyInstaller bundle and run it (slow: about a minute of CPU; run with
``pytest tests/packaging -m slow``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging_helpers import ROOT, run

from editor import __version__

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("PyInstaller")
    out = tmp_path_factory.mktemp("bundle")
    run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build.py"),
            "--dist",
            out / "dist",
            "--work",
            out / "work",
            "--console",
        ],
        timeout=1800,
    )
    folder = out / "dist" / "mask-editor"
    assert folder.is_dir()
    return folder


def _program(bundle: Path, name: str) -> Path:
    return bundle / (f"{name}.exe" if sys.platform == "win32" else name)


def test_bundle_carries_plugins_engine_and_certificates(bundle: Path) -> None:
    files = {p.relative_to(bundle).as_posix().lower() for p in bundle.rglob("*") if p.is_file()}
    for needle in (
        "qjpeg",
        "qtiff",
        "qwebp",
        "qsvgicon",
        "patchmatch",
        "cacert.pem",
        "editor/_resources/mask-editor.svg",
        "editor/_resources/icons/brush.svg",
    ):
        assert any(needle in f for f in files), needle
    assert not any("/translations/" in f for f in files)
    assert not any("qt6network" in f or "qtnetwork" in f for f in files)


def test_bundle_version_and_self_check(bundle: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    gui = _program(bundle, "mask-editor")
    version = run([gui, "--version"], cwd=tmp_path, env=env)
    assert version.stdout.strip() == f"mask-editor {__version__}"
    check = run([gui, "--self-check"], cwd=tmp_path, env=env)
    line = check.stdout.strip()
    assert "\n" not in line
    assert line.startswith(f"mask-editor {__version__} self-check ok:")
    assert "image plugins jpeg/png/tiff/webp" in line and "TLS ok" in line


def test_bundle_cli(bundle: Path, tmp_path: Path) -> None:
    cli = _program(bundle, "mask-editor-cli")
    if not cli.exists():
        pytest.skip("editor/cli.py did not exist when the bundle was built")
    proc = subprocess.run(
        [cli, "estimate", "--resolution", "2k", "--mode", "balanced", "--num-images", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "6 credits"
