"""Fixtures for the packaging tests: a wheel built from a copy of the checkout, and a
fresh virtual environment with that wheel installed (dependencies from pip's own
configured index/cache, exactly as a user would install it)."""

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
    run([python, "-m", "pip", "install", "-q", wheel], timeout=900)
    return env_dir


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this folder's slow tests (the bundle build) unless ``-m`` selects them."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason="slow: builds the bundle; run with -m slow")
    for item in items:
        if item.get_closest_marker("slow") and here in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)
