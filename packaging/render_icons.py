"""Regenerate the application icon's PNG, ICO and ICNS files from the SVG master.

Run from anywhere: ``python packaging/render_icons.py`` (``--check`` only verifies that
every SVG in resources/ parses and that the generated files are present and current).

- ``resources/mask-editor.svg`` is the master; sizes of 32 px and above are rendered
  from it. ``resources/mask-editor-small.svg`` is a simplified drawing for 16 and 24 px,
  where the master's details would turn to mush.
- ``resources/mask-editor-<size>.png`` for 16, 24, 32, 48, 64, 128, 256, 512
  (Linux desktop icon sizes; the bundle and the window use them).
- ``resources/mask-editor.ico`` (Windows: 16-256) and ``resources/mask-editor.icns``
  (macOS: 16-512), written by Pillow from the PNGs.

Uses PySide6's QtSvg (part of PySide6-Essentials), so no other SVG library is needed.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
MASTER = RESOURCES / "mask-editor.svg"
SMALL = RESOURCES / "mask-editor-small.svg"
PNG_DIR = RESOURCES
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SMALL_SIZES = (16, 24)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def _app():
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([sys.argv[0]])


def render_svg(svg: Path, size: int) -> bytes:
    """Render ``svg`` to a transparent ``size`` x ``size`` PNG and return its bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg} is not a valid SVG; fix it and run this script again")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def _source_for(size: int) -> Path:
    return SMALL if size in SMALL_SIZES and SMALL.is_file() else MASTER


def expected_outputs() -> dict[Path, bytes]:
    """Every generated file and the bytes it should hold."""
    from PIL import Image

    outputs: dict[Path, bytes] = {}
    images: dict[int, Image.Image] = {}
    for size in SIZES:
        data = render_svg(_source_for(size), size)
        outputs[PNG_DIR / f"mask-editor-{size}.png"] = data
        images[size] = Image.open(io.BytesIO(data)).convert("RGBA")
    ico = io.BytesIO()
    images[256].save(
        ico,
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != 256],
    )
    outputs[RESOURCES / "mask-editor.ico"] = ico.getvalue()
    # ICNS holds 512 px at 2x (1024 px): render it rather than let Pillow upscale
    images[1024] = Image.open(io.BytesIO(render_svg(MASTER, 1024))).convert("RGBA")
    icns = io.BytesIO()
    images[512].save(icns, format="ICNS", append_images=[images[s] for s in ICNS_SIZES if s != 512])
    outputs[RESOURCES / "mask-editor.icns"] = icns.getvalue()
    return outputs


def check_tool_icons() -> list[str]:
    """Names of SVG files under resources/ that Qt cannot parse."""
    from PySide6.QtSvg import QSvgRenderer

    return [
        str(p.relative_to(ROOT))
        for p in sorted(RESOURCES.rglob("*.svg"))
        if not QSvgRenderer(str(p)).isValid()
    ]


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, verify) the generated icon files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify only, write nothing")
    args = parser.parse_args(argv)
    _app()
    broken = check_tool_icons()
    if broken:
        print(f"error: Qt cannot parse {', '.join(broken)}; fix the SVG", file=sys.stderr)
        return 1
    outputs = expected_outputs()
    if args.check:
        stale = [
            str(p.relative_to(ROOT))
            for p, d in outputs.items()
            if not p.is_file() or (p.suffix == ".png" and p.read_bytes() != d)
        ]
        if stale:
            print(f"error: out of date: {', '.join(stale)}; run {Path(__file__).name}")
            return 1
        print(f"icons ok: {len(outputs)} generated files current")
        return 0
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    for path, data in outputs.items():
        path.write_bytes(data)
    print(f"wrote {len(outputs)} files under {RESOURCES.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
