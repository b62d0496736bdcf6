"""The one resource helper: finds files in a checkout and in a frozen bundle, draws
tool icons in the requested colour, and says plainly when something is missing."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging_helpers import ROOT
from PIL import Image

from editor import resources
from editor.resources import ResourceMissingError, app_icon, icon, icon_names, resource_path

# the actions of the window (issue 3) that need an icon
WINDOW_ICONS = [
    "brush",
    "eraser",
    "lasso",
    "swap",
    "invert",
    "clear",
    "fill",
    "grow",
    "shrink",
    "feather",
    "load-mask",
    "save-mask",
    "undo",
    "redo",
    "zoom-in",
    "zoom-out",
    "zoom-fit",
    "zoom-100",
    "overlay",
    "run",
    "cancel",
    "open",
    "export",
    "compare",
    "settings",
    "help",
    "dice",
    "lock",
    "unlock",
    "use-as-source",
]


@pytest.fixture
def fresh_lookup() -> Iterator[None]:
    resources.resource_dir.cache_clear()
    yield
    resources.resource_dir.cache_clear()


def _opaque_pixels(qimage) -> list:
    w, h = qimage.width(), qimage.height()
    colours = [qimage.pixelColor(x, y) for y in range(h) for x in range(w)]
    return [c for c in colours if c.alpha() > 200]


def test_checkout_layout(fresh_lookup: None) -> None:
    assert resources.resource_dir() == ROOT / "resources"
    assert resource_path("icons/brush.svg") == ROOT / "resources" / "icons" / "brush.svg"


def test_frozen_bundle_layout(
    fresh_lookup: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "resources", tmp_path / "editor" / "_resources")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_dir() == tmp_path / "editor" / "_resources"
    assert resource_path("mask-editor-48.png").parent == tmp_path / "editor" / "_resources"


def test_missing_resource_is_one_line(fresh_lookup: None) -> None:
    with pytest.raises(ResourceMissingError) as info:
        resource_path("icons/no-such-thing.svg")
    assert "\n" not in str(info.value)
    assert "reinstall" in str(info.value)


def test_every_window_icon_exists_and_renders(qapp) -> None:
    assert set(WINDOW_ICONS) <= set(icon_names())
    for name in WINDOW_ICONS:
        pixmap = icon(name).pixmap(24, 24)
        assert not pixmap.isNull(), name
        assert len(_opaque_pixels(pixmap.toImage())) > 10, f"{name} draws nothing"


def test_icon_is_drawn_in_the_requested_colour(qapp) -> None:
    for colour, rgb in (("#ff0000", (255, 0, 0)), ("#20e0ff", (0x20, 0xE0, 0xFF))):
        solid = _opaque_pixels(icon("lasso", colour).pixmap(48, 48).toImage())
        assert solid
        assert all(
            max(abs(c.red() - rgb[0]), abs(c.green() - rgb[1]), abs(c.blue() - rgb[2])) <= 3
            for c in solid
        )


def test_icon_follows_the_palette_text_colour(qapp) -> None:
    from PySide6.QtGui import QPalette

    expected = qapp.palette().color(QPalette.ColorRole.WindowText)
    solid = _opaque_pixels(icon("undo").pixmap(32, 32).toImage())
    assert solid
    assert all(abs(c.red() - expected.red()) <= 3 for c in solid)
    assert all(abs(c.blue() - expected.blue()) <= 3 for c in solid)


def test_disabled_icons_are_fainter(qapp) -> None:
    from PySide6.QtGui import QIcon

    drawn = icon("brush", "#000000")
    normal = drawn.pixmap(48, 48, QIcon.Mode.Normal).toImage()
    disabled = drawn.pixmap(48, 48, QIcon.Mode.Disabled).toImage()
    max_alpha = lambda img: max(  # noqa: E731
        img.pixelColor(x, y).alpha() for y in range(48) for x in range(48)
    )
    assert max_alpha(normal) == 255
    assert max_alpha(disabled) < 128


def test_aliases_and_unknown_names(qapp) -> None:
    assert icon("randomise") is icon("dice")
    assert icon("zoom_in") is icon("zoom-in")
    with pytest.raises(ResourceMissingError) as info:
        icon("teleport")
    message = str(info.value)
    assert "\n" not in message and "'teleport'" in message and "brush" in message


def test_tool_icons_are_theme_neutral_line_drawings() -> None:
    for svg in (ROOT / "resources" / "icons").glob("*.svg"):
        text = svg.read_text()
        assert 'viewBox="0 0 24 24"' in text, svg.name
        assert "currentColor" in text, svg.name
        assert not re.search(r"#[0-9a-fA-F]{3,8}\b", text), f"{svg.name} hard-codes a colour"


def test_app_icon_sizes(qapp) -> None:
    sizes = sorted(s.width() for s in app_icon().availableSizes())
    assert sizes == [16, 24, 32, 48, 64, 128, 256, 512]
    for size in sizes:
        with Image.open(resource_path(f"mask-editor-{size}.png")) as png:
            assert png.size == (size, size)
            assert png.mode == "RGBA"
            assert png.getpixel((0, 0))[3] < 40  # transparent corner: a rounded tile
            assert png.getpixel((size // 2, size // 2))[3] == 255


def test_windows_and_macos_icons_hold_every_size() -> None:
    with Image.open(resource_path("mask-editor.ico")) as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(resource_path("mask-editor.icns")) as icns:
        sizes = set(icns.info["sizes"])
    assert {(16, 16, 2), (128, 128, 1), (256, 256, 1), (512, 512, 1), (512, 512, 2)} <= sizes


def test_committed_pngs_are_rendered_from_the_current_svg(qapp) -> None:
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import render_icons
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    for size in (16, 48, 256):
        fresh = render_icons.render_svg(render_icons._source_for(size), size)
        from io import BytesIO

        import numpy as np

        with (
            Image.open(BytesIO(fresh)) as a,
            Image.open(resource_path(f"mask-editor-{size}.png")) as b,
        ):
            diff = np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16))
        assert diff.mean() < 2.0, f"{size} px PNG is stale: run packaging/render_icons.py"
