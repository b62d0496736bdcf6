"""The window's malloc settings: whole-photo blocks always come zeroed from mmap.

glibc raises its mmap threshold to the size of the last large block freed, so without a
fixed threshold the next photo's 16 MB Pillow blocks come from the heap and are cleared
by hand while the interpreter lock is held (a UI stall on every 100 MP decode). Run in a
fresh process: malloc's settings are per process and must be set before threads start.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc malloc settings (Linux only)"
)

PROBE = """
import ctypes, sys
import numpy as np

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
if sys.argv[1] == "tuned":
    from editor.ui.launch import limit_malloc_arenas
    limit_malloc_arenas()
freed = np.ones(20 << 20, np.uint8)  # a large block freed: glibc's threshold follows it
del freed
kept = np.zeros(16 << 20, np.uint8)  # a Pillow-block-sized allocation after it
print(libc.mallinfo2().hblkhd >> 20)
"""


def _mmapped_mb(mode: str) -> int:
    try:
        out = subprocess.run(
            [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
        ).stdout
    except subprocess.CalledProcessError as error:
        if "mallinfo2" in error.stderr:
            pytest.skip("this C library has no mallinfo2 (glibc < 2.33)")
        raise
    return int(out.strip())


def test_a_block_after_a_large_free_still_comes_from_mmap() -> None:
    assert _mmapped_mb("plain") < 16  # glibc's default: from the heap (cleared by hand)
    assert _mmapped_mb("tuned") >= 16  # fixed threshold: fresh zero pages from mmap
