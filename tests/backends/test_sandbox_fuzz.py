"""Random bytes after a plausible start, on real sockets: the sandbox answers 2xx/4xx (501
for an unknown transfer coding) or closes, never a 5xx from a crash or a traceback."""

from __future__ import annotations

import http.client
import io
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_raw import KEY, connect, read_response

from editor.sandbox import HttpLimits, Sandbox

AUTH = f"Host: x\r\nAuthorization: Bearer {KEY}\r\n".encode()
PREFIXES = [
    b"",
    b"GET /v1/status/",
    b"GET /v1/credits HTTP/1.1\r\n",
    b"POST /v1/run HTTP/1.1\r\n" + AUTH + b"Transfer-Encoding: chunked\r\n\r\n",
    b"POST /v1/run HTTP/1.1\r\n" + AUTH + b"Content-Length: 60\r\n\r\n",
    b"POST /v1/images/edits HTTP/1.1\r\n" + AUTH
    + b"Content-Type: multipart/form-data; boundary=bb\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST /v1/images/edits HTTP/1.1\r\n" + AUTH
    + b"Content-Type: multipart/form-data; boundary=bb\r\nContent-Length: 200\r\n\r\n--bb\r\n",
]  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_box() -> Iterator[tuple[Sandbox, io.StringIO]]:
    log = io.StringIO()
    box = Sandbox(key=KEY, log=log, http=HttpLimits(head_timeout=2, body_grace=2)).start()
    yield box, log
    box.stop()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prefix=st.sampled_from(PREFIXES), tail=st.binary(max_size=400))
def test_random_requests_get_a_4xx_or_a_close(fuzz_box, prefix: bytes, tail: bytes):
    box, log = fuzz_box
    with connect(box.port, timeout=10) as sock:
        try:
            sock.sendall(prefix + tail)
            sock.shutdown(socket.SHUT_WR)  # the end: nothing more will come
            status: int | None = read_response(sock)[0]
        except (OSError, http.client.HTTPException):
            status = None  # closed without an answer (e.g. nothing was sent)
    assert status is None or status < 500 or status == 501, status
    assert "Traceback" not in log.getvalue() and " failed" not in log.getvalue()
