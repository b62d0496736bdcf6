"""The 256 MB body limit holds for chunked bodies that lie about their size: the sandbox
runs in its own process (``mask-editor-cli sandbox``) so its peak memory can be read."""

from __future__ import annotations

import sys

import httpx
import pytest
from sandbox_raw import KEY, MB, ServerProcess, chunked_head, upload_while_reading

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/PID/status")

BLOCK = b"x" * MB


def _alive(server: ServerProcess) -> None:
    resp = httpx.get(
        f"http://127.0.0.1:{server.port}/v1/credits", headers={"Authorization": f"Bearer {KEY}"}
    )
    assert resp.status_code == 200


def test_negative_chunk_size_then_400_mb_is_refused_at_once():
    """The old parser read ``-1`` as "read to the end" and took 400 MB past its limit."""
    with ServerProcess() as server:
        before = server.status()["VmHWM"]
        head = chunked_head() + b"-1\r\n"
        status, _, _ = upload_while_reading(server.port, head, 400, BLOCK)
        grown_mb = (server.status()["VmHWM"] - before) / 1024
        _alive(server)
        err = server.stop()
    assert status == 400
    assert grown_mb < 32, f"peak memory grew by {grown_mb:.0f} MB"
    assert "Traceback" not in err


@pytest.mark.parametrize("size_line", [b"FFFFFFFFFFFF", b"100000"])
def test_chunked_body_past_256_mb_is_413_and_memory_stays_bounded(size_line: bytes):
    """One chunk announcing 256 TB, or 1 MB chunks that never end: 413 after 256 MB."""
    if size_line == b"100000":
        body = b"100000\r\n" + BLOCK + b"\r\n"  # a well-formed 1 MiB chunk, repeated
        head = chunked_head()
    else:
        body, head = BLOCK, chunked_head() + size_line + b"\r\n"
    with ServerProcess() as server:
        before = server.status()["VmHWM"]
        status, sent, _ = upload_while_reading(server.port, head, 300, body)
        grown_mb = (server.status()["VmHWM"] - before) / 1024
        _alive(server)
        err = server.stop()
    assert status == 413
    assert sent >= 256 * MB  # the server did read up to its limit, then refused
    assert grown_mb < 256 + 64, f"peak memory grew by {grown_mb:.0f} MB"
    assert "Traceback" not in err
