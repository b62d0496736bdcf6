"""The one way to reach the application's files (icons, app icon).

The files live in the repository's top-level ``resources/``. A wheel ships them inside
the package as ``editor/_resources`` (see ``[tool.setuptools.package-dir]`` in
pyproject.toml), a PyInstaller bundle puts them at ``<bundle>/editor/_resources``, and a
checkout or editable install reads ``resources/`` next to the ``editor`` package. The
first of those that holds the application icon wins.

Tool icons are 24x24 line drawings in ``currentColor``; :func:`icon` paints them in the
palette's text colour (or a given colour) so they read on light and dark themes alike.
Qt is imported lazily, so ``resource_path`` works without a display or Qt at all.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from editor.core.errors import EditorError

if TYPE_CHECKING:  # pragma: no cover
    from PySide6.QtGui import QColor, QIcon

APP_ICON_SVG = "mask-editor.svg"
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICON_PIXMAP_SIZES = (16, 20, 24, 32, 40, 48, 64, 96)
_DISABLED_ALPHA = 0.38
# names the window may use for the same drawing
_ALIASES = {
    "randomise": "dice",
    "randomize": "dice",
    "random": "dice",
    "use-as-new-source": "use-as-source",
}

_PACKAGE_DIR = Path(__file__).resolve().parent


class ResourceMissingError(EditorError):
    """A file the application ships with is missing (a broken install)."""


def _candidates() -> list[Path]:
    found: list[Path] = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:  # packaging/build.py puts resources/ at <bundle>/editor/_resources
        found.append(Path(frozen_root) / "editor" / "_resources")
    found += [_PACKAGE_DIR / "_resources", _PACKAGE_DIR.parent / "resources"]
    return found


@functools.cache
def resource_dir() -> Path:
    """The directory holding the application's resources (checkout, wheel or bundle)."""
    for directory in _candidates():
        if (directory / APP_ICON_SVG).is_file():
            return directory
    raise ResourceMissingError(
        "The application's resources (icons) are missing; reinstall mask-editor."
    )


def resource_path(name: str) -> Path:
    """Absolute path of the resource ``name`` (e.g. ``"icons/brush.svg"``).

    Raises ResourceMissingError when the file does not exist."""
    path = resource_dir() / name
    if not path.is_file():
        raise ResourceMissingError(
            f"The resource '{name}' is missing from {resource_dir()}; reinstall mask-editor."
        )
    return path


def _icon_file(name: str) -> Path:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    path = resource_dir() / "icons" / f"{_ALIASES.get(key, key)}.svg"
    if not path.is_file():
        raise ResourceMissingError(
            f"There is no icon named '{name}'; available: {', '.join(icon_names())}."
        )
    return path


def icon_names() -> list[str]:
    """Names accepted by :func:`icon` (without aliases), sorted."""
    return sorted(p.stem for p in (resource_dir() / "icons").glob("*.svg"))


def _default_color() -> QColor:
    from PySide6.QtGui import QColor, QGuiApplication, QPalette

    app = QGuiApplication.instance()
    if app is None:
        return QColor("#404040")
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText)


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """The tool icon ``name`` (e.g. ``"brush"``, ``"zoom-in"``) drawn in ``color``.

    ``color`` defaults to the application palette's text colour, so call this after the
    QApplication exists (and again after a theme change). Results are cached per name
    and colour. Unknown names raise ResourceMissingError listing the known ones."""
    from PySide6.QtGui import QColor

    qcolor = QColor(color) if color is not None else _default_color()
    return _icon_cached(str(_icon_file(name)), qcolor.name(QColor.NameFormat.HexArgb))


@functools.cache
def _icon_cached(svg_path: str, argb: str) -> QIcon:
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QColor, QIcon
    from PySide6.QtSvg import QSvgRenderer

    colour = QColor(argb)
    # QtSvg's support for currentColor varies between versions; substitute explicitly.
    svg = Path(svg_path).read_text(encoding="utf-8").replace("currentColor", colour.name())
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for mode, opacity in ((QIcon.Mode.Normal, 1.0), (QIcon.Mode.Disabled, _DISABLED_ALPHA)):
        for size in ICON_PIXMAP_SIZES:
            result.addPixmap(_render(renderer, size, opacity * colour.alphaF()), mode)
    return result


def _render(renderer, size: int, opacity: float):  # -> QPixmap
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    if opacity < 1.0:  # QtSvg ignores the painter's opacity: scale alpha afterwards
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
        painter.fillRect(image.rect(), QColor(0, 0, 0, round(255 * opacity)))
    painter.end()
    return QPixmap.fromImage(image)


@functools.cache
def app_icon() -> QIcon:
    """The application icon with every PNG size (for windows, taskbars and docks)."""
    from PySide6.QtGui import QIcon

    result = QIcon()
    for size in APP_ICON_SIZES:
        result.addFile(str(resource_path(f"mask-editor-{size}.png")))
    return result
