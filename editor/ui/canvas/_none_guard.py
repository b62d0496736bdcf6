"""Guard against a PySide6 6.12 bug that drops references to None and True.

PySide6 6.12.0 (abi3 wheels) returns None from every void method, and True from
``Signal.emit``, without a new reference. On Python >= 3.12 these objects are
immortal and nothing happens; on 3.11 their reference counts fall by one per call
(QPainter.setPen, QWidget.update, signal emits...) and the interpreter aborts with
"none_dealloc: deallocating None" (or "bool_dealloc") after a few thousand calls,
i.e. seconds of painting. PySide6 6.11.3 does not have the bug. When the bug is
detected, the counts are raised far out of reach, which is what Python 3.12 does by
design (immortal objects). Pinning ``PySide6-Essentials != 6.12.0`` avoids it too.
"""

from __future__ import annotations

import ctypes
import sys

_MARGIN = 1 << 40


def pyside_drops_refs() -> bool:
    """True when a void PySide6 call or a signal emit lowers None's / True's count."""
    from PySide6.QtCore import QObject, QPointF, Signal

    class _Probe(QObject):
        ping = Signal()

    p, probe = QPointF(), _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        p.setX(1.0)
        probe.ping.emit()
    return sys.getrefcount(None) < none_before or sys.getrefcount(True) < true_before


def protect_none() -> bool:
    """Apply the guard if needed (CPython < 3.12 only); True when it was applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not pyside_drops_refs():
        return False
    for obj in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt: PyObject's first field
        if refcnt.value < _MARGIN:
            refcnt.value += _MARGIN
    return True
