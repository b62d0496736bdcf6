"""The HTTP/1.1 request handler: routing, bearer auth, rate limits and request faults."""

from __future__ import annotations

import json
import re
import socket
import struct
import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from editor.sandbox import fashn, openai_edits
from editor.sandbox.faults import REFUSALS, Fault
from editor.sandbox.reply import Reply, fashn_error, openai_error

if TYPE_CHECKING:
    from editor.sandbox.server import Sandbox

MAX_BODY = 256 * 2**20
_STATUS = re.compile(r"^/v1/status/([^/]+)$")
_OUTPUT = re.compile(r"^/outputs/([^/]+)/(\d+)\.(png|jpg|jpeg|webp)$")
HTML_ERROR = (
    "<html><head><title>{code} {reason}</title></head><body><center><h1>{code} {reason}"
    "</h1></center><hr><center>nginx</center></body></html>\n"
)


def route(method: str, path: str) -> tuple[str | None, str | None]:
    """(endpoint, argument) for a request; endpoint None = not found / wrong method."""
    if path == "/v1/run" and method == "POST":
        return "run", None
    if (m := _STATUS.match(path)) and method == "GET":
        return "status", m.group(1)
    if path == "/v1/credits" and method == "GET":
        return "credits", None
    if path == "/v1/images/edits" and method == "POST":
        return "openai", None
    if (m := _OUTPUT.match(path)) and method == "GET":
        return "output", f"{m.group(1)}/{m.group(2)}"
    return None, None


class SandboxHandler(BaseHTTPRequestHandler):
    """One connection; keep-alive with exact Content-Length (or chunked streams)."""

    protocol_version = "HTTP/1.1"
    server_version = "MaskEditorSandbox/1.0"
    timeout = 60  # idle keep-alive connections and stalled clients
    disable_nagle_algorithm = True  # small answers must not wait for delayed ACKs

    @property
    def sandbox(self) -> Sandbox:
        return self.server.sandbox  # type: ignore[attr-defined,no-any-return]

    def setup(self) -> None:
        super().setup()
        self.sandbox.track_connection(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.sandbox.track_connection(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:
        self.sandbox.log(f"{self.address_string()} {format % args}")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- the request pipeline -------------------------------------------------------

    def _handle(self, method: str) -> None:
        sb = self.sandbox
        path = urlsplit(self.path).path
        endpoint, arg = route(method, path)
        if endpoint is not None:
            sb.stats.count(endpoint)
        fault = sb.faults.take(endpoint, "request") if endpoint else None
        if fault is not None and fault.name == "reset_before_body":
            self._abort()
            return
        body = self._read_body()
        if body is None:
            return
        if endpoint is None:
            reply = fashn_error(404, "NotFound", f"No route for {method} {path}.")
            if path.startswith("/v1/images"):
                reply = openai_error(404, f"Invalid URL ({method} {path}).")
        elif fault is not None and fault.name == "huge_output":
            self._send_endless(str(fault.params["mode"]))
            return
        elif fault is not None and fault.name in REFUSALS:
            reply = self._fault_reply(fault, endpoint, arg)
        else:
            reply = self._process(endpoint, arg, body)
        if fault is not None:
            if fault.name == "reset_after_body":
                self._abort()
                return
            if fault.name == "slow":
                sb.stopping.wait(float(fault.params["seconds"]))
            elif fault.name == "malformed_json":
                reply = _mangle(reply)
        if endpoint == "openai":
            reply.headers.setdefault("x-request-id", f"req_{uuid.uuid4().hex}")
        self._send(reply)

    def _process(self, endpoint: str, arg: str | None, body: bytes) -> Reply:
        sb = self.sandbox
        if endpoint == "output":
            return sb.output_reply(str(arg))
        key = _bearer(self.headers.get("Authorization"))
        if not sb.accepts(key):
            return _unauthorized(endpoint, key)
        assert key is not None
        if endpoint in sb.limiters:
            retry = sb.limiters[endpoint].hit(key)
            if retry is not None:
                sb.stats.bump("rate_limited")
                return fashn_error(
                    429,
                    "RateLimitExceeded",
                    f"Too many {endpoint} requests; slow down.",
                    {"Retry-After": str(retry)},
                )
        base = f"http://{self.headers.get('Host')}" if self.headers.get("Host") else sb.url
        if endpoint == "run":
            return fashn.handle_run(sb, key, body)
        if endpoint == "status":
            return fashn.handle_status(sb, key, str(arg), base)
        if endpoint == "credits":
            return fashn.handle_credits(sb)
        ctype = self.headers.get("Content-Type", "")
        return openai_edits.handle_edits(sb, body, ctype, base)

    def _fault_reply(self, fault: Fault, endpoint: str, arg: str | None) -> Reply:
        name, params, oa = fault.name, fault.params, endpoint == "openai"
        retry = params.get("retry_after")
        headers = {"Retry-After": str(retry)} if retry is not None else {}
        if name == "redirect":
            return Reply(int(params["status"]), b"", "text/plain", {"Location": self.path})
        if name == "html_error":
            code = int(params["status"])
            reason = self.responses.get(code, ("Error",))[0]
            page = HTML_ERROR.format(code=code, reason=reason).encode()
            return Reply(code, page, "text/html")
        if name == "server_error":
            code = int(params["status"])
            if oa:
                msg = "The server had an error while processing your request."
                return openai_error(code, msg, type_="server_error", code="server_error")
            return fashn_error(code, "InternalServerError", "Injected server error (sandbox).")
        if name == "unauthorized":
            return _unauthorized(endpoint, "x")
        if name == "expired":
            self.sandbox.expire(str(arg))
            return fashn_error(404, "NotFound", f"Prediction {arg!r} was not found or expired.")
        if oa and name in ("rate_limit", "concurrency_limit"):
            msg = "Rate limit reached for requests. Please try again later."
            return openai_error(
                429, msg, type_="requests", code="rate_limit_exceeded", headers=headers
            )
        if oa and name == "out_of_credits":
            msg = "You exceeded your current quota, please check your plan and billing details."
            return openai_error(429, msg, type_="insufficient_quota", code="insufficient_quota")
        error_name = {
            "rate_limit": "RateLimitExceeded",
            "concurrency_limit": "ConcurrencyLimitExceeded",
            "out_of_credits": "OutOfCredits",
        }[name]
        return fashn_error(429, error_name, f"Injected {error_name} (sandbox).", headers)

    # -- I/O ------------------------------------------------------------------------

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        else:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if 0 <= length <= MAX_BODY:
                return self.rfile.read(length) if length else b""
        self.close_connection = True
        self._send(fashn_error(413, "BadRequest", "The request body is too large or malformed."))
        return None

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.stream is None:
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            for chunk in reply.stream:
                if chunk:
                    self.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True

    def _send_endless(self, mode: str) -> None:
        """An output that never ends: a huge Content-Length, or an endless chunked body."""
        self.close_connection = True
        block = b"\0" * 65536
        try:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            if mode == "length":
                self.send_header("Content-Length", str(10**12))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(2**17):  # at most 8 GiB, or until the client hangs up
                if self.sandbox.stopping.is_set():
                    break
                self.wfile.write(block if mode == "length" else b"10000\r\n%s\r\n" % block)
        except OSError:
            pass

    def _abort(self) -> None:
        """Drop the connection without an answer (RST, unread data discarded)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.connection.close()


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _unauthorized(endpoint: str, key: str | None) -> Reply:
    if endpoint == "openai":
        msg = (
            "You didn't provide an API key."
            if not key
            else "Incorrect API key provided. You can find your API key in your account settings."
        )
        return openai_error(401, msg, code="invalid_api_key")
    msg = "Missing API key." if not key else "The API key is not valid."
    return fashn_error(401, "UnauthorizedAccess", msg + " Send 'Authorization: Bearer YOUR_KEY'.")


def _mangle(reply: Reply) -> Reply:
    """The same answer with a truncated (unparseable) JSON body."""
    body = reply.body[: max(1, len(reply.body) // 2)] if reply.stream is None else b""
    try:
        json.loads(body)
        body = b'{"id": "'
    except ValueError:
        pass
    return Reply(reply.status, body, "application/json", reply.headers)
