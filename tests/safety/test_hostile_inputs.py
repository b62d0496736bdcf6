"""Hostile and unusual inputs through the real CLI: each works or gives one line, never a
traceback, and never writes a half file. (Generated corpus; local engine, no network.)"""

from __future__ import annotations

import errno
import io
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import editor.core.atomic as atomic
from editor.cli import main


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims 10 gigapixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)


def photo(w: int, h: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:h, 0:w]
    base = np.stack([xs * 7 % 256, ys * 5 % 256, (xs + ys) % 256], -1)
    return np.clip(base + rng.integers(-10, 10, base.shape), 0, 255).astype(np.uint8)


def save(img: Image.Image, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def exif_jpeg(orientation: int) -> bytes:
    img = Image.fromarray(photo(40, 24))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(img, "JPEG", quality=95, exif=exif.tobytes())


def _animated(fmt: str) -> bytes:
    frames = [Image.fromarray(photo(32, 20, seed=s)) for s in range(3)]
    return save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=50, loop=0)


def _palette_with_transparency() -> bytes:
    img = Image.fromarray(photo(30, 20)).convert("P", palette=Image.Palette.ADAPTIVE)
    return save(img, "PNG", transparency=0)


def _with_icc() -> bytes:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return save(Image.fromarray(photo(30, 20)), "PNG", icc_profile=icc)


GOOD: dict[str, tuple[str, Callable[[], bytes], tuple[int, int]]] = {
    # name: (suffix, bytes, expected oriented (w, h))
    "1x1": (".png", lambda: save(Image.new("RGB", (1, 1), "red"), "PNG"), (1, 1)),
    "30000x10": (".png", lambda: save(Image.fromarray(photo(30000, 10)), "PNG"), (30000, 10)),
    "png16": (
        ".png",
        lambda: save(Image.fromarray(photo(30, 20)[..., 0].astype(np.uint16) * 257), "PNG"),
        (30, 20),
    ),
    "tiff16": (
        ".tif",
        lambda: save(Image.fromarray(photo(30, 20)[..., 1].astype(np.uint16) * 257), "TIFF"),
        (30, 20),
    ),
    "cmyk": (
        ".jpg",
        lambda: save(Image.fromarray(photo(30, 20), "RGB").convert("CMYK"), "JPEG"),
        (30, 20),
    ),
    "palette-transparent": (".png", _palette_with_transparency, (30, 20)),
    "animated-gif": (".gif", lambda: _animated("GIF"), (32, 20)),
    "animated-webp": (".webp", lambda: _animated("WEBP"), (32, 20)),
    "icc": (".png", _with_icc, (30, 20)),
    **{
        f"exif-{o}": (".jpg", lambda o=o: exif_jpeg(o), (24, 40) if o >= 5 else (40, 24))
        for o in range(1, 9)
    },
}

BAD: dict[str, tuple[str, Callable[[], bytes]]] = {
    "zero-byte": (".png", lambda: b""),
    "truncated-png": (".png", lambda: save(Image.fromarray(photo(60, 40)), "PNG")[:300]),
    "truncated-jpeg": (".jpg", lambda: save(Image.fromarray(photo(60, 40)), "JPEG")[:200]),
    "text-as-jpeg": (".jpg", lambda: b"this is a shopping list, not a photo\n" * 20),
    "bomb": (".png", bomb_png),
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert len(lines[0]) < 500
    return lines[0]


def _mask_for(folder: Path, size: tuple[int, int], name: str = "mask.png") -> Path:
    w, h = size
    mask = np.zeros((h, w), np.uint8)
    mask[h // 4 : max(h // 4 + 1, 3 * h // 4), w // 4 : max(w // 4 + 1, 3 * w // 4)] = 255
    Image.fromarray(mask).save(folder / name)
    return folder / name


@pytest.mark.parametrize("name", list(GOOD))
def test_unusual_but_valid_images_work(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suffix, make, (w, h) = GOOD[name]
    src = tmp_path / f"{name}{suffix}"
    src.write_bytes(make())
    mask = _mask_for(tmp_path, (w, h))
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "edit", str(src), "--mask", str(mask), "--backend", "local",
                            "--out", str(out))  # fmt: skip
    assert code == 0, err
    paths = [Path(p) for p in stdout.split()]
    assert len(paths) == 1
    with Image.open(paths[0]) as result:
        assert result.size == (w, h)  # oriented size, same as the mask


def test_mask_painted_on_unoriented_pixels_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "rotated.jpg"
    src.write_bytes(exif_jpeg(6))  # stored 40x24, shown 24x40
    mask = _mask_for(tmp_path, (40, 24))
    code, _, err = run(capsys, "edit", str(src), "--mask", str(mask), "--backend", "local",
                       "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 2
    line = assert_one_line_error(err)
    assert "40x24" in line and "24x40" in line


@pytest.mark.parametrize("name", list(BAD))
def test_broken_files_give_one_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suffix, make = BAD[name]
    src = tmp_path / f"{name}{suffix}"
    src.write_bytes(make())
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "edit", str(src), "--backend", "local", "--out", str(out))
    assert code == 2 and stdout == ""
    assert_one_line_error(err)
    assert not out.exists() or not any(out.iterdir())


def test_non_utf8_file_name(tmp_path: Path) -> None:
    weird = tmp_path / os.fsdecode(b"caf\xe9 \xff photo.png")
    Image.fromarray(photo(30, 20)).save(weird, "PNG")
    mask = _mask_for(tmp_path, (30, 20))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "MASK_EDITOR_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "editor.cli", "edit", weird, "--mask", mask,
         "--backend", "local", "--out", tmp_path / "out"],
        capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # the printed path is the file's exact bytes, usable by a script
    printed = done.stdout.strip()
    assert printed.endswith(b"caf\xe9 \xff photo-edit-1.png")
    assert Path(os.fsdecode(printed)).is_file()
    assert len(list((tmp_path / "out").iterdir())) == 1


def test_very_long_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_name = tmp_path / ("x" * 250 + ".png")  # the result name would exceed 255 bytes
    Image.fromarray(photo(30, 20)).save(long_name, "PNG")
    mask = _mask_for(tmp_path, (30, 20))
    code, stdout, err = run(capsys, "edit", str(long_name), "--mask", str(mask), "--backend",
                            "local", "--out", str(tmp_path / "out"))  # fmt: skip
    if code == 0:
        assert Path(stdout.strip()).exists()
    else:
        assert code == 2
        assert "too long" in assert_one_line_error(err)


def test_unwritable_output_and_full_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "p.png"
    Image.fromarray(photo(30, 20)).save(src)
    mask = _mask_for(tmp_path, (30, 20))
    (tmp_path / "file").write_text("x")
    code, _, err = run(capsys, "edit", str(src), "--mask", str(mask), "--backend", "local",
                       "--out", str(tmp_path / "file" / "out"))  # fmt: skip
    assert code == 2
    assert "Could not" in assert_one_line_error(err)

    def disk_full(fh, data):
        fh.write(bytes(data)[:5])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_chunks", disk_full)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "edit", str(src), "--mask", str(mask), "--backend", "local",
                            "--out", str(out))  # fmt: skip
    assert code == 2 and stdout == ""
    assert "disk is full" in assert_one_line_error(err)
    assert list(out.iterdir()) == []  # no half-written result left behind


def test_huge_prompt_is_handled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sandbox
) -> None:
    src = tmp_path / "p.png"
    Image.fromarray(photo(30, 20)).save(src)
    mask = _mask_for(tmp_path, (30, 20))
    monkeypatch.setenv("FASHN_API_KEY", sandbox.key)
    code, stdout, err = run(capsys, "edit", str(src), "--mask", str(mask), "--prompt",
                            "paint a red hat " * 6400, "--backend", "fashn", "--base-url",
                            sandbox.url, "--out", str(tmp_path / "out"))  # fmt: skip
    if code == 0:
        assert len(stdout.split()) == 1
    else:
        assert code in (2, 3)
        assert_one_line_error(err)
        assert sandbox.stats.jobs_created <= 1
