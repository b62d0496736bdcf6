"""The bundle's trimming rules drop dead weight but never what the editor needs."""

from __future__ import annotations

import sys

import pytest
from packaging_helpers import ROOT

sys.path.insert(0, str(ROOT / "packaging"))
import bundle_rules

NEEDED = {
    "linux": [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/imageformats/libqtiff.so",
        "PySide6/Qt/plugins/imageformats/libqwebp.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libicudata.so.73",
        "patchmatch/libpatchmatch.so",
        "certifi/cacert.pem",
        "editor/_resources/mask-editor.svg",
        "libglib-2.0.so.0",
        "libfreetype.so.6",
        "libfontconfig.so.1",
        "libssl.so.3",
    ],
    "win32": [
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6/plugins/imageformats/qjpeg.dll",
        "PySide6/plugins/imageformats/qtiff.dll",
        "PySide6/plugins/imageformats/qwebp.dll",
        "PySide6/plugins/iconengines/qsvgicon.dll",
        "PySide6/Qt6Gui.dll",
        "patchmatch/patchmatch.dll",
    ],
    "darwin": [
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/plugins/imageformats/libqjpeg.dylib",
        "PySide6/Qt/plugins/imageformats/libqwebp.dylib",
        "PySide6/Qt/lib/QtGui.framework/Versions/A/QtGui",
        "patchmatch/libpatchmatch.dylib",
    ],
}

DROPPED = {
    "linux": [
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/lib/libQt6Network.so.6",
        "libcairo.so.2",
        "libgssapi_krb5.so.2",
    ],
    "win32": ["PySide6/translations/qt_fr.qm", "PySide6/opengl32sw.dll", "PySide6/Qt6Network.dll"],
    "darwin": ["PySide6/Qt/lib/QtNetwork.framework/Versions/A/QtNetwork"],
}


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_needed_files_are_kept(platform: str) -> None:
    dropped = [p for p in NEEDED[platform] if bundle_rules.is_dropped(p, platform)]
    assert dropped == []


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_dead_weight_is_dropped(platform: str) -> None:
    kept = [p for p in DROPPED[platform] if not bundle_rules.is_dropped(p, platform)]
    assert kept == []


def test_keep_entries_filters_a_toc() -> None:
    toc = [(p, "/src/" + p, "BINARY") for p in NEEDED["linux"] + DROPPED["linux"]]
    kept = bundle_rules.keep_entries(toc, "linux")
    assert [e[0] for e in kept] == NEEDED["linux"]


def test_editor_modules_are_never_excluded() -> None:
    assert not [
        m
        for m in bundle_rules.EXCLUDED_MODULES
        if m.split(".")[0] in ("editor", "PIL")
        and m
        not in ("PIL.ImageTk", "PIL._imagingtk", "PIL.ImageQt", "PIL._avif", "PIL.AvifImagePlugin")
    ]
    for needed in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg"):
        assert needed not in bundle_rules.EXCLUDED_MODULES
