"""``editor.sandbox.serve``: the foreground server behind ``mask-editor-cli sandbox``."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import httpx
import pytest

from editor.core.errors import EditorError
from editor.sandbox import Sandbox, serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_until_ctrl_c_and_checks_the_key():
    port = _free_port()
    code = f"from editor.sandbox import serve; raise SystemExit(serve('127.0.0.1', {port}, 'k1'))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a terminal's Ctrl+C, even when the tests themselves run where SIGINT is ignored
        # (a shell's background job): the child would inherit that and never stop
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first
        base = f"http://127.0.0.1:{port}"
        ok = httpx.get(f"{base}/v1/credits", headers={"Authorization": "Bearer k1"})
        assert ok.status_code == 200
        wrong = httpx.get(f"{base}/v1/credits", headers={"Authorization": "Bearer k2"})
        assert wrong.status_code == 401
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)  # ~0.1 s here; slack for a loaded CI
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"the sandbox did not stop within 30 s of Ctrl+C; it wrote: {err[-1500:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert "k1" not in first + out  # the key is never printed


def test_serve_refuses_a_network_address_without_explicit_permission():
    with pytest.raises(EditorError, match="allow_remote"):
        serve("0.0.0.0", 0, None)


def test_serve_reports_a_busy_port_in_one_line(sandbox: Sandbox):
    with pytest.raises(EditorError, match="--port") as info:
        serve("127.0.0.1", sandbox.port, None)
    assert "\n" not in str(info.value)
