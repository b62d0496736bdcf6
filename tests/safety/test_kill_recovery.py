"""A real ``kill -9`` while masking: the next start restores the last finished stroke."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from editor.core.autosave import Autosaver

H, W = 1500, 2000

PAINTER = textwrap.dedent(
    """
    import time
    import numpy as np
    from editor.core.autosave import Autosaver
    from editor.core.session import JobRecord

    H, W = {h}, {w}

    def stroke(mask, k):
        y, x = (k * 97) % (H - 60), (k * 211) % (W - 120)
        mask[y:y + 60, x:x + 120] = 0 if k % 5 == 0 else 255

    saver = Autosaver(delay=0.02, max_latency=0.1,
                      on_saved=lambda name: print("wrote", name, flush=True))
    source = np.zeros((H, W, 3), np.uint8)
    source[..., 0] = np.arange(W, dtype=np.uint32)[None, :] % 256
    saver.save_source(source, "/photos/beach.jpg")
    saver.save_state("remove the umbrella", {{"backend": "fashn", "resolution": "2k",
                                             "fashn_api_key": "fa-NEVERSTOREDNEVERSTORED"}},
                     [JobRecord("job-a", "remove the umbrella", {{"num_images": 1}})])
    saver.save_result("job-a", 0, np.full((H, W, 3), 123, np.uint8))
    saver.flush()
    print("ready", flush=True)
    mask = np.zeros((H, W), np.uint8)
    for k in range(1, 100000):
        stroke(mask, k)          # the stroke ends ...
        saver.save_mask(mask)    # ... the canvas asks for an autosave
        if {wait_each}:
            saver.flush()
            print("saved", k, flush=True)
        else:
            print("painted", k, flush=True)
            time.sleep(0.005)
    """
)


def matching_strokes(found: np.ndarray, upto: int) -> list[int]:
    """Which stroke counts 0..upto (replaying the painter's strokes) give exactly ``found``."""
    mask = np.zeros((H, W), np.uint8)
    out = [0] if np.array_equal(found, mask) else []
    for k in range(1, upto + 1):
        y, x = (k * 97) % (H - 60), (k * 211) % (W - 120)
        mask[y : y + 60, x : x + 120] = 0 if k % 5 == 0 else 255
        if np.array_equal(found, mask):
            out.append(k)
    return out


def numbers(lines: list[str], word: str) -> list[int]:
    words = " ".join(lines).split()
    return [int(b) for a, b in itertools.pairwise(words) if a == word and b.isdigit()]


def run_and_kill(
    data_dir: Path, tmp_path: Path, *, wait_each: bool, until: Callable[[list[str]], bool]
) -> list[str]:
    script = tmp_path / "painter.py"
    script.write_text(PAINTER.format(h=H, w=W, wait_each=wait_each))
    env = {**os.environ, "MASK_EDITOR_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline().decode().strip()
            if not line:
                break
            lines.append(line)
            if until(lines):
                break
        os.kill(proc.pid, signal.SIGKILL)  # the real thing: no handler, no cleanup
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines += rest.decode().split()
    assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
    return [line for line in lines if line]


@pytest.mark.parametrize("after", [3, 8])
def test_kill_9_restores_the_last_saved_stroke(data_dir: Path, tmp_path: Path, after: int) -> None:
    lines = run_and_kill(
        data_dir, tmp_path, wait_each=True, until=lambda seen: after in numbers(seen, "saved")
    )
    last = max(numbers(lines, "saved"))
    assert last >= after
    saver = Autosaver()
    assert saver.has_recovery()
    restored = saver.load_recovery()
    assert restored is not None
    # the stroke reported saved is on disk; at most the next one also made it, never torn
    matches = matching_strokes(restored.mask, last + 1)
    assert set(matches) & {last, last + 1}, f"mask is not stroke {last} or {last + 1}: {matches}"
    assert restored.prompt == "remove the umbrella"
    assert restored.source_path == "/photos/beach.jpg"
    assert restored.settings == {"backend": "fashn", "resolution": "2k"}
    assert [j.job_id for j in restored.jobs] == ["job-a"]
    assert restored.jobs[0].full(0).shape == (H, W, 3)
    assert int(restored.jobs[0].full(0)[0, 0, 0]) == 123
    assert restored.source[0, 255, 0] == 255
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert b"NEVERSTORED" not in path.read_bytes(), path
    saver.discard()
    assert not saver.has_recovery()


def test_kill_9_mid_write_never_leaves_a_torn_mask(data_dir: Path, tmp_path: Path) -> None:
    """Strokes keep coming while debounced writes run: the kill lands anywhere."""

    def enough(seen: list[str]) -> bool:
        return len(numbers(seen, "painted")) >= 60 and seen.count("wrote mask.png") >= 3

    lines = run_and_kill(data_dir, tmp_path, wait_each=False, until=enough)
    painted = max(numbers(lines, "painted"))
    restored = Autosaver().load_recovery()
    assert restored is not None
    matches = matching_strokes(restored.mask, painted + 1)
    assert matches, "the recovered mask is torn: it matches no stroke"
    assert max(matches) > 0  # writes landed while painting (at most 0.1 s apart)
