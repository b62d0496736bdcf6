"""The Linux desktop entry and AppStream metainfo are valid and agree with the app."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from packaging_helpers import ROOT

from editor import __version__

LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / "mask-editor.desktop"
METAINFO = LINUX / "io.github.maskeditor.MaskEditor.metainfo.xml"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_desktop_file_validates() -> None:
    proc = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_metainfo_validates() -> None:
    proc = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_desktop_entry_matches_the_program_and_icon() -> None:
    entry = _desktop_entry()
    assert entry["Exec"].split()[0] == "mask-editor"
    assert entry["Icon"] == "mask-editor"
    assert (ROOT / "resources" / "mask-editor.svg").is_file()  # installed as the hicolor icon
    assert {"image/jpeg", "image/png", "image/tiff", "image/webp"} <= set(
        entry["MimeType"].strip(";").split(";")
    )


def test_metainfo_points_at_the_desktop_file_and_current_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("launchable") == DESKTOP.name
    assert root.find("releases/release").get("version") == __version__
    binaries = {b.text for b in root.findall("provides/binary")}
    assert binaries == {"mask-editor", "mask-editor-cli"}
