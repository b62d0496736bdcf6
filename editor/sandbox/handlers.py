"""The sandbox's application: routing, bearer auth, rate limits and request faults."""

from __future__ import annotations

import json
import re
import uuid
from http import HTTPStatus
from typing import TYPE_CHECKING

from editor.sandbox import fashn, openai_edits
from editor.sandbox.exchange import Exchange
from editor.sandbox.faults import REFUSALS, Fault
from editor.sandbox.reply import Reply, fashn_error, openai_error

if TYPE_CHECKING:
    from editor.sandbox.server import Sandbox

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


class SandboxApp:
    """Routing, bearer auth, rate limits and faults; ``connections`` does the HTTP."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def log(self, line: str) -> None:
        self.sandbox.log(line)

    def error_body(self, status: int, message: str) -> tuple[bytes, str]:
        """FASHN's error shape for refusals made before any endpoint ran."""
        names = {408: "RequestTimeout", 413: "PayloadTooLarge", 500: "InternalServerError"}
        name = names.get(status, "ServiceUnavailable" if status == 503 else "BadRequest")
        reply = fashn_error(status, name, message)
        return reply.body, reply.content_type

    def on_head(self, ex: Exchange) -> bool:
        """Count the request and take its fault; False resets it before the body is read."""
        sb = self.sandbox
        endpoint, arg = route(ex.method, ex.path)
        if endpoint is not None:
            sb.stats.count(endpoint)
        fault = sb.faults.take(endpoint, "request") if endpoint else None
        ex.context = (endpoint, arg, fault)
        return fault is None or fault.name != "reset_before_body"

    def handle(self, ex: Exchange) -> None:
        sb = self.sandbox
        endpoint, arg, fault = ex.context
        if endpoint is None:
            reply = fashn_error(404, "NotFound", f"No route for {ex.method} {ex.path}.")
            if ex.path.startswith("/v1/images"):
                reply = openai_error(404, f"Invalid URL ({ex.method} {ex.path}).")
        elif fault is not None and fault.name == "huge_output":
            self._send_endless(ex, str(fault.params["mode"]))
            return
        elif fault is not None and fault.name in REFUSALS:
            reply = self._fault_reply(ex, fault, endpoint, arg)
        else:
            reply = self._process(ex, endpoint, arg)
        if fault is not None:
            if fault.name == "reset_after_body":
                ex.abort()
                return
            if fault.name == "slow":
                sb.stopping.wait(float(fault.params["seconds"]))
            elif fault.name == "malformed_json":
                reply = _mangle(reply)
        if endpoint == "openai":
            reply.headers.setdefault("x-request-id", f"req_{uuid.uuid4().hex}")
        if reply.stream is not None:
            reply.headers.setdefault("Cache-Control", "no-cache")
        sb.log(f'{ex.client} "{ex.method} {ex.path}" {reply.status}')
        ex.send(reply.status, reply.body, reply.content_type, reply.headers, reply.stream)

    def _process(self, ex: Exchange, endpoint: str, arg: str | None) -> Reply:
        sb = self.sandbox
        if endpoint == "output":
            return sb.output_reply(str(arg))
        key = _bearer(ex.header("authorization"))
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
        host = ex.header("host")
        base = f"http://{host}" if host else sb.url
        if endpoint == "run":
            return fashn.handle_run(sb, key, ex.body)
        if endpoint == "status":
            return fashn.handle_status(sb, key, str(arg), base)
        if endpoint == "credits":
            return fashn.handle_credits(sb)
        return openai_edits.handle_edits(sb, ex.body, ex.header("content-type"), base)

    def _fault_reply(self, ex: Exchange, fault: Fault, endpoint: str, arg: str | None) -> Reply:
        name, params, oa = fault.name, fault.params, endpoint == "openai"
        retry = params.get("retry_after")
        headers = {"Retry-After": str(retry)} if retry is not None else {}
        if name == "redirect":
            return Reply(int(params["status"]), b"", "text/plain", {"Location": ex.target})
        if name == "html_error":
            code = int(params["status"])
            page = HTML_ERROR.format(code=code, reason=_phrase(code)).encode()
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

    def _send_endless(self, ex: Exchange, mode: str) -> None:
        """An output that never ends: a huge Content-Length, or an endless chunked body."""
        block = b"\0" * 65536
        if mode == "length":
            ex.send_head(200, [("content-type", "image/png"), ("content-length", str(10**12))])
        else:
            ex.send_head(200, [("content-type", "image/png"), ("transfer-encoding", "chunked")])
        for _ in range(2**17):  # at most 8 GiB, or until the client hangs up
            if self.sandbox.stopping.is_set():
                break
            ex.send_data(block)
        ex.abort()


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


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
