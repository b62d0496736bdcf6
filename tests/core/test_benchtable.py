"""tests/benchmarks/table.py: runs benchmarks per size in fresh processes, aligns their
figures by name and marks growth faster than the pixels. Fed tiny fake benchmarks."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

TABLE = Path(__file__).resolve().parents[1] / "benchmarks" / "table.py"


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_table", TABLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_table"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_table", None)


def _bench(folder: Path, name: str, body: str) -> None:
    head = "from benchsize import figure, photo_size\nw, h = photo_size()\nmp = w * h / 1e6\n"
    (folder / f"{name}.py").write_text(head + textwrap.dedent(body))


def _rows(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        if line.startswith("| ") and not line.startswith("| figure"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def test_figures_align_by_name_and_growth_faster_than_pixels_is_marked(
    table, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _bench(
        tmp_path,
        "bench_a",
        """
        figure("linear", mp * 2, "ms")
        if mp > 50:
            figure("only big", 7, "MB")
        figure("quadratic", mp * mp, "ms")
        figure("a ratio", mp * mp, "x")
        """,
    )
    _bench(
        tmp_path,
        "bench_b",
        """
        figure("constant", 5.0, "ms")
        if w > 14000:
            raise RuntimeError("boom | at 151")
        """,
    )
    code = table.main(["--dir", str(tmp_path), "--only", "bench_a,bench_b,bench_gone"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| 24 MP | 102 MP | 151 MP | growth 102/24 (pixels 4.2x) |" in out
    assert "growth 151/24 (pixels 6.3x)" in out
    rows = _rows(out)
    assert rows["bench_a: linear"][:6] == ["ms", "48", "204", "303", "4.2x", "6.3x"]
    quad = rows["bench_a: quadratic"]
    assert quad[1:4] == ["576", "10354", "22892"]
    assert quad[4] == "**18.0x** (faster)" and quad[5] == "**39.7x** (faster)"
    assert "faster" not in " ".join(rows["bench_a: a ratio"])  # not a cost: no finding
    assert rows["bench_a: only big"][:6] == ["MB", "-", "7", "7", "-", "-"]
    assert rows["bench_b: constant"][1:6] == ["5", "5", "5", "1.0x", "1.0x"]
    # each run's own peak RSS, after its figures
    names = list(rows)
    assert names.index("bench_a: peak RSS of the process") > names.index("bench_a: quadratic")
    assert float(rows["bench_b: peak RSS of the process"][1]) > 5
    # a failure is one line in its size's column, never a traceback
    error = rows["bench_b: **error**"]
    assert error[1:3] == ["ok", "ok"] and error[3] == "failed: RuntimeError: boom / at 151"
    assert "Traceback" not in out
    assert "- bench_gone: skipped (no bench_gone.py in this checkout)" in out
    assert "2 figure(s) marked **(faster)**" in out


def test_targets_hold_at_102_and_within_1_5x_at_151(
    table, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _bench(
        tmp_path,
        "bench_core",
        """
        figure("offline fill of a 200x200 hole", {24: 100, 102: 110, 151: 200}[round(mp)], "ms")
        if mp > 30:  # measured against 24 MP inside the run
            figure("offline fill of a 200x200 hole vs the same hole at 24 MP, in this run",
                   {102: 1.1, 151: 2.0}[round(mp)], "x")
        """,
    )
    _bench(
        tmp_path,
        "bench_canvas",
        """
        figure("invert a full mask", {24: 0.1, 102: 0.35, 151: 0.55}[round(mp)], "s")
        figure("grow a full mask", {24: 100, 102: 401, 151: 500}[round(mp)], "ms")
        figure("brush: a move, median", 0.3, "ms")
        """,
    )
    table.main(["--dir", str(tmp_path), "--only", "bench_core,bench_canvas"])
    rows = _rows(capsys.readouterr().out)
    assert rows["bench_core: offline fill of a 200x200 hole"][-2:] == ["", ""]  # no target
    fill = rows["bench_core: offline fill of a 200x200 hole vs the same hole at 24 MP, in this run"]
    assert fill[0:4] == ["x", "-", "1.1", "2"]
    assert fill[-2:] == ["<= 1.25x", "102 MP: yes, 151 MP: **NO**"]  # 2.0x > 1.5 x 1.25x
    invert = rows["bench_canvas: invert a full mask"]
    assert invert[-2:] == ["<= 400 ms", "102 MP: yes, 151 MP: yes"]  # 0.55 s <= 1.5 x 400 ms
    grow = rows["bench_canvas: grow a full mask"]
    assert grow[-2:] == ["<= 400 ms", "102 MP: **NO**, 151 MP: yes"]
    assert rows["bench_canvas: brush: a move, median"][-2:] == [
        "<= 1 ms",
        "102 MP: yes, 151 MP: yes",
    ]
    assert rows["bench_canvas: peak RSS of the process"][-2:] == ["", ""]  # no target
    if sys.platform.startswith("linux"):  # each run says how much CPU the host took
        steal = rows[f"bench_canvas: {table.STEAL}"]
        assert steal[0] == "%" and all(0 <= float(v) <= 100 for v in steal[1:4])


def test_readme_block_is_replaced_between_the_markers(table, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# App\n\nintro\n{table.START}\nold table\n{table.END}\nafter\n")
    table.write_readme(readme, "| new |", "python tests/benchmarks/table.py --only x")
    text = readme.read_text()
    assert "old table" not in text and "| new |" in text
    assert text.startswith("# App\n\nintro\n") and text.endswith(f"{table.END}\nafter\n")
    assert "python tests/benchmarks/table.py --only x" in text
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="markers"):
        table.write_readme(readme, "| new |", "cmd")


def test_a_named_benchmark_without_figures_is_skipped_with_a_line(
    table, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bench_window.py").write_text("print('24 MP only, old style')\n")
    table.main(["--dir", str(tmp_path), "--sizes", "24"])
    out = capsys.readouterr().out
    assert "- bench_window: skipped (it does not report through figure() yet)" in out
    assert "- bench_canvas: skipped (no bench_canvas.py in this checkout)" in out
    assert "bench_window:" not in "".join(_rows(out))
