"""`mask-editor-cli` per the contract: via main(argv) and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from backend_helpers import SANDBOX_KEY, box_mask, photo

from editor.cli import main
from editor.core.codec import encode_jpeg, encode_png
from editor.core.image import load_image


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    img, mask = tmp_path / "photo.jpg", tmp_path / "mask.png"
    img.write_bytes(encode_jpeg(photo(), 95))
    mask.write_bytes(encode_png(box_mask()))
    return {"image": img, "mask": mask, "out": tmp_path / "out"}


@pytest.fixture
def no_keys(monkeypatch):
    from editor.backends import keys

    monkeypatch.delenv("FASHN_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(keys, "_keyring", lambda: None)
    monkeypatch.setattr(keys, "_session_keys", {})


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "editor.cli", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_estimate_last_line_is_the_number_of_credits(capsys):
    assert main(["estimate", "--resolution", "2k", "--mode", "balanced", "--num-images", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "6 credits"
    assert main(["estimate", "--schema", "legacy-inpaint", "--resolution", "1k",
                 "--mode", "auto", "--num-images", "1"]) == 0  # fmt: skip
    assert capsys.readouterr().out.strip().splitlines()[-1] == "1 credits"


def test_local_edit_writes_one_file_per_variant(files, capsys, no_keys):
    code = main(["edit", str(files["image"]), "--mask", str(files["mask"]),
                 "--num-images", "2", "--out", str(files["out"])])  # fmt: skip
    assert code == 0
    paths = [Path(p) for p in capsys.readouterr().out.strip().splitlines()]
    assert len(paths) == 2 and all(p.parent == files["out"] and p.exists() for p in paths)
    assert load_image(paths[0]).pixels.shape == (300, 400, 3)


def test_png_outputs_carry_prompt_seed_and_settings_but_no_key(sandbox, files, monkeypatch, capsys):
    from PIL import Image

    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    code = main(["edit", str(files["image"]), "--mask", str(files["mask"]), "--prompt",
                 "a red hat", "--backend", "fashn", "--base-url", sandbox.url, "--seed", "77",
                 "--mode", "balanced", "--out", str(files["out"])])  # fmt: skip
    assert code == 0
    (path,) = capsys.readouterr().out.split()
    with Image.open(path) as im:
        text = dict(im.text)
    assert text["prompt"] == "a red hat" and text["seed"] == "77"
    assert '"generation_mode": "balanced"' in text["settings"]
    assert SANDBOX_KEY not in repr(text) and SANDBOX_KEY.encode() not in Path(path).read_bytes()


def test_fashn_edit_as_a_subprocess(sandbox, files):
    proc = cli("edit", str(files["image"]), "--mask", str(files["mask"]), "--prompt", "hat",
               "--base-url", sandbox.url, "--num-images", "2", "--format", "jpeg",
               "--resolution", "2k", "--mode", "fast", "--seed", "3", "--focus",
               "--out", str(files["out"]), env={"FASHN_API_KEY": SANDBOX_KEY})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    paths = proc.stdout.strip().splitlines()
    assert len(paths) == 2 and all(p.endswith(".jpg") and Path(p).exists() for p in paths)
    assert sandbox.stats.jobs_created == 1
    assert SANDBOX_KEY not in proc.stdout + proc.stderr


def test_openai_edit_and_no_composite(sandbox, files, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SANDBOX_KEY)
    code = main(["edit", str(files["image"]), "--mask", str(files["mask"]), "--prompt", "hat",
                 "--backend", "openai", "--base-url", sandbox.url, "--model", "dall-e-2",
                 "--no-composite", "--out", str(files["out"])])  # fmt: skip
    assert code == 0
    (path,) = capsys.readouterr().out.strip().splitlines()
    result = load_image(path).pixels
    source = load_image(files["image"]).pixels
    keep = np.ones((300, 400), bool)
    keep[90:190, 140:260] = False
    assert not np.array_equal(result[keep], source[keep])  # raw result, not pasted back


def test_service_refusal_exits_3_with_name_and_message(sandbox, files):
    sandbox.inject("out_of_credits")
    proc = cli("edit", str(files["image"]), "--mask", str(files["mask"]), "--prompt", "x",
               "--backend", "fashn", "--base-url", sandbox.url, "--out", str(files["out"]),
               env={"FASHN_API_KEY": SANDBOX_KEY})  # fmt: skip
    assert proc.returncode == 3
    assert "error: FASHN OutOfCredits" in proc.stderr and "Traceback" not in proc.stderr


def test_failed_job_exits_3(sandbox, files, monkeypatch, capsys):
    sandbox.inject("job_failed", name="ContentModerationError", message="not allowed")
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    code = main(["edit", str(files["image"]), "--prompt", "x", "--backend", "fashn",
                 "--base-url", sandbox.url, "--out", str(files["out"])])  # fmt: skip
    assert code == 3
    assert "ContentModerationError: not allowed" in capsys.readouterr().err


def test_network_trouble_exits_4(files, monkeypatch, capsys):
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    code = main(["edit", str(files["image"]), "--prompt", "x", "--backend", "fashn",
                 "--base-url", "http://127.0.0.1:9", "--out", str(files["out"])])  # fmt: skip
    assert code == 4
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["edit", "missing.png", "--out", "o"], "missing.png"),
        (["edit", "{image}", "--mask", "{small}", "--out", "{out}"], "mask"),
        (
            [
                "edit",
                "{image}",
                "--prompt",
                "x",
                "--backend",
                "fashn",
                "--base-url",
                "http://api.example.com",
                "--out",
                "{out}",
            ],
            "https://",
        ),
        (
            [
                "edit",
                "{image}",
                "--mask",
                "{mask}",
                "--prompt",
                "x",
                "--backend",
                "local",
                "--out",
                "{out}",
            ],
            "Prompt-guided edits need FASHN",
        ),
        (["edit", "{image}", "--num-images", "0", "--out", "{out}"], "at least 1"),
        (["edit", "{image}"], "--out"),
        (["credits"], "FASHN_API_KEY"),
    ],
)
def test_bad_input_exits_2_with_one_line(files, tmp_path, capsys, no_keys, args, text):
    small = tmp_path / "small.png"
    small.write_bytes(encode_png(np.zeros((10, 10), np.uint8)))
    names = {"image": files["image"], "mask": files["mask"], "out": files["out"], "small": small}
    argv = [a.format(**names) for a in args]
    monkeypatch_env = {"FASHN_API_KEY": SANDBOX_KEY} if "fashn" in argv else {}
    os.environ.update(monkeypatch_env)
    try:
        assert main(argv) == 2
    finally:
        for k in monkeypatch_env:
            os.environ.pop(k, None)
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err


def test_read_only_output_folder_exits_2_before_paying(
    sandbox, files, tmp_path, monkeypatch, capsys
):
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    try:
        code = main(["edit", str(files["image"]), "--prompt", "x", "--base-url", sandbox.url,
                     "--out", str(ro)])  # fmt: skip
    finally:
        ro.chmod(0o700)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Could not write results to") and "\n" not in err
    assert sandbox.stats.run_requests == 0


def test_write_failure_after_the_job_keeps_the_paid_results(sandbox, files, monkeypatch, capsys):
    import editor.cli as cli_module
    from editor.backends.journal import Journal

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    with monkeypatch.context() as m:
        m.setattr("editor.core.atomic.atomic_write", full_disk)
        code = cli_module.main(["edit", str(files["image"]), "--prompt", "x", "--base-url",
                                sandbox.url, "--out", str(files["out"])])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "disk is full" in err and "resume" in err
    assert len(Journal().entries()) == 1
    assert cli_module.main(["resume"]) == 0
    assert len(list(files["out"].iterdir())) == 1
    assert sandbox.stats.jobs_created == 1


def test_output_path_under_a_file_exits_2_before_paying(
    sandbox, files, tmp_path, monkeypatch, capsys
):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    code = main(["edit", str(files["image"]), "--prompt", "x", "--base-url", sandbox.url,
                 "--out", str(blocker / "out")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Could not write results to") and "\n" not in err
    assert sandbox.stats.run_requests == 0


def test_credits_and_resume_with_nothing(sandbox, monkeypatch, capsys):
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    assert main(["credits", "--base-url", sandbox.url]) == 0
    assert capsys.readouterr().out.strip() == "100 credits"
    assert main(["resume"]) == 0


def test_usage_errors_exit_2():
    assert main([]) == 2
    assert main(["edit"]) == 2
    assert main(["estimate", "--resolution", "8k", "--mode", "fast", "--num-images", "1"]) == 2
    assert cli("--version").returncode == 0
