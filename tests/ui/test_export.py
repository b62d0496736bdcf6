"""Exports: variant PNG/JPEG with metadata (never the key), all, mask, before/after."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.core.errors import ExportError
from editor.ui import export

KEY = "sk-export-secret-7781"


@pytest.fixture
def finished_window(window, qtbot, ui, monkeypatch):  # type: ignore[no-untyped-def]
    """A window with one finished local job of two variants (a key is set, never used)."""
    monkeypatch.setenv("FASHN_API_KEY", KEY)
    ui.open(window, ui.photo_file())
    ui.paint(window, 40, 70, 60, 100)
    window.controls.variants_spin.setValue(2)
    window.controls.seed_spin.setValue(321)
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    return window


def _wait_message(qtbot, window, text: str) -> str:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: text in window.message_label.text(), timeout=20_000)
    return window.message_label.text()


def test_export_selected_png_has_pixels_and_metadata(finished_window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    win = finished_window
    record = win.document.jobs[max(win.document.jobs)]
    win.results.select(record.number, 1)
    out = tmp_path / "out" / "variant.png"
    out.parent.mkdir()
    win.variants.export_selected(str(out))
    _wait_message(qtbot, win, "Exported the variant")
    assert out.stat().st_size > 1000
    with Image.open(out) as im:
        assert im.size == (160, 120)
        assert np.array_equal(np.asarray(im)[..., :3], record.full(1)[..., :3])
        text = dict(im.text)
    assert text["Seed"] == "321" and text["Variant"] == "2 of 2"
    assert text["Software"] == "mask-editor" and "Local" in text["Backend"]
    assert KEY.encode() not in out.read_bytes()


def test_export_jpeg_by_suffix(finished_window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    win = finished_window
    out = tmp_path / "variant.jpg"
    win.variants.export_selected(str(out))
    _wait_message(qtbot, win, "Exported the variant")
    with Image.open(out) as im:
        assert im.format == "JPEG" and im.size == (160, 120)
        record = win.document.jobs[max(win.document.jobs)]
        diff = np.abs(np.asarray(im).astype(int) - record.full(0)[..., :3].astype(int))
        assert diff.mean() < 6


def test_export_all_mask_and_before_after(finished_window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    win = finished_window
    folder = tmp_path / "all"
    folder.mkdir()
    win.variants.export_all_variants(str(folder))
    _wait_message(qtbot, win, "Exported all variants")
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == ["photo-edit-1.png", "photo-edit-2.png"]
    mask_path = tmp_path / "mask.png"
    assert win.isWindowModified()
    win.mask_ops.save_mask_dialog(str(mask_path))
    _wait_message(qtbot, win, "Saved the mask")
    with Image.open(mask_path) as im:
        assert im.mode == "L" and np.array_equal(np.asarray(im), win.canvas.mask())
    assert win.canvas.undo_stack.isClean()  # the mask is saved ...
    assert win.isWindowModified()  # ... but the results are not saved in a session yet
    pair = tmp_path / "pair.png"
    win.variants.export_before_after(str(pair))
    _wait_message(qtbot, win, "Exported the before/after")
    with Image.open(pair) as im:
        assert im.size == (160 * 2 + 8, 120)
        arr = np.asarray(im)
    assert np.array_equal(arr[:, :160], win.canvas.image())
    record = win.document.jobs[max(win.document.jobs)]
    assert np.array_equal(arr[:, 168:], record.full(0)[..., :3])


def test_export_failure_is_one_line(finished_window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    win = finished_window
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    win.variants.export_selected(str(blocker / "variant.png"))
    message = _wait_message(qtbot, win, "Could not write")
    assert "\n" not in message and "Traceback" not in message
    assert win.document.jobs[max(win.document.jobs)].variants  # the paid results are still there


def test_full_disk_is_reported(monkeypatch, tmp_path: Path) -> None:
    def full(*_args, **_kw):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "atomic_write", full)
    with pytest.raises(ExportError, match="disk is full"):
        export.export_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "x.png", {})


def test_metadata_never_carries_secrets() -> None:
    from editor.core.redact import clean_settings

    meta = clean_settings(
        {"Prompt": f"use Bearer {KEY} please", "Api Key": KEY, "Seed": "1", "token": "t"}
    )
    assert set(meta) == {"Prompt", "Seed"}
    assert KEY not in meta["Prompt"]
    # and that cleaning is what every PNG written gets
    png = export.encode_image(np.zeros((4, 4, 3), np.uint8), "png", {"Api Key": KEY, "P": KEY})
    assert KEY.encode() not in png


def test_a_png_export_streams_pixels_and_clean_metadata(tmp_path: Path) -> None:
    """A PNG export is written band by band (no Pillow copy, no encoded copy): Pillow
    reads the very pixels back, the prompt in any script, and no key."""
    from PIL import Image

    arr = np.random.default_rng(4).integers(0, 256, (700, 900, 3), dtype=np.uint8)
    meta = {"Prompt": f"红色围巾 with Bearer {KEY}", "Seed": "7", "Api Key": KEY}
    path = export.export_image(arr, tmp_path / "v.png", meta)
    raw = path.read_bytes()
    assert KEY.encode() not in raw and KEY.encode("utf-8") not in raw
    with Image.open(path) as im:
        im.load()
        assert np.array_equal(np.asarray(im), arr)
        assert set(im.text) == {"Prompt", "Seed"}  # type: ignore[attr-defined]
        assert im.text["Prompt"].startswith("红色围巾")  # type: ignore[attr-defined]
    assert [p.name for p in tmp_path.iterdir()] == ["v.png"]  # no temporary file left


def test_export_all_holds_one_whole_image_at_a_time(tmp_path: Path) -> None:
    """Each variant is built when it is written and let go before the next is built (at
    150 MP each one is 450 MB: two at once had raised the window past 2.4 GB)."""
    import weakref

    built: list[weakref.ref[np.ndarray]] = []

    def build(seed: int) -> np.ndarray:
        assert all(ref() is None for ref in built)  # every earlier one is gone already
        arr = np.random.default_rng(seed).integers(0, 256, (30, 40, 3), dtype=np.uint8)
        built.append(weakref.ref(arr))
        return arr

    images = [lambda s=s: build(s) for s in range(3)]
    paths = export.export_all(images, tmp_path, "p", [{}, {}, {}])
    assert [p.name for p in paths] == ["p-1.png", "p-2.png", "p-3.png"]
    assert len(built) == 3
