"""``mask-editor --self-check``: prove an installation works, in about a second.

Loads Qt (offscreen when there is no display), the application and tool icons, encodes
and decodes a generated image through Pillow and Qt's image plugins, runs the offline
engine once on a small hole and builds the TLS context httpx uses. Prints ONE line:
``mask-editor 0.1.0 self-check ok: ...`` (exit 0) or ``... self-check FAILED at <step>:
<reason>`` (exit 1). Used by tests of the wheel and of the PyInstaller bundle.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import time
from collections.abc import Callable

import numpy as np

from editor import __version__

PILLOW_FORMATS = ("jpeg", "png", "tiff", "webp")
QT_FORMATS = ("jpeg", "png", "tiff", "webp")
_MAX_MEAN_ERROR = {"jpeg": 12.0, "webp": 12.0, "png": 0.0, "tiff": 0.0}


class SelfCheckError(Exception):
    """One step failed; the message says what."""


def _test_image(w: int = 96, h: int = 64) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // max(1, w - 1)).astype(np.uint8)
    g = (y * 255 // max(1, h - 1)).astype(np.uint8)
    b = (((x // 8 + y // 8) % 2) * 200 + 30).astype(np.uint8)
    return np.dstack([r, g, b])


def _check_qt() -> str:
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "mask-editor"])
    return f"Qt {pyside_version} {app.platformName()}"


def _check_icons() -> str:
    from editor.resources import app_icon, icon, icon_names

    app = app_icon()
    if app.isNull() or len(app.availableSizes()) < 4:
        raise SelfCheckError("the application icon has no usable sizes")
    names = icon_names()
    if not names:
        raise SelfCheckError("no tool icons found")
    if icon(names[0]).pixmap(24, 24).isNull():
        raise SelfCheckError(f"the tool icon '{names[0]}' did not render (SVG support missing?)")
    return f"{len(names)} tool icons"


def _encode_all(image: np.ndarray) -> dict[str, bytes]:
    from PIL import Image

    out: dict[str, bytes] = {}
    for fmt in PILLOW_FORMATS:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format=fmt.upper(), quality=92)
        out[fmt] = buffer.getvalue()
    return out


def _check_pillow(image: np.ndarray, encoded: dict[str, bytes]) -> str:
    from PIL import Image

    encoded.update(_encode_all(image))
    for fmt, data in encoded.items():
        decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        if decoded.shape != image.shape:
            raise SelfCheckError(f"Pillow decoded {fmt} at the wrong size {decoded.shape}")
        error = float(np.abs(decoded.astype(np.int16) - image).mean())
        if error > _MAX_MEAN_ERROR[fmt]:
            raise SelfCheckError(f"Pillow's {fmt} round trip changed the pixels ({error:.1f})")
    return "Pillow " + "/".join(encoded)


def _check_qt_plugins(image: np.ndarray, encoded: dict[str, bytes]) -> str:
    from PySide6.QtGui import QImage, QImageReader

    supported = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = [f for f in QT_FORMATS if f not in supported]
    if missing:
        raise SelfCheckError(f"Qt image plugins missing: {', '.join(missing)}")
    h, w = image.shape[:2]
    for fmt in QT_FORMATS:
        qimage = QImage.fromData(encoded[fmt], fmt.upper())
        if qimage.isNull() or (qimage.width(), qimage.height()) != (w, h):
            raise SelfCheckError(f"Qt could not decode a {fmt} file")
    return "image plugins " + "/".join(QT_FORMATS)


def _hole(image: np.ndarray) -> np.ndarray:
    mask = np.zeros(image.shape[:2], dtype=np.uint8)
    mask[24:40, 40:56] = 255
    return mask


async def _run_local_backend(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    from editor.backends import make_backend
    from editor.backends.base import JobCompleted
    from editor.core.request import EditRequest

    backend = make_backend("local")
    try:
        last = None
        async for event in backend.run(EditRequest(image=image, mask=mask)):
            last = event
    finally:
        await backend.aclose()
    if not isinstance(last, JobCompleted) or not last.images:
        raise SelfCheckError("the local engine finished without an image")
    return last.images[0]


def _check_fill(image: np.ndarray) -> str:
    mask = _hole(image)
    start = time.perf_counter()
    result = asyncio.run(_run_local_backend(image, mask))
    elapsed = time.perf_counter() - start
    if result.shape[:2] != image.shape[:2]:
        raise SelfCheckError(f"the fill returned the wrong size {result.shape}")
    outside = mask == 0
    if not np.array_equal(result[..., :3][outside], image[outside]):
        raise SelfCheckError("the fill changed pixels outside the hole")
    if np.array_equal(result[..., :3][~outside], image[~outside]):
        raise SelfCheckError("the fill left the hole unchanged")
    return f"PatchMatch fill {elapsed:.2f} s (local backend)"


def _check_tls() -> str:
    import ssl

    import certifi
    import httpx

    bundle = certifi.where()
    if not os.path.isfile(bundle):
        raise SelfCheckError(f"certifi's CA bundle is missing ({bundle})")
    context = httpx.create_ssl_context()
    if not isinstance(context, ssl.SSLContext):
        raise SelfCheckError("httpx did not build an SSL context")
    cas = context.cert_store_stats().get("x509_ca", 0)
    if cas < 10:
        raise SelfCheckError(f"the TLS context holds only {cas} CA certificates")
    with httpx.Client(verify=context):
        pass
    return f"TLS ok ({cas} CAs)"


def run_self_check() -> int:
    """Run every check, print one summary line, return 0 when all passed else 1."""
    start = time.perf_counter()
    prefix = f"mask-editor {__version__} self-check"
    image = _test_image()
    parts: list[str] = []
    encoded: dict[str, bytes] = {}
    steps: list[tuple[str, Callable[[], str]]] = [
        ("Qt", _check_qt),
        ("icons", _check_icons),
        ("Pillow", lambda: _check_pillow(image, encoded)),
        ("Qt image plugins", lambda: _check_qt_plugins(image, encoded)),
        ("local engine", lambda: _check_fill(image)),
        ("TLS", _check_tls),
    ]
    for name, step in steps:
        try:
            parts.append(step())
        except Exception as exc:  # one line, never a traceback
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            print(f"{prefix} FAILED at {name}: {reason}", flush=True)
            return 1
    total = time.perf_counter() - start
    print(f"{prefix} ok: {', '.join(parts)}, {total:.2f} s total", flush=True)
    return 0
