"""The sandbox's HTTP layer on real sockets: malformed requests get a 4xx (never a
traceback), bodies are capped in every transfer encoding, connections and threads are
bounded, idle and slow clients time out, keep-alive and pipelining still work."""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import time

import httpx
import pytest
from sandbox_raw import KEY, MB, chunked_head, closed_by_peer, connect, exchange, read_response

from editor.sandbox import Sandbox
from editor.sandbox.connections import HttpLimits

HEAD = f"Host: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"


@pytest.fixture
def log() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def box(make_sandbox, log: io.StringIO) -> Sandbox:
    return make_sandbox(key=KEY, log=log)


def _sandbox_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("sandbox"))


def _credits_ok(box: Sandbox) -> None:
    resp = httpx.get(f"{box.url}/v1/credits", headers={"Authorization": f"Bearer {KEY}"})
    assert resp.status_code == 200 and resp.json()["credits"]["total"] == 100


@pytest.mark.parametrize(
    "size_line", [b"-1", b"zz", b"0x10", b"1" * 21, b"12 34", b"\xff", b"", b"+5"]
)
def test_malformed_chunk_sizes_are_400(box: Sandbox, log: io.StringIO, size_line: bytes):
    status, headers, body = exchange(box.port, chunked_head() + size_line + b"\r\nabcde\r\n")
    assert status == 400
    assert headers["connection"] == "close"
    assert "chunk" in json.loads(body)["message"] and json.loads(body)["error"] == "BadRequest"
    assert box.stats.jobs_created == 0
    assert "Traceback" not in log.getvalue()
    _credits_ok(box)  # the server is fine afterwards


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /v1/credits HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        (b"GET /v1/credits HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 without Host
        (b"GET /v1/\xffcredits HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /v1/credits HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400),
        (b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
        (
            b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            400,
        ),
        (b"POST /v1/run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"GET /v1/credits HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n", 431),
    ],
)
def test_malformed_request_lines_and_headers_get_a_4xx(
    box: Sandbox, log: io.StringIO, raw: bytes, code: int
):
    status, _, body = exchange(box.port, raw)
    assert status == code
    assert json.loads(body)["message"]
    assert "Traceback" not in log.getvalue()
    _credits_ok(box)


def test_content_length_over_the_limit_is_refused_before_reading(box: Sandbox):
    head = f"POST /v1/run HTTP/1.1\r\n{HEAD}Content-Length: {256 * MB + 1}\r\n\r\n"
    start = time.monotonic()
    status, _, body = exchange(box.port, head.encode())  # and no body at all
    assert status == 413 and "256 MB" in json.loads(body)["message"]
    assert json.loads(body)["error"] == "PayloadTooLarge"
    assert time.monotonic() - start < 2
    assert box.stats.run_requests == 1 and box.stats.jobs_created == 0


def test_chunked_body_over_a_small_limit_is_413(make_sandbox, log: io.StringIO):
    box = make_sandbox(key=KEY, log=log, http=HttpLimits(max_body=MB))
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"  # 64 KiB chunks, 17 of them > 1 MiB
    status, _, _ = exchange(box.port, chunked_head() + chunk * 17)
    assert status == 413 and box.stats.jobs_created == 0
    ok = chunked_head() + b"2\r\n{}\r\n0\r\n\r\n"  # a small chunked body is read normally
    status, _, body = exchange(box.port, ok)
    assert status == 400 and "model_name" in json.loads(body)["message"]


def test_an_http_client_uploading_too_much_reads_the_413(make_sandbox):
    """The answer is sent, then the rest of the upload is drained: the client sees 413,
    not a connection reset, whichever transfer encoding it used."""
    box = make_sandbox(key=KEY, http=HttpLimits(max_body=MB))

    def chunks():
        for _ in range(20):
            yield b"x" * MB

    with httpx.Client(base_url=box.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        by_length = c.post("/v1/run", content=b"x" * (20 * MB))
        by_chunks = c.post("/v1/run", content=chunks())
    for resp in (by_length, by_chunks):
        assert resp.status_code == 413 and "1 MB" in resp.json()["message"]
    assert box.stats.run_requests == 2 and box.stats.jobs_created == 0


def test_chunked_run_is_accepted_like_content_length(box: Sandbox):
    def chunks():
        yield b'{"model_name": "edit", '
        yield b'"inputs": {"image": "data:image/png;base64,AAAA", "prompt": "x"}}'

    with httpx.Client(base_url=box.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        resp = c.post("/v1/run", content=chunks(), headers={"Content-Type": "application/json"})
    assert resp.status_code == 200 and resp.json()["id"]
    assert box.stats.jobs_created == 1


def test_pipelined_requests_on_one_connection(box: Sandbox):
    one = f"GET /v1/credits HTTP/1.1\r\n{HEAD}\r\n".encode()
    with connect(box.port) as sock:
        sock.sendall(one * 3)
        answers = [read_response(sock)[0] for _ in range(3)]
    assert answers == [200, 200, 200] and box.stats.credits_requests == 3


def test_head_and_odd_methods_get_an_answer_without_errors(box: Sandbox, log: io.StringIO):
    with connect(box.port) as sock:
        sock.sendall(f"HEAD /v1/credits HTTP/1.1\r\n{HEAD}\r\n".encode())
        resp = http.client.HTTPResponse(sock, method="HEAD")
        resp.begin()
        assert resp.status == 404 and resp.read() == b""
        sock.sendall(f"GET /v1/credits HTTP/1.1\r\n{HEAD}\r\n".encode())  # same connection
        assert read_response(sock)[0] == 200
    for raw in (b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"):
        assert exchange(box.port, raw)[0] == 404
    assert "failed" not in log.getvalue()


def test_expect_100_continue(box: Sandbox):
    body = b"not json"
    head = (
        f"POST /v1/run HTTP/1.1\r\n{HEAD}Expect: 100-continue\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    with connect(box.port) as sock:
        sock.sendall(head.encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 100 ")
        sock.sendall(body)
        status, _, answer = read_response(sock)
    assert status == 400 and json.loads(answer)["error"] == "BadRequest"


def test_200_idle_connections_use_no_thread_each_and_time_out(make_sandbox):
    before = _sandbox_threads()
    box = make_sandbox(key=KEY, http=HttpLimits(idle_timeout=1.5))
    socks = [connect(box.port) for _ in range(200)]
    try:
        deadline = time.monotonic() + 5
        while box.open_connections < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert box.open_connections == 200
        _credits_ok(box)  # served while 200 clients sit idle
        threads = _sandbox_threads() - before
        assert threads <= 1 + box.http.max_workers + 2  # I/O thread, workers, job pool
        waits = [closed_by_peer(s, 5) for s in socks]
        assert all(w is not None for w in waits)
        assert max(w for w in waits if w is not None) < 4
        assert box.open_connections == 0
    finally:
        for s in socks:
            s.close()


def _wait_open(box: Sandbox, count: int) -> None:
    deadline = time.monotonic() + 5
    while box.open_connections != count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert box.open_connections == count


def test_at_the_cap_an_idle_connection_makes_room(make_sandbox):
    box = make_sandbox(key=KEY, http=HttpLimits(max_connections=5))
    held = [connect(box.port) for _ in range(5)]
    try:
        _wait_open(box, 5)
        _credits_ok(box)  # a 6th client is served: the longest-idle one was closed
        assert closed_by_peer(held[0], 3) is not None
        assert all(closed_by_peer(s, 0.2) is None for s in held[1:])
    finally:
        for s in held:
            s.close()


def test_connections_beyond_the_limit_are_closed_when_none_is_idle(make_sandbox, log: io.StringIO):
    box = make_sandbox(key=KEY, log=log, http=HttpLimits(max_connections=5))
    held = [connect(box.port) for _ in range(5)]
    try:
        for s in held:
            s.sendall(b"GET /v1/cred")  # each is in the middle of a request head
        _wait_open(box, 5)
        time.sleep(0.1)
        with connect(box.port) as extra:
            assert closed_by_peer(extra, 3) is not None
        assert "5 connections open" in log.getvalue()
    finally:
        for s in held:
            s.close()
    _wait_open(box, 0)
    _credits_ok(box)  # room again


def _drip(sock: socket.socket, data: bytes, stop: threading.Event, every: float) -> None:
    for byte in data:
        if stop.wait(every):
            return
        try:
            sock.send(bytes([byte]))
        except OSError:
            return


def test_a_head_dripping_a_byte_at_a_time_times_out(make_sandbox, log: io.StringIO):
    box = make_sandbox(key=KEY, log=log, http=HttpLimits(head_timeout=1.5, idle_timeout=30))
    stop = threading.Event()
    with connect(box.port) as sock:
        raw = f"GET /v1/credits HTTP/1.1\r\n{HEAD}\r\n".encode()
        dripper = threading.Thread(target=_drip, args=(sock, raw, stop, 0.2), daemon=True)
        dripper.start()
        _credits_ok(box)  # others are served meanwhile
        waited = closed_by_peer(sock, 6)
        stop.set()
    assert waited is not None and waited < 4
    assert "timed out sending a request head" in log.getvalue()


def test_a_body_dripping_a_byte_at_a_time_gets_408(make_sandbox):
    box = make_sandbox(key=KEY, http=HttpLimits(body_grace=1.0))
    head = f"POST /v1/run HTTP/1.1\r\n{HEAD}Content-Length: 1000\r\n\r\n".encode()
    stop = threading.Event()
    with connect(box.port) as sock:
        sock.sendall(head)
        dripper = threading.Thread(target=_drip, args=(sock, b"x" * 999, stop, 0.2), daemon=True)
        dripper.start()
        start = time.monotonic()
        status, _, body = read_response(sock)
        waited = time.monotonic() - start
        stop.set()
    assert status == 408 and "slowly" in json.loads(body)["message"]
    assert json.loads(body)["error"] == "RequestTimeout"
    assert waited < 4 and box.stats.jobs_created == 0


def test_stop_closes_busy_and_idle_connections(make_sandbox):
    box = make_sandbox(key=KEY)
    idle = connect(box.port)
    box.inject("slow", on="credits", seconds=30)
    result: list[object] = []

    def slow_call() -> None:
        try:
            result.append(httpx.get(f"{box.url}/v1/credits", timeout=20).status_code)
        except httpx.HTTPError as exc:
            result.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    time.sleep(0.3)
    start = time.monotonic()
    box.stop()
    caller.join(10)
    assert time.monotonic() - start < 5
    assert closed_by_peer(idle, 3) is not None
    idle.close()


def test_a_bug_in_an_endpoint_is_a_500_and_one_log_line(
    box: Sandbox, log: io.StringIO, monkeypatch: pytest.MonkeyPatch
):
    from editor.sandbox import fashn

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(fashn, "handle_run", broken)
    resp = httpx.post(f"{box.url}/v1/run", json={}, headers={"Authorization": f"Bearer {KEY}"})
    assert resp.status_code == 500 and resp.json()["error"] == "InternalServerError"
    assert "POST /v1/run failed: RuntimeError('boom')" in log.getvalue()
    assert "Traceback" not in log.getvalue()
    _credits_ok(box)


def test_a_client_that_stops_reading_is_dropped_after_the_write_timeout(make_sandbox):
    from editor.sandbox.testing import edit_inputs, sample_image, wait_for_job

    box = make_sandbox(key=KEY, http=HttpLimits(write_timeout=1.0))
    with httpx.Client(base_url=box.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        job = c.post("/v1/run", json={"model_name": "edit", "inputs": edit_inputs(sample_image())})
        output = wait_for_job(c, job.json()["id"]).json()["output"][0]
    box.inject("huge_output", mode="endless")
    path = output.split(str(box.port), 1)[1]
    with connect(box.port) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\n{HEAD}\r\n".encode())  # and never read
        start = time.monotonic()
        _wait_open(box, 0)  # the worker gave up on the write and dropped the connection
        assert time.monotonic() - start < 5
        assert closed_by_peer(sock, 5) is not None
    resp = httpx.get(f"{box.url}/v1/credits", headers={"Authorization": f"Bearer {KEY}"})
    assert resp.status_code == 200  # the worker is free again
