"""Fixtures for the packaging tests: a wheel built from a copy of the checkout, and a
fresh virtual environment with that wheel installed offline from a local wheelhouse
(``MASK_EDITOR_WHEELHOUSE``, filled by ``./dev.sh test`` before the tests run), so no
test talks to a package index."""

from __future__ import annotations

import os
import shutil
import sys
import venv
from pathlib import Path

import pytest
from packaging_helpers import ROOT, run, venv_bin

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_SOURCE_ITEMS = ("pyproject.toml", "README.md", "editor", "resources")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built with ``pip wheel --no-deps`` from a copy of the checkout (so the
    build never writes build/ or *.egg-info into the working tree)."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for item in _SOURCE_ITEMS:
        path = ROOT / item
        if path.is_dir():
            shutil.copytree(path, src / item, ignore=ignore)
        else:
            shutil.copy2(path, src / item)
    out = tmp_path_factory.mktemp("wheelhouse")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, src], timeout=600)
    wheels = list(out.glob("mask_editor-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="session")
def installed_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment (no system site-packages) with the wheel and its
    dependencies installed by pip."""
    env_dir = tmp_path_factory.mktemp("fresh-venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = venv_bin(env_dir, "python")
    wheelhouse = os.environ.get("MASK_EDITOR_WHEELHOUSE")
    if not wheelhouse or not Path(wheelhouse).is_dir():
        pytest.skip("no offline wheelhouse: run ./dev.sh test (sets MASK_EDITOR_WHEELHOUSE)")
    run(
        [python, "-m", "pip", "install", "-q", "--no-index", "--find-links", wheelhouse, wheel],
        timeout=900,
    )
    return env_dir
