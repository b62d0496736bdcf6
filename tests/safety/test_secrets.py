"""A known API key goes through every CLI path; no file and no output ever contains it.

Paths: FASHN and OpenAI edits that succeed, each kind of service refusal and failure,
network faults, a wrong key, a bad base URL, a bad image, an unwritable output folder,
credits, estimate, a job killed mid-flight and resumed, the log file, autosave and a
session file. Then every file the app wrote (app-data folder, outputs, including PNG
text chunks and zip members) and every stdout/stderr is searched for the key.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.core.autosave import Autosaver
from editor.core.session import JobRecord, Session, save_session
from editor.core.variant import Variant
from editor.sandbox import Sandbox

from .cli_run import Run, cli_env, run_cli, start_and_kill, write_inputs

KEY = "fa-S3cretLeakCanary0123456789xyz"
FRAGMENTS = (KEY, KEY[3:], "S3cretLeakCanary", "LeakCanary0123")


def _texts_in(path: Path) -> list[bytes]:
    """The raw bytes of a file plus what compressed containers hide (zip, PNG text)."""
    data = path.read_bytes()
    found = [data]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                inner = zf.read(info)
                found.append(inner)
                if inner[:8] == b"\x89PNG\r\n\x1a\n":
                    found.extend(_png_text(inner))
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        found.extend(_png_text(data))
    return found


def _png_text(data: bytes) -> list[bytes]:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return [f"{k}={v}".encode("utf-8", "replace") for k, v in img.info.items()]


def _leaks(folders: list[Path], outputs: list[str]) -> list[str]:
    hits = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                for blob in _texts_in(path):
                    if any(f.encode() in blob for f in FRAGMENTS):
                        hits.append(str(path))
                        break
    for i, text in enumerate(outputs):
        if any(f in text for f in FRAGMENTS):
            hits.append(f"output #{i}: {text[:300]!r}")
    return hits


@pytest.fixture
def world(make_sandbox: Callable[..., Sandbox], tmp_path: Path, data_dir: Path):
    sb = make_sandbox(key=KEY, delays=0)
    photo, mask, _, _ = write_inputs(tmp_path / "in")
    return sb, photo, mask


def test_key_never_reaches_files_or_messages(
    world, make_sandbox: Callable[..., Sandbox], tmp_path: Path, data_dir: Path
) -> None:
    sb, photo, mask = world
    env = cli_env(data_dir, FASHN_API_KEY=KEY, OPENAI_API_KEY=KEY)
    outs = tmp_path / "outs"
    runs: list[tuple[str, Run]] = []

    def edit(name: str, *extra: str, backend: str = "fashn", url: str | None = None) -> Run:
        out = outs / name
        args = ["edit", str(photo), "--mask", str(mask), "--prompt", "a red hat"]
        args += ["--backend", backend, "--base-url", url or sb.url, "--out", str(out), *extra]
        result = run_cli(env, *args)
        runs.append((name, result))
        assert "Traceback" not in result.stderr, result.stderr
        return result

    # successes
    assert edit("fashn-png").code == 0
    assert edit("fashn-jpeg", "--format", "jpeg", "--num-images", "2").code == 0
    assert edit("fashn-focus", "--focus", "--resolution", "2k", "--mode", "quality").code == 0
    assert edit("openai", backend="openai", url=sb.url).code == 0
    assert edit("legacy", "--schema", "legacy-inpaint").code == 0
    # the service refuses or fails the job
    for fault, params in [
        ("job_failed", {"name": "ContentModerationError", "message": "nope"}),
        ("job_failed", {"name": "PipelineError"}),
        ("out_of_credits", {}),
        ("unauthorized", {}),
        ("server_error", {"status": 500}),
        ("html_error", {"status": 502}),
        ("malformed_json", {}),
        ("reset_before_body", {}),
        ("reset_after_body", {}),
        ("rate_limit", {"retry_after": 0}),
        ("canceled", {}),
        ("bad_output_url", {"url": "file:///etc/passwd"}),
        ("not_image_output", {}),
    ]:
        sb.inject(fault, **params)
        result = edit(f"fault-{fault}-{params.get('name', '')}")
        assert result.code != 0 or fault == "rate_limit", (fault, result.stderr)
    sb.inject("unauthorized", on="openai")
    assert edit("openai-401", backend="openai").code == 3
    # a server that does not know this key
    other = make_sandbox(key="fa-another-key-entirely-000000", delays=0)
    assert edit("wrong-key", url=other.url).code == 3
    assert edit("wrong-key-openai", backend="openai", url=other.url).code == 3
    # bad inputs and places
    assert edit("plain-http", url="http://example.com").code == 2
    (tmp_path / "blocker").write_text("a file, not a folder")
    bad_out = run_cli(env, "edit", str(photo), "--mask", str(mask), "--prompt", "x",
                      "--backend", "fashn", "--base-url", sb.url,
                      "--out", str(tmp_path / "blocker" / "out"))  # fmt: skip
    runs.append(("bad-out", bad_out))
    assert bad_out.code == 2
    broken = tmp_path / "in" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    runs.append(("bad-image", run_cli(env, "edit", str(broken), "--prompt", "x",
                                      "--backend", "fashn", "--base-url", sb.url,
                                      "--out", str(outs / "x"))))  # fmt: skip
    assert runs[-1][1].code == 2
    runs.append(("credits", run_cli(env, "credits", "--base-url", sb.url)))
    runs.append(("credits-wrong", run_cli(env, "credits", "--base-url", other.url)))
    runs.append(("estimate", run_cli(env, "estimate", "--resolution", "2k", "--mode",
                                     "balanced", "--num-images", "2")))  # fmt: skip
    # killed mid-job: the journal on disk is checked while the job is unfinished
    sb.set_delays(2.0)
    args = ["edit", str(photo), "--mask", str(mask), "--prompt", "kill me", "--backend",
            "fashn", "--base-url", sb.url, "--out", str(outs / "killed")]  # fmt: skip
    lines, stdout = start_and_kill(env, args, lambda line: line.startswith("status: in_queue"))
    runs.append(("killed", Run(-9, stdout, "\n".join(lines))))
    journal_files = [p for p in (data_dir / "journal").rglob("*") if p.is_file()]
    assert journal_files, "the unfinished job should be in the journal"
    assert _leaks([data_dir], []) == []
    sb.set_delays(0)
    resumed = run_cli(env, "resume")
    runs.append(("resume", resumed))
    # (jobs with unusable outputs stay in the journal and make resume answer 3)
    assert resumed.code in (0, 3) and "Traceback" not in resumed.stderr, resumed.stderr

    # the app's own files written in-process: log, autosave, session file
    import editor.logs as logs

    monkey_env = pytest.MonkeyPatch()
    monkey_env.setenv("FASHN_API_KEY", KEY)
    try:
        logs.setup_logging(logging.DEBUG)
        log = logging.getLogger("editor.backends.fashn")
        log.debug("POST /v1/run headers=%r", {"Authorization": f"Bearer {KEY}"})
        log.info("key is %s", KEY)
        try:
            raise RuntimeError(f"refused key {KEY}")
        except RuntimeError:
            log.exception("job failed")
        diag = logs.diagnostics_text({"fashn_api_key": KEY, "base_url": sb.url, "note": KEY})
        runs.append(("diagnostics", Run(0, diag, "\n".join(logs.recent_errors()))))
    finally:
        logs.teardown_logging()
        monkey_env.undo()
    pixels = np.zeros((32, 32, 3), np.uint8)
    session = Session(
        source=pixels,
        mask=np.zeros((32, 32), np.uint8),
        prompt="sky",
        settings={"fashn_api_key": KEY, "headers": {"Authorization": f"Bearer {KEY}"},
                  "note": f"key={KEY}"},
        jobs=[JobRecord("j1", "sky", {"api_key": KEY}, [Variant.whole(pixels)], "failed",
                        f"401 for {KEY}")],
    )  # fmt: skip
    save_session(session, outs / "work.mesession")
    saver = Autosaver(delay=0)
    saver.save_session(session)
    saver.close(keep=True)

    outputs = [text for _, run in runs for text in (run.stdout, run.stderr)]
    written = [p for p in outs.rglob("*") if p.is_file()]
    assert len(written) >= 8, written  # the successful paths really wrote files
    assert (data_dir / "logs" / "mask-editor.log").stat().st_size > 0
    assert _leaks([data_dir, outs], outputs) == []


def test_leak_finder_sees_hidden_copies(tmp_path: Path) -> None:
    """The search above would find the key in compressed PNG text and zip members."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("settings", f"key={KEY}", zip=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "meta.png", pnginfo=info)
    assert KEY.encode() not in (tmp_path / "meta.png").read_bytes()  # really compressed
    with zipfile.ZipFile(tmp_path / "s.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", f'{{"k": "{KEY}"}}' * 50)
    (tmp_path / "clean.txt").write_text("nothing here")
    assert sorted(Path(p).name for p in _leaks([tmp_path], [])) == ["meta.png", "s.zip"]
    assert _leaks([], ["ok", f"error: {KEY[3:]}"]) == [f"output #1: {'error: ' + KEY[3:]!r}"]
