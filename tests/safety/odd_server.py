"""A tiny FASHN-like server that misbehaves on purpose (test-only, http.server based):
it speaks status values the docs do not list before completing, and can echo request
data (the Authorization header, the key) back in its error messages and statuses."""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


class OddServer:
    """``mode``: "odd-status" (``odd_polls`` polls of ``odd_status``, then completed),
    "echo-error" (the submission is refused with the request's headers in the message),
    "echo-status" (statuses and the final error echo the Authorization header)."""

    def __init__(
        self,
        mode: str,
        *,
        odd_status: str = "warming_up",
        odd_polls: int = 3,
        size: tuple[int, int] = (320, 240),
    ) -> None:
        self.mode, self.odd_status, self.odd_polls = mode, odd_status, odd_polls
        self.output = "data:image/png;base64," + base64.b64encode(_png(*size)).decode()
        self.submissions = 0
        self.completed_served = 0
        self.polls = 0
        self.statuses: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.submissions += 1
                auth = self.headers.get("Authorization", "")
                if server.mode == "echo-error":
                    key = auth.split()[-1] if auth else ""
                    self._send(400, {"error": "BadRequest", "message": (
                        f"bad request; you sent Authorization: {auth}, api_key={key}, "
                        f"raw key {key}, headers={dict(self.headers)}"
                    )})  # fmt: skip
                    return
                self._send(200, {"id": "odd-job-1", "error": None})

            def do_GET(self) -> None:
                server.polls += 1
                auth = self.headers.get("Authorization", "")
                if server.polls <= server.odd_polls:
                    status = server.odd_status
                    if server.mode == "echo-status":
                        status = f"{server.odd_status} for {auth.split()[-1]}"
                    server.statuses.append(status)
                    self._send(200, {"id": "odd-job-1", "status": status, "error": None})
                    return
                if server.mode == "echo-status":
                    server.statuses.append("failed")
                    self._send(200, {"id": "odd-job-1", "status": "failed", "error": {
                        "name": "PipelineError", "message": f"echo: {auth} / {self.path}",
                    }})  # fmt: skip
                    return
                server.completed_served += 1
                server.statuses.append("completed")
                self._send(
                    200,
                    {"id": "odd-job-1", "status": "completed", "output": [server.output],
                     "error": None},
                )  # fmt: skip

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> OddServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
