"""Hostile inputs in the window: each works or shows one line; the work is never lost."""

from __future__ import annotations

import errno
import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from editor.ui import prefs

NON_UTF8 = os.fsdecode(b"caf\xe9-\xff.png")
LONG = "l" * 240 + ".png"
FAILS = ["truncated.png", "truncated.jpg", "empty.png", "text.jpg", "bomb.png"]
WORKS = {
    "one.png": (1, 1),
    "deep16.png": (60, 80),
    "deep16.tif": (60, 80),
    "cmyk.jpg": (60, 80),
    "palette.png": (60, 80),
    "anim.gif": (40, 50),
    "anim.webp": (40, 50),
    "icc.png": (60, 80),
    NON_UTF8: (60, 80),
    LONG: (60, 80),
    **{f"exif{o}.jpg": (30, 50) if o < 5 else (50, 30) for o in range(1, 9)},
}


def _png_bomb(path: Path, w: int, h: int) -> None:
    """A tiny PNG whose header claims w x h pixels."""
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    data[16:24] = struct.pack(">II", w, h)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
    png = io.BytesIO()
    Image.fromarray(rgb).save(png, "PNG")
    (f / "truncated.png").write_bytes(png.getvalue()[: len(png.getvalue()) // 2])
    jpg = io.BytesIO()
    Image.fromarray(rgb).save(jpg, "JPEG")
    (f / "truncated.jpg").write_bytes(jpg.getvalue()[:400])
    (f / "empty.png").write_bytes(b"")
    (f / "text.jpg").write_text("this is not an image\n")
    _png_bomb(f / "bomb.png", 100_000, 100_000)
    Image.new("RGB", (1, 1), (200, 10, 10)).save(f / "one.png")
    Image.fromarray(rng.integers(0, 255, (10, 30000, 3), dtype=np.uint8)).save(f / "wide.png")
    Image.fromarray(rng.integers(0, 255, (30000, 10, 3), dtype=np.uint8)).save(f / "tall.png")
    deep = (np.arange(60 * 80, dtype=np.uint32).reshape(60, 80) * 13 % 65535).astype(np.uint16)
    Image.fromarray(deep).save(f / "deep16.png")
    Image.fromarray(deep).save(f / "deep16.tif")
    Image.fromarray(rgb).convert("CMYK").save(f / "cmyk.jpg")
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    pal.save(f / "palette.png", transparency=0)
    frames = [Image.fromarray(np.full((40, 50, 3), c, np.uint8)) for c in (10, 120, 240)]
    frames[0].save(f / "anim.gif", save_all=True, append_images=frames[1:], duration=50, loop=0)
    frames[0].save(f / "anim.webp", save_all=True, append_images=frames[1:], duration=50)
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        Image.fromarray(rng.integers(0, 255, (30, 50, 3), dtype=np.uint8)).save(
            f / f"exif{o}.jpg", exif=exif
        )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(rgb).save(f / "icc.png", icc_profile=icc)
    Image.fromarray(rgb).save(f / NON_UTF8)
    Image.fromarray(rgb).save(f / LONG)
    return f


def _open_and_wait(window, qtbot, path: Path) -> None:  # type: ignore[no-untyped-def]
    window.opener.open_path(str(path))
    qtbot.waitUntil(lambda: not window.opening, timeout=20_000)


def _one_line(text: str) -> None:
    assert text and "\n" not in text and "Traceback" not in text and len(text) < 700


@pytest.mark.parametrize("name", FAILS)
def test_broken_files_show_one_line_and_keep_the_work(window, qtbot, ui, corpus, name) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    painted = ui.paint(window, 10, 60, 20, 90)
    image = window.canvas.image()
    window.session.unsaved_answer = "discard"  # even then, a failed open loses nothing
    _open_and_wait(window, qtbot, corpus / name)
    message = window.message_label.text()
    _one_line(message)
    assert name in message and "Cannot open" in message
    assert window.canvas.image() is image
    assert np.array_equal(window.canvas.mask(), painted)
    assert "photo.png" in window.windowTitle()


@pytest.mark.parametrize(
    ("name", "shape"), [("wide.png", (10, 30000)), ("tall.png", (30000, 10)), ("one.png", (1, 1))]
)
def test_extreme_aspect_ratios_open_paint_and_undo(window, qtbot, ui, corpus, name, shape) -> None:  # type: ignore[no-untyped-def]
    # a chosen crimson overlay (the automatic one picks a hue away from each photo's)
    prefs.set_value("overlay/color", "#ff3050")
    window.mask_ops.apply_overlay_prefs()
    ui.open(window, ui.photo_file())
    ui.paint(window, 10, 60, 20, 90)
    window.session.unsaved_answer = "discard"
    _open_and_wait(window, qtbot, corpus / name)
    message = window.message_label.text()
    _one_line(message)
    assert message.startswith("Opened "), message
    canvas = window.canvas
    assert canvas.image().shape[:2] == canvas.mask().shape == shape
    canvas.set_view(8.0, QPointF(shape[1] / 2, shape[0] / 2))
    centre = canvas.map_from_source(QPointF(shape[1] / 2, shape[0] / 2)).toPoint()
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    assert canvas.mask()[shape[0] // 2, shape[1] // 2] == 255
    for zoom in (8.0, 1.0, 0.01):  # every pyramid level paints, mask shown in colour
        canvas.set_view(zoom, QPointF(shape[1] / 2, shape[0] / 2))
        canvas.grab()
    canvas.set_view(8.0, QPointF(shape[1] / 2, shape[0] / 2))
    pixel = canvas.grab().toImage().pixelColor(centre)
    assert pixel.red() > pixel.green() + 40  # the crimson overlay over a painted pixel
    window.actions_.invert.trigger()
    qtbot.waitUntil(lambda: canvas.mask()[shape[0] // 2, shape[1] // 2] == 0, timeout=10_000)
    assert canvas.undo()
    assert canvas.mask()[shape[0] // 2, shape[1] // 2] == 255


@pytest.mark.parametrize("name", list(WORKS))
def test_odd_but_valid_images_open_with_a_matching_mask(window, qtbot, ui, corpus, name) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    ui.paint(window, 10, 60, 20, 90)
    window.session.unsaved_answer = "discard"
    _open_and_wait(window, qtbot, corpus / name)
    h, w = WORKS[name]
    assert window.canvas.image().shape[:2] == (h, w), window.message_label.text()
    assert window.canvas.mask().shape == (h, w) and not window.canvas.mask().any()
    assert window.message_label.text().startswith("Opened ")
    _one_line(window.message_label.text())
    if name == NON_UTF8:
        assert "caf\ufffd-\ufffd.png" in window.windowTitle()
    window.paint_check = ui.paint(window, 0, min(h, 5), 0, min(w, 5))
    assert window.canvas.mask()[0, 0] == 255  # paintable at source resolution
    # the sent pixels are the oriented ones, at the mask's size
    request = window.controls.build_request(window.canvas.image(), window.canvas.mask())
    assert request.image.shape[:2] == request.mask.shape


def test_mask_of_the_wrong_size_is_refused(window, qtbot, ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    painted = ui.paint(window, 10, 60, 20, 90)
    wrong = tmp_path / "mask.png"
    Image.fromarray(np.full((50, 70), 255, np.uint8)).save(wrong)
    window.mask_ops.load_mask_dialog(str(wrong))
    qtbot.waitUntil(lambda: "70x50" in window.message_label.text(), timeout=10_000)
    _one_line(window.message_label.text())
    assert "160x120" in window.message_label.text()
    assert np.array_equal(window.canvas.mask(), painted)


def test_100_kb_prompt_is_kept_and_refused_in_one_line(window, qtbot, ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from editor.core.session import load_session

    ui.open(window, ui.photo_file())
    painted = ui.paint(window, 10, 60, 20, 90)
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("openai"))
    prompt = ("a very long description with ünïcödé " * 3000)[:100_000]
    c.prompt_edit.setPlainText(prompt)
    window.run.run_job()  # refused before anything is sent: one line says why
    qtbot.waitUntil(lambda: "100000 characters" in window.message_label.text(), timeout=10_000)
    _one_line(window.message_label.text())
    assert not window.document.jobs
    assert window.controls.prompt() == prompt and np.array_equal(window.canvas.mask(), painted)
    target = tmp_path / "long.maskedit"
    window.session.save_session_dialog(str(target))
    qtbot.waitUntil(lambda: "Saved the session" in window.message_label.text(), timeout=10_000)
    assert load_session(target).prompt == prompt


@pytest.fixture
def finished(window, qtbot, ui):  # type: ignore[no-untyped-def]
    ui.open(window, ui.photo_file())
    ui.paint(window, 40, 70, 60, 100)
    window.run.run_job()
    record = ui.wait_job(window, timeout=120_000)
    assert record.status == "completed", record.error
    return window, record


def _refuse_writes_in(folder: Path, code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``folder`` unwritable (chmod; as root also refuse in atomic_write's open)."""
    from editor.core import atomic

    folder.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permissions
        real_open = atomic.os.open

        def refusing_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(path).parent == folder:
                raise OSError(code, os.strerror(code), str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(atomic.os, "open", refusing_open)


def test_export_to_read_only_folder(finished, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window, record = finished
    images = record.full_images()
    folder = tmp_path / "locked"
    folder.mkdir()
    _refuse_writes_in(folder, errno.EACCES, monkeypatch)
    try:
        window.variants.export_selected(str(folder / "out.png"))
        qtbot.waitUntil(lambda: "not writable" in window.message_label.text(), timeout=10_000)
        _one_line(window.message_label.text())
        window.show_info("")
        window.variants.export_all_variants(str(folder))
        qtbot.waitUntil(lambda: "not writable" in window.message_label.text(), timeout=10_000)
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []
    for kept, before in zip(record.full_images(), images, strict=True):
        assert np.array_equal(kept, before)
    assert window.actions_.export_variant.isEnabled()


def test_full_disk_on_export_and_autosave(finished, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from editor.core import atomic

    window, record = finished
    images = record.full_images()

    def full(fh, data) -> None:  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic, "_write_chunks", full)
    painted = np.array(window.canvas.mask(), copy=True)
    painted[0:10, 0:10] = 255
    window.canvas.apply_mask(painted, "stroke")  # the autosave of this mask fails
    qtbot.waitUntil(lambda: "autosave" in window.message_label.text().lower(), timeout=10_000)
    _one_line(window.message_label.text())
    assert "disk is full" in window.message_label.text()
    window.variants.export_selected(str(tmp_path / "out.png"))
    qtbot.waitUntil(lambda: "Could not write" in window.message_label.text(), timeout=10_000)
    _one_line(window.message_label.text())
    assert "disk is full" in window.message_label.text()
    assert not (tmp_path / "out.png").exists()
    assert np.array_equal(window.canvas.mask(), painted)
    for kept, before in zip(record.full_images(), images, strict=True):
        assert np.array_equal(kept, before)
    monkeypatch.undo()  # space again: the autosave catches up by itself
    window.session.autosaver.retry_delay = 0.1
    assert window.session.autosaver.flush(10)
    qtbot.waitUntil(lambda: window.session.autosaver.last_error is None, timeout=10_000)


def test_plain_http_base_url_is_refused_clearly(window, qtbot, ui, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from editor.ui.settings import SettingsDialog

    monkeypatch.setenv("FASHN_API_KEY", "fa-test-key-0123456789")
    prefs.set_value("backends/fashn/base_url", "http://fashn.example.com")
    ui.open(window, ui.photo_file())
    c = window.controls
    c.backend_box.setCurrentIndex(c.backend_box.findData("fashn"))
    qtbot.waitUntil(lambda: "https://" in c.readiness_label.text(), timeout=10_000)
    ui.paint(window, 10, 40, 10, 40)
    c.prompt_edit.setPlainText("a hat")
    window.run.run_job()
    qtbot.waitUntil(lambda: "https://" in window.message_label.text(), timeout=10_000)
    _one_line(window.message_label.text())
    assert not window.document.jobs

    dialog = SettingsDialog(window)
    qtbot.addWidget(dialog)
    assert "https://" in dialog.url_warnings["fashn"].text()
    dialog.url_edits["fashn"].setText("http://127.0.0.1:8787")  # loopback may be plain http
    assert dialog.url_warnings["fashn"].text() == ""
    dialog.url_edits["fashn"].setText("http://api.example.org")
    assert "must use https://" in dialog.url_warnings["fashn"].text()
    dialog.accept()
    assert dialog.result() == 0 and "https://" in dialog.message.text()  # not saved
    assert prefs.base_url("fashn") == "http://fashn.example.com"
