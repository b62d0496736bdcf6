"""Image URLs in FASHN inputs: fetched only over http(s), only from the loopback origins the
sandbox was given, redirects only within one origin, with a size cap and a deadline."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from editor.sandbox import Sandbox
from editor.sandbox.fetch import MAX_FETCH_BYTES, Fetcher
from editor.sandbox.images import InputError
from editor.sandbox.testing import png_bytes, sample_image, wait_for_job

PNG = png_bytes(sample_image(16, 12))
KEY = "sk-fetch-test"


class Origin:
    """A plain image server on loopback that counts what it was asked for (a test fixture,
    not the code under test)."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.redirect_to = ""
        self.big = MAX_FETCH_BYTES + 1
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                origin.hits[self.path] += 1
                try:
                    self._answer()
                except OSError:
                    pass  # the fetcher hung up: expected for refused bodies

            def _answer(self) -> None:
                routes = {"/same": "/img.png", "/loop": "/loop", "/other": origin.redirect_to}
                if self.path in routes:
                    self.send_response(302)
                    self.send_header("Location", routes[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif self.path == "/img.png":
                    self._send(PNG)
                elif self.path in ("/big-length", "/big-stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    if self.path == "/big-length":
                        self.send_header("Content-Length", str(origin.big))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    block, left = b"\0" * 2**20, origin.big
                    while left > 0:
                        self.wfile.write(block[:left])
                        left -= len(block)
                elif self.path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    for _ in range(100):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.2)
                else:
                    self.send_error(404)

            def _send(self, data: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


@pytest.fixture
def other() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


def run_job(box: Sandbox, image: str) -> dict:
    with httpx.Client(base_url=box.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        resp = c.post(
            "/v1/run", json={"model_name": "edit", "inputs": {"image": image, "prompt": "x"}}
        )
        assert resp.status_code == 200, resp.text
        return wait_for_job(c, resp.json()["id"], timeout=60).json()


def failed_with(status: dict, words: str) -> bool:
    error = status["error"] or {}
    return (
        status["status"] == "failed"
        and error.get("name") == "ImageLoadError"
        and (words in error.get("message", ""))
    )


def test_an_allowed_origin_is_fetched(make_sandbox, origin: Origin):
    box = make_sandbox(key=KEY, fetch_from=[origin.url])
    assert run_job(box, f"{origin.url}/img.png")["status"] == "completed"
    assert origin.hits["/img.png"] == 1


def test_an_origin_not_listed_is_never_contacted(make_sandbox, origin: Origin):
    box = make_sandbox(key=KEY)
    assert failed_with(run_job(box, f"{origin.url}/img.png"), "loopback origins")
    assert not origin.hits
    own_api = f"{box.url}/v1/credits"  # the sandbox's own port, but not an output
    assert failed_with(run_job(box, own_api), "loopback origins")
    assert box.stats.credits_requests == 0


def test_redirects_within_the_origin_are_followed(make_sandbox, origin: Origin):
    box = make_sandbox(key=KEY, fetch_from=[origin.url])
    assert run_job(box, f"{origin.url}/same")["status"] == "completed"
    assert origin.hits["/same"] == 1 and origin.hits["/img.png"] == 1
    assert failed_with(run_job(box, f"{origin.url}/loop"), "too many times")
    assert origin.hits["/loop"] == 4  # the first request and 3 redirects, then it stops


def test_a_redirect_to_another_port_is_not_followed(make_sandbox, origin: Origin, other: Origin):
    origin.redirect_to = f"{other.url}/img.png"
    box = make_sandbox(key=KEY, fetch_from=[origin.url, other.url])  # even when both allowed
    assert failed_with(run_job(box, f"{origin.url}/other"), "another host or port")
    assert not other.hits


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/a.png",
        "gopher://127.0.0.1:70/x",
        "javascript:alert(1)",
        "http://[::1",
        "http:///nohost.png",
    ],
)
def test_other_schemes_and_broken_urls_are_refused(make_sandbox, url: str):
    box = make_sandbox(key=KEY)
    assert failed_with(run_job(box, url), "http(s) URL")


def test_an_image_larger_than_the_cap_is_refused(make_sandbox, origin: Origin):
    box = make_sandbox(key=KEY, fetch_from=[origin.url])
    assert failed_with(run_job(box, f"{origin.url}/big-length"), "larger than")
    assert failed_with(run_job(box, f"{origin.url}/big-stream"), "larger than")
    assert box.credits == 100  # failed inputs are not charged


def test_the_cap_is_counted_while_reading(origin: Origin):
    fetcher = Fetcher([origin.url], max_bytes=2**20)
    origin.big = 2**20 + 1
    with pytest.raises(InputError, match="larger than"):
        fetcher.fetch(f"{origin.url}/big-stream", "image")
    origin.big = 2**20
    assert len(fetcher.fetch(f"{origin.url}/big-stream", "image")) == 2**20


def test_a_slow_origin_hits_the_total_deadline(origin: Origin):
    fetcher = Fetcher([origin.url], timeout=2.0, total=1.0)
    start = time.monotonic()
    with pytest.raises(InputError, match="too slow"):
        fetcher.fetch(f"{origin.url}/drip", "image")
    assert time.monotonic() - start < 4


def test_an_error_answer_is_an_image_load_error(origin: Origin):
    with pytest.raises(InputError, match="HTTP 404") as info:
        Fetcher([origin.url]).fetch(f"{origin.url}/missing.png", "mask")
    assert info.value.name == "ImageLoadError"


@pytest.mark.parametrize(
    "bad", ["http://example.com", "http://192.168.1.2:80", "file:///tmp", "ftp://127.0.0.1"]
)
def test_fetch_from_takes_only_loopback_http_origins(bad: str):
    with pytest.raises(ValueError, match="loopback"):
        Sandbox(fetch_from=[bad])
