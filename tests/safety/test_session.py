"""Session files: exact round trip, version refusal, damaged and hostile archives."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from editor.core.errors import EditorError, ExportError, MaskError
from editor.core.session import (
    MANIFEST,
    Session,
    SessionError,
    load_session,
    save_session,
)

from .helpers import assert_sessions_equal, make_session


def _rewrite(src: Path, dst: Path, edit) -> None:
    """Copy a session zip, letting ``edit(name, data) -> bytes|None`` change members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)


def _manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(MANIFEST))


@pytest.mark.parametrize("alpha", [False, True])
def test_round_trip_is_exact(tmp_path: Path, alpha: bool) -> None:
    session = make_session(alpha=alpha)
    path = save_session(session, tmp_path / "work.mesession")
    loaded = load_session(path)
    assert_sessions_equal(session, loaded)
    assert loaded.source.shape[2] == (4 if alpha else 3)


def test_manifest_contents_and_no_temp_left(tmp_path: Path) -> None:
    session = make_session()
    session.settings["fashn_api_key"] = "fa-SECRETSECRETSECRET1234"
    session.settings["nested"] = {"Authorization": "Bearer abc", "ok": 1}
    path = save_session(session, tmp_path / "s.zip")
    manifest = _manifest(path)
    assert manifest["format_version"] == "1.0"
    assert manifest["app_version"]
    assert manifest["created"] == pytest.approx(session.created)
    assert manifest["source"]["width"] == 64 and manifest["source"]["height"] == 48
    assert "fashn_api_key" not in manifest["settings"]
    assert manifest["settings"]["nested"] == {"ok": 1}
    raw = path.read_bytes()
    assert b"SECRETSECRET" not in raw
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.zip"]
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        mask = Image.open(io.BytesIO(zf.read("mask.png")))
        assert mask.mode == "L" and mask.size == (64, 48)
    assert {"source.png", "mask.png", "history/000.png", "results/000/01.png"} <= names


def test_save_replaces_previous_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "s.zip"
    first = make_session(seed=1)
    save_session(first, path)
    second = make_session(seed=2)
    second.prompt = "second"
    save_session(second, path)
    assert load_session(path).prompt == "second"


def test_failed_save_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.zip"
    save_session(make_session(), path)
    before = path.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    changed = make_session(seed=5)
    with pytest.raises(ExportError) as info:
        save_session(changed, path)
    assert "disk is full" in str(info.value)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.zip"]


def test_save_into_missing_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(ExportError) as info:
        save_session(make_session(), blocker / "s.zip")
    assert "Could not save the session" in str(info.value)


def test_newer_major_version_asks_for_update(tmp_path: Path) -> None:
    path = save_session(make_session(), tmp_path / "s.zip")
    newer = tmp_path / "newer.zip"

    def bump(name: str, data: bytes) -> bytes:
        if name == MANIFEST:
            manifest = json.loads(data)
            manifest["format_version"] = "2.0"
            return json.dumps(manifest).encode()
        return data

    _rewrite(path, newer, bump)
    with pytest.raises(SessionError) as info:
        load_session(newer)
    message = str(info.value)
    assert "update the app" in message and "2.0" in message and "\n" not in message


def test_newer_minor_version_still_opens(tmp_path: Path) -> None:
    session = make_session()
    path = save_session(session, tmp_path / "s.zip")
    minor = tmp_path / "minor.zip"

    def bump(name: str, data: bytes) -> bytes:
        if name == MANIFEST:
            manifest = json.loads(data)
            manifest["format_version"] = "1.7"
            manifest["future_field"] = [1, 2]
            return json.dumps(manifest).encode()
        return data

    _rewrite(path, minor, bump)
    assert_sessions_equal(session, load_session(minor))


@pytest.mark.parametrize("version", [None, "one", 2, "0.9", ""])
def test_missing_or_bad_version_is_refused(tmp_path: Path, version) -> None:
    path = save_session(make_session(), tmp_path / "s.zip")
    bad = tmp_path / "bad.zip"

    def edit(name: str, data: bytes) -> bytes:
        if name == MANIFEST:
            manifest = json.loads(data)
            if version is None:
                del manifest["format_version"]
            else:
                manifest["format_version"] = version
            return json.dumps(manifest).encode()
        return data

    _rewrite(path, bad, edit)
    with pytest.raises(SessionError):
        load_session(bad)


@pytest.mark.parametrize("cut", [0, 10, 100, 0.5, -30])
def test_truncated_or_empty_file_is_one_line_error(tmp_path: Path, cut) -> None:
    data = save_session(make_session(), tmp_path / "s.zip").read_bytes()
    n = int(len(data) * cut) if isinstance(cut, float) else cut
    broken = tmp_path / "broken.zip"
    broken.write_bytes(data[:n])
    with pytest.raises(SessionError) as info:
        load_session(broken)
    assert "\n" not in str(info.value)
    assert "broken.zip" in str(info.value)


def test_non_zip_and_missing_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("hello, this is not a zip")
    with pytest.raises(SessionError, match="not a mask-editor session"):
        load_session(text)
    with pytest.raises(SessionError, match="does not exist"):
        load_session(tmp_path / "nope.zip")
    with pytest.raises(SessionError, match="folder"):
        load_session(tmp_path)


def test_corrupted_member_bytes(tmp_path: Path) -> None:
    path = save_session(make_session(), tmp_path / "s.zip")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("source.png")
    # flip bytes inside the stored source PNG: the CRC check must catch it
    start = info.header_offset + 30 + len(info.filename) + 40
    for i in range(start, start + 50):
        data[i] ^= 0xFF
    bad = tmp_path / "flipped.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(SessionError, match="damaged"):
        load_session(bad)


def test_zip_without_manifest_or_with_garbage_manifest(tmp_path: Path) -> None:
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(SessionError, match="no manifest"):
        load_session(empty)
    garbage = tmp_path / "garbage.zip"
    with zipfile.ZipFile(garbage, "w") as zf:
        zf.writestr(MANIFEST, b"\xff\xfe{not json")
    with pytest.raises(SessionError, match="not valid JSON"):
        load_session(garbage)
    missing = tmp_path / "missing.zip"
    _rewrite(
        save_session(make_session(), tmp_path / "s.zip"),
        missing,
        lambda n, d: None if n == "results/000/01.png" else d,
    )
    with pytest.raises(SessionError, match=r"results/000/01\.png is missing"):
        load_session(missing)


@pytest.mark.parametrize(
    "evil",
    ["../evil.png", "/etc/evil.png", "results/../../x.png", "C:/Windows/evil.png", "..\\evil.png"],
)
def test_path_traversal_member_is_refused(tmp_path: Path, evil: str) -> None:
    (tmp_path / "work").mkdir()
    path = save_session(make_session(), tmp_path / "work" / "s.zip")
    hostile = tmp_path / "work" / "hostile.zip"
    _rewrite(path, hostile, lambda n, d: d)
    with zipfile.ZipFile(hostile, "a") as zf:
        zf.writestr(evil, b"payload")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(SessionError, match="unsafe path"):
        load_session(hostile)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_oversized_member_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import editor.core.session as session_module

    path = save_session(make_session(), tmp_path / "s.zip")
    bomb = tmp_path / "bomb.zip"
    # 50 MB of zeros deflates to ~50 kB: a small file that claims a big member
    _rewrite(path, bomb, lambda n, d: None if n == "history/000.png" else d)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("history/000.png", b"\0" * 50_000_000)
    assert bomb.stat().st_size < 1_000_000
    monkeypatch.setattr(session_module, "MAX_MEMBER_BYTES", 10_000_000)
    with pytest.raises(SessionError, match="larger than"):
        load_session(bomb)


def test_lying_size_header_is_caught(tmp_path: Path) -> None:
    """A member whose header claims a small size but inflates to more is not trusted."""
    path = save_session(make_session(), tmp_path / "s.zip")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(MANIFEST)
    # patch the central directory's uncompressed size of the (deflated) manifest to 10
    cd = data.rfind(info.filename.encode()) - 46  # central directory entry header
    assert data[cd : cd + 4] == b"PK\x01\x02"
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    lying = tmp_path / "lying.zip"
    lying.write_bytes(bytes(data))
    with pytest.raises(SessionError):
        load_session(lying)


def test_image_pixel_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import editor.core.session as session_module

    path = save_session(make_session(), tmp_path / "s.zip")
    big = Image.new("L", (5000, 5000))
    out = io.BytesIO()
    big.save(out, "PNG", compress_level=9)
    assert len(out.getvalue()) < 100_000
    bomb = tmp_path / "pixels.zip"
    _rewrite(path, bomb, lambda n, d: out.getvalue() if n == "history/000.png" else d)
    monkeypatch.setattr(session_module, "MAX_IMAGE_PIXELS", 10_000_000)
    with pytest.raises(SessionError, match="over the limit"):
        load_session(bomb)


def test_mask_of_wrong_size_is_refused(tmp_path: Path) -> None:
    path = save_session(make_session(), tmp_path / "s.zip")
    wrong = io.BytesIO()
    Image.new("L", (10, 10), 255).save(wrong, "PNG")
    bad = tmp_path / "wrongmask.zip"
    _rewrite(path, bad, lambda n, d: wrong.getvalue() if n == "mask.png" else d)
    with pytest.raises(MaskError) as info:
        load_session(bad)
    assert "10x10" in str(info.value) and "64x48" in str(info.value)


def test_session_refuses_bad_arrays() -> None:
    with pytest.raises(MaskError, match="exactly the image's size"):
        Session(source=np.zeros((4, 5, 3), np.uint8), mask=np.zeros((5, 4), np.uint8))
    with pytest.raises(SessionError, match="8-bit RGB"):
        Session(source=np.zeros((4, 5), np.uint8), mask=np.zeros((4, 5), np.uint8))
    with pytest.raises(EditorError):
        Session(source=np.zeros((4, 5, 3), np.uint16), mask=np.zeros((4, 5), np.uint8))


def test_non_utf8_source_path_survives(tmp_path: Path) -> None:
    session = make_session()
    session.source_path = os.fsdecode(b"/photos/caf\xe9-\xff.jpg")
    loaded = load_session(save_session(session, tmp_path / "s.zip"))
    assert loaded.source_path == session.source_path


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    channels=st.sampled_from([3, 4]),
    seed=st.integers(0, 2**32 - 1),
    prompt=st.text(max_size=200),
    variants=st.integers(0, 3),
)
def test_any_session_round_trips(h, w, channels, seed, prompt, variants) -> None:
    import tempfile

    from editor.core.session import JobRecord
    from editor.core.variant import Variant

    rng = np.random.default_rng(seed)
    session = Session(
        source=rng.integers(0, 256, (h, w, channels), dtype=np.uint8),
        mask=(rng.random((h, w)) > 0.5).astype(np.uint8) * 255,
        prompt=prompt,
        jobs=[
            JobRecord(
                f"id-{seed}",
                prompt,
                variants=[
                    Variant.whole(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
                    for _ in range(variants)
                ],
            )
        ],
    )
    with tempfile.TemporaryDirectory() as folder:
        assert_sessions_equal(session, load_session(save_session(session, Path(folder) / "s")))
