"""`mask-editor-cli batch` and the BatchRunner against the sandbox (real HTTP on loopback)."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import numpy as np
import pytest
from backend_helpers import SANDBOX_KEY
from PIL import Image

from editor.backends.batch_state import STATE_FILE
from editor.cli import main
from editor.core.image import load_image
from editor.sandbox.testing import box_mask, sample_image

W, H = 160, 120


def make_shots(folder: Path, n: int, *, odd: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(sample_image(W, H, seed=i)).save(folder / f"look{i:02d}.png")
    for i in range(odd):
        Image.fromarray(sample_image(W + 10, H, seed=50 + i)).save(folder / f"odd{i}.png")
    return folder


@pytest.fixture
def shots(tmp_path: Path) -> dict[str, Path]:
    mask = tmp_path / "mask.png"
    Image.fromarray(box_mask(W, H, (40, 30, 100, 80))).save(mask)
    return {"dir": tmp_path / "shots", "mask": mask, "out": tmp_path / "out"}


@pytest.fixture
def fashn_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHN_API_KEY", SANDBOX_KEY)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal: --yes is needed


def batch(sandbox, shots, *extra: str) -> int:
    return main(["batch", str(shots["dir"]), "--mask", str(shots["mask"]), "--prompt", "hat",
                 "--backend", "fashn", "--base-url", sandbox.url, "--out", str(shots["out"]),
                 *extra])  # fmt: skip


def outputs(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("*-edit-*"))


def test_batch_edits_every_shot_once_and_skips_other_sizes(sandbox, shots, fashn_key, capsys):
    make_shots(shots["dir"], 4, odd=1)
    assert batch(sandbox, shots, "--yes", "--seed", "9") == 2  # a shot was skipped
    out, err = capsys.readouterr()
    assert sandbox.stats.jobs_created == 4
    assert outputs(shots["out"]) == [f"look{i:02d}-edit-1.png" for i in range(4)]
    assert sorted(Path(p).name for p in out.split()) == outputs(shots["out"])
    assert f"odd0.png: {W + 10}x{H} but the mask is {W}x{H}; skipped" in err
    assert "4 shot(s) to send to FASHN" in err and "about 4 credits" in err
    assert "batch summary" in err and "Traceback" not in err
    first = shots["out"] / "look00-edit-1.png"
    assert load_image(first).size == (W, H)  # each source's own size
    source = load_image(shots["dir"] / "look00.png").pixels
    result = load_image(first).pixels
    assert np.array_equal(result[:20], source[:20])  # pasted back outside the mask
    with Image.open(first) as im:
        assert im.text["prompt"] == "hat" and im.text["seed"] == "9"
    # the same command again: nothing is sent, nothing is written twice
    assert batch(sandbox, shots, "--yes", "--seed", "9") == 2
    assert sandbox.stats.jobs_created == 4
    assert len(outputs(shots["out"])) == 4
    assert capsys.readouterr().err.count("already done; not sent again") == 4


def test_all_done_exits_0_and_a_changed_setting_is_a_new_batch(sandbox, shots, fashn_key):
    make_shots(shots["dir"], 2)
    assert batch(sandbox, shots, "--yes") == 0
    assert batch(sandbox, shots, "--yes") == 0
    assert sandbox.stats.jobs_created == 2
    assert batch(sandbox, shots, "--yes", "--seed", "5") == 0  # other request: sent
    assert sandbox.stats.jobs_created == 4
    assert outputs(shots["out"])[-1] == "look01-edit-2.png"


def test_dry_run_prints_the_plan_and_sends_nothing(sandbox, shots, fashn_key, capsys):
    make_shots(shots["dir"], 3)
    code = batch(sandbox, shots, "--dry-run", "--resolution", "2k", "--mode", "balanced")
    assert code == 0
    out = capsys.readouterr().out
    assert "3 shot(s) to send to FASHN" in out and "about 9 credits" in out
    assert out.count("would send") == 3
    assert sandbox.stats.run_requests == 0 and not shots["out"].joinpath(STATE_FILE).exists()


def test_paid_batch_without_a_terminal_needs_yes(sandbox, shots, fashn_key, capsys):
    make_shots(shots["dir"], 2)
    assert batch(sandbox, shots) == 2
    assert "add --yes" in capsys.readouterr().err
    assert sandbox.stats.run_requests == 0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "sent"), [("y\n", 2), ("\n", 0)])
def test_a_terminal_is_asked_before_spending(sandbox, shots, fashn_key, monkeypatch, answer, sent):
    make_shots(shots["dir"], 2)
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    assert batch(sandbox, shots) == (0 if sent else 2)
    assert sandbox.stats.jobs_created == sent


def test_a_failed_shot_exits_3_and_only_it_is_sent_again(sandbox, shots, fashn_key, capsys):
    make_shots(shots["dir"], 3)
    sandbox.inject("job_failed", name="PipelineError", message="it broke")
    assert batch(sandbox, shots, "--yes") == 3
    err = capsys.readouterr().err
    assert "PipelineError: it broke" in err
    assert len(outputs(shots["out"])) == 2
    assert batch(sandbox, shots, "--yes") == 0  # failed jobs are not billed: sent again
    assert sandbox.stats.jobs_created == 4 and len(outputs(shots["out"])) == 3


def test_an_uncertain_submission_is_never_sent_again(sandbox, shots, fashn_key, capsys):
    make_shots(shots["dir"], 3)
    sandbox.inject("reset_after_body", on="run")  # the job exists, the answer is lost
    assert batch(sandbox, shots, "--yes") == 3
    assert sandbox.stats.jobs_created == 3
    capsys.readouterr()
    assert batch(sandbox, shots, "--yes") == 2
    assert sandbox.stats.jobs_created == 3  # never paid twice
    assert "may have been charged" in capsys.readouterr().err


def test_out_of_credits_stops_sending_new_shots(make_sandbox, shots, fashn_key, capsys):
    sandbox = make_sandbox(delays=0, credits=2.0)
    make_shots(shots["dir"], 5)
    code = main(["batch", str(shots["dir"]), "--mask", str(shots["mask"]), "--prompt", "x",
                 "--base-url", sandbox.url, "--out", str(shots["out"]), "--yes"])  # fmt: skip
    assert code == 3
    err = capsys.readouterr().err
    assert "OutOfCredits" in err
    assert sandbox.stats.jobs_created == 2 and len(outputs(shots["out"])) == 2
    assert sandbox.stats.run_requests < 5 + 2  # no storm of refused submissions


def test_fashn_batch_keeps_to_six_running_jobs_and_the_poll_budget(make_sandbox, shots, fashn_key):
    sandbox = make_sandbox(delays={"starting": 0.2, "in_queue": 0.2, "processing": 0.6})
    make_shots(shots["dir"], 14)
    code = main(["batch", str(shots["dir"]), "--mask", str(shots["mask"]), "--prompt", "x",
                 "--base-url", sandbox.url, "--out", str(shots["out"]), "--yes"])  # fmt: skip
    assert code == 0
    assert sandbox.stats.jobs_created == 14 and len(outputs(shots["out"])) == 14
    assert sandbox.stats.max_polls_in_window(10.0) <= 50
    assert sandbox.stats.rate_limited == 0


def test_local_batch_runs_offline(shots, monkeypatch, capsys):
    monkeypatch.delenv("FASHN_API_KEY", raising=False)
    make_shots(shots["dir"], 3)
    code = main(["batch", str(shots["dir"]), "--mask", str(shots["mask"]), "--backend", "local",
                 "--num-images", "2", "--out", str(shots["out"])])  # fmt: skip
    assert code == 0
    assert len(outputs(shots["out"])) == 6
    assert "no credits are charged" in capsys.readouterr().err
    assert load_image(shots["out"] / "look02-edit-2.png").size == (W, H)
    record = json.loads((shots["out"] / STATE_FILE).read_text())
    assert sorted(s["state"] for s in record["shots"].values()) == ["done"] * 3


def test_runner_cancel_stops_new_shots_and_collects_running_ones(make_sandbox, shots, tmp_path):
    from editor.backends import make_backend
    from editor.backends.batch import BatchRunner, plan_batch
    from editor.backends.batch_sources import collect_sources
    from editor.backends.batch_state import BatchState
    from editor.backends.journal import Journal
    from editor.core.request import EditRequest

    sandbox = make_sandbox(delays={"processing": 0.5})
    make_shots(shots["dir"], 6)
    mask = np.asarray(Image.open(shots["mask"]))
    shots["out"].mkdir()
    state, journal = BatchState(shots["out"]), Journal()
    plan = plan_batch(collect_sources([shots["dir"]]), (W, H), "fp", state, journal)
    events = []
    saved: list[str] = []

    def on_event(event):
        events.append((event.shot.index, event.state))
        if event.state == "running" and not runner.cancelled:
            runner.cancel()

    def save(shot, images, job_id):
        saved.append(shot.name)
        return []

    runner = BatchRunner(
        plan, service="fashn", concurrency=2, state=state, journal=journal, on_event=on_event,
        make_request=lambda s: EditRequest(image=load_image(s.path).pixels, mask=mask, prompt="x"),
        make_backend=lambda s: make_backend("fashn", base_url=sandbox.url, api_key=SANDBOX_KEY,
                                            journal=journal, source_path=str(s.path)),
        save=save,
    )  # fmt: skip
    summary = asyncio.run(runner.run())
    assert sandbox.stats.jobs_created == 2 == len(saved)  # the two sent were collected
    assert summary.count("done") == 2 and summary.count("skipped") == 4
    assert sorted(i for i, s in events if s == "cancelled") == [2, 3, 4, 5]
    assert journal.entries() == []


def test_results_saved_before_the_record_are_recognised_by_their_metadata(
    sandbox, shots, fashn_key, capsys
):
    make_shots(shots["dir"], 2)
    assert batch(sandbox, shots, "--yes") == 0
    (shots["out"] / STATE_FILE).unlink()  # as if killed between saving and noting it
    capsys.readouterr()
    assert batch(sandbox, shots, "--yes") == 0
    assert sandbox.stats.jobs_created == 2 and len(outputs(shots["out"])) == 2
    assert capsys.readouterr().err.count("already done; not sent again") == 2


def test_an_empty_name_claimed_by_a_killed_run_is_not_left_beside_the_result(
    sandbox, shots, fashn_key
):
    make_shots(shots["dir"], 1)
    shots["out"].mkdir()
    (shots["out"] / "look00-edit-1.png").write_bytes(b"")  # claimed, never written
    assert batch(sandbox, shots, "--yes") == 0
    assert outputs(shots["out"]) == ["look00-edit-1.png"]
    assert load_image(shots["out"] / "look00-edit-1.png").size == (W, H)


def test_progress_bar_is_drawn_below_the_lines_on_a_terminal(capsys):
    from editor.backends.batch import Shot, ShotEvent
    from editor.cli.batch import Display

    display = Display(4, bar=True)
    shot = Shot(0, Path("a.png"), (W, H), state="done", detail="a.png: saved 1 result(s)")
    display.event(ShotEvent(shot, "done", shot.detail))
    display.close()
    err = capsys.readouterr().err
    assert "[1/4] a.png: saved 1 result(s)\n" in err
    assert "[#######.......................] 1/4  done 1  skipped 0  failed 0" in err
    assert err.endswith("\r\x1b[K")  # the bar is cleared before the summary
    plain = Display(4, bar=False)
    plain.event(ShotEvent(shot, "done", shot.detail))
    assert "#" not in capsys.readouterr().err


def test_the_batch_record_holds_no_key(sandbox, shots, fashn_key):
    make_shots(shots["dir"], 1)
    assert batch(sandbox, shots, "--yes") == 0
    record = (shots["out"] / STATE_FILE).read_bytes()
    assert SANDBOX_KEY.encode() not in record and b"look00.png" in record


def test_openai_batch_sends_each_shot_once(sandbox, shots, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", SANDBOX_KEY)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    make_shots(shots["dir"], 3)
    argv = ["batch", str(shots["dir"]), "--mask", str(shots["mask"]), "--prompt", "hat",
            "--backend", "openai", "--model", "dall-e-2", "--base-url", sandbox.url,
            "--out", str(shots["out"]), "--yes"]  # fmt: skip
    assert main(argv) == 0
    assert sandbox.stats.openai_requests == 3 and len(outputs(shots["out"])) == 3
    assert main(argv) == 0
    assert sandbox.stats.openai_requests == 3


def test_results_in_a_source_folder_are_not_taken_for_shots(sandbox, shots, fashn_key):
    make_shots(shots["dir"], 2)
    shots["out"] = shots["dir"]  # results written beside the photos
    assert batch(sandbox, shots, "--yes") == 0
    assert batch(sandbox, shots, "--yes") == 0
    assert sandbox.stats.jobs_created == 2 and len(outputs(shots["dir"])) == 2


def test_missing_and_unreadable_files_are_skipped_with_a_line(sandbox, shots, fashn_key, capsys):
    make_shots(shots["dir"], 1)
    (shots["dir"] / "broken.jpg").write_bytes(b"not a jpeg")
    code = main(["batch", str(shots["dir"]), str(shots["dir"] / "gone.png"), "--mask",
                 str(shots["mask"]), "--prompt", "x", "--base-url", sandbox.url, "--out",
                 str(shots["out"]), "--yes"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "broken.jpg: not a readable image; skipped" in err
    assert "gone.png: the file does not exist; skipped" in err
    assert sandbox.stats.jobs_created == 1


def test_an_empty_folder_is_one_line(shots, fashn_key, capsys):
    shots["dir"].mkdir()
    assert main(["batch", str(shots["dir"]), "--mask", str(shots["mask"]), "--prompt", "x",
                 "--out", str(shots["out"])]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith("error: No photos in") and err.count("\n") == 1
