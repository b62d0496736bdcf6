"""The layer contracts in pyproject.toml ([tool.importlinter]) hold for the code, and they
do catch what they forbid: Qt or httpx in the core, Qt in the engines, an import that
points up, and an import cycle (checked on a copy of the package with one break each)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def _lint(cwd: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = str(extra_path)
    return subprocess.run(
        [str(LINT_IMPORTS), str(cwd / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and " KEPT" in result.stdout


@pytest.fixture(scope="module")
def copy_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package and its contracts, importable ahead of the real one."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "editor", root / "editor", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("core/mask.py", "import PySide6.QtGui", "neither Qt nor the network"),
        ("core/document_probe.py", "import httpx", "neither Qt nor the network"),
        ("backends/specs.py", "from PySide6 import QtCore", "run without Qt"),
        ("sandbox/state.py", "import PySide6", "run without Qt"),
        ("core/credits.py", "from editor.backends import specs", "Layers"),
        ("jobs.py", "from editor.ui import prefs", "Layers"),
        ("core/request.py", "from editor.core import validation", "No import cycles"),
    ],
)
def test_each_contract_catches_its_break(copy_root: Path, module: str, line: str, broken: str):
    target = copy_root / "editor" / module
    original = target.read_text() if target.exists() else None
    target.write_text((original or "") + f"\n{line}  # noqa\n")
    try:
        result = _lint(copy_root, extra_path=copy_root)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_text(original)
    assert result.returncode != 0, result.stdout
    broken_lines = [ln for ln in result.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(broken in ln for ln in broken_lines), result.stdout
