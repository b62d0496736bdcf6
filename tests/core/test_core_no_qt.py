"""The core is pure numpy + Pillow: importing all of it must not load Qt."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import editor.core


def test_core_modules_do_not_import_qt() -> None:
    names = sorted(f"editor.core.{m.name}" for m in pkgutil.iter_modules(editor.core.__path__))
    assert {"editor.core.image", "editor.core.mask", "editor.core.prepare"} <= set(names)
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'qasync'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
