"""The wheel carries every module and resource, installs into a fresh virtual
environment, and both entry points work from there."""

from __future__ import annotations

import zipfile
from pathlib import Path

from packaging_helpers import ROOT, run, venv_bin

from editor import __version__


def test_wheel_holds_every_module_and_resource(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "editor").rglob("*.py")
        if "__pycache__" not in p.parts and "_resources" not in p.parts
    }
    assert modules - names == set(), "modules missing from the wheel"
    resources = {
        "editor/_resources/" + p.relative_to(ROOT / "resources").as_posix()
        for p in (ROOT / "resources").rglob("*")
        if p.is_file()
    }
    assert len(resources) > 40
    assert resources - names == set(), "resources missing from the wheel"
    # the placeholder that makes setuptools find the package name stays out
    assert not any(n.startswith("editor/_resources") and n.endswith(".md") for n in names)
    with zipfile.ZipFile(wheel) as zf:
        svg = zf.read("editor/_resources/mask-editor.svg")
    assert svg == (ROOT / "resources" / "mask-editor.svg").read_bytes()


def test_wheel_declares_both_entry_points(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        entry_points = next(
            zf.read(n).decode() for n in zf.namelist() if n.endswith("entry_points.txt")
        )
    assert "mask-editor = editor.app:main" in entry_points
    assert "mask-editor-cli = editor.cli:main" in entry_points


def test_fresh_venv_entry_points(installed_venv: Path, tmp_path: Path) -> None:
    version = run([venv_bin(installed_venv, "mask-editor"), "--version"], cwd=tmp_path)
    assert version.stdout.strip() == f"mask-editor {__version__}"

    check = run([venv_bin(installed_venv, "mask-editor"), "--self-check"], cwd=tmp_path)
    lines = check.stdout.strip().splitlines()
    assert len(lines) == 1, check.stdout
    assert lines[0].startswith(f"mask-editor {__version__} self-check ok:")
    assert "image plugins jpeg/png/tiff/webp" in lines[0]

    cli = venv_bin(installed_venv, "mask-editor-cli")
    estimate = run(
        [cli, "estimate", "--resolution", "2k", "--mode", "balanced", "--num-images", "2"],
        cwd=tmp_path,
    )
    assert estimate.stdout.strip().splitlines()[-1] == "6 credits"


def test_resource_helper_from_installed_wheel(installed_venv: Path, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "import editor.resources as r\n"
        "print(r.resource_dir())\n"
        "print(r.resource_path('icons/brush.svg'))\n"
        "image = r.icon('brush', '#ff0000').pixmap(48, 48).toImage()\n"
        "print(sum(image.pixelColor(x, y).alpha() > 128 for x in range(48) for y in range(48)))\n"
        "print(len(r.app_icon().availableSizes()))\n"
    )
    out = run([venv_bin(installed_venv, "python"), "-c", code], cwd=tmp_path).stdout.split("\n")
    resource_dir = Path(out[0])
    assert resource_dir.parts[-2:] == ("editor", "_resources")
    assert "site-packages" in resource_dir.parts
    assert ROOT not in resource_dir.parents
    assert Path(out[1]).is_file()
    assert int(out[2]) > 50  # the brush was actually drawn
    assert int(out[3]) == 8
