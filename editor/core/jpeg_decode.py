"""Large JPEGs decoded by OpenCV straight into the photo's array.

Pillow decodes into its own image (4 bytes a pixel: 400 MB at 100 MP), which is then
copied into an array and freed. Freeing it holds the interpreter lock for 20-50 ms (the
UI thread stops), and the copy doubles the memory for a moment. OpenCV's decoder (the
same libjpeg-turbo), given a file and an array (``cv2.imread`` with ``dst``), writes
that array itself and releases the lock throughout; its orientation steps release it
too. (Its ``imdecode`` of bytes is the fallback: it has the same copy and free.)

Only plain cases take this path: a baseline or progressive YCbCr JPEG (Pillow's mode
"RGB") of at least ``OPENCV_FROM`` pixels (``may_apply``), without a colour profile other
than sRGB (checked by the caller, core/image.py, which reads profiles), whose data ends
with the JPEG end-of-image marker (libjpeg only warns on a truncated file, so a missing
marker goes to Pillow, which reports it). Anything else returns None and the caller
decodes with Pillow as before. No Qt here.
"""

from __future__ import annotations

import os
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image

OPENCV_FROM = 8_000_000  # pixels; smaller JPEGs decode with Pillow (a few ms either way)
_EOI = b"\xff\xd9"
_TRAILING = b"\x00\r\n\x1a "  # padding some writers leave after the end-of-image marker
_TAIL = 1 << 16  # the bytes read from the end of a file to find that marker

# EXIF orientation -> the OpenCV steps that show the image upright (as Pillow's
# Transpose: 6 = ROTATE_270 = 90 degrees clockwise, 8 = ROTATE_90 = counter-clockwise)
_STEPS: dict[int, tuple[tuple[str, int], ...]] = {
    2: (("flip", 1),),
    3: (("flip", -1),),
    4: (("flip", 0),),
    5: (("transpose", 0),),
    6: (("rotate", cv2.ROTATE_90_CLOCKWISE),),
    7: (("transpose", 0), ("flip", -1)),
    8: (("rotate", cv2.ROTATE_90_COUNTERCLOCKWISE),),
}


def may_apply(im: Image.Image) -> bool:
    """Whether ``im`` (opened, not loaded) is a JPEG this path may take, judged from its
    header alone (nothing else is read: e.g. a PNG's EXIF would load the whole file)."""
    w, h = im.size
    return im.format == "JPEG" and im.mode == "RGB" and w * h >= OPENCV_FROM


def decode_plain_jpeg(
    stream: BinaryIO, size: tuple[int, int], orientation: int, path: str | None = None
) -> np.ndarray | None:
    """The upright RGB pixels of the JPEG in ``stream`` (of ``size`` = (w, h), its EXIF
    ``orientation``) for an image ``may_apply`` took, or None when its data does not end
    with the end-of-image marker or OpenCV cannot read it (Pillow then decides).
    ``path``: the file ``stream`` reads, decoded by ``cv2.imread`` into an array made
    here (see ``_read_into``); without it the bytes go through ``cv2.imdecode``."""
    w, h = size
    if not _ends_with_eoi(stream):
        return None  # truncated (or trailing data): Pillow decides
    if path is not None and _imread_takes(path):
        rgb = _read_into(path, (h, w))
    else:
        data = stream.read()  # _ends_with_eoi leaves the stream at its start
        flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
        del data
        rgb = None
        if bgr is not None and bgr.shape == (h, w, 3) and bgr.dtype == np.uint8:
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=bgr)  # in place: no second copy
    if rgb is None:
        return None
    return _upright(rgb, orientation)


_REDUCED = {
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}


def reduced_scale(size: tuple[int, int], edge: int) -> int:
    """The DCT scale (1, 2, 4 or 8: the image is 1/scale the size) whose long edge is
    still at least about ``edge``, chosen as Pillow's ``draft`` chooses it."""
    w, h = size
    ratio = edge / max(w, h)
    rw, rh = max(1, int(w * ratio)), max(1, int(h * ratio))
    k = min(w // rw, h // rh)
    return next((s for s in (8, 4, 2) if k >= s), 1)


def decode_reduced_jpeg(
    stream: BinaryIO, size: tuple[int, int], orientation: int, path: str, edge: int
) -> np.ndarray | None:
    """A JPEG of ``size`` (w, h; Pillow's mode "RGB", sRGB or no profile: the caller
    checks) decoded through the DCT at 1/2..1/8 scale (``reduced_scale``), upright, RGB;
    None where OpenCV cannot (Pillow's draft mode then decodes it). The same libjpeg
    scaled decode as Pillow's draft (the same pixels), but OpenCV releases the
    interpreter lock throughout, where Pillow holds it in 5-10 ms steps (UI stalls)."""
    scale = reduced_scale(size, edge)
    if scale == 1 or not _imread_takes(path) or not _ends_with_eoi(stream):
        return None
    w, h = size
    shape = (-(-h // scale), -(-w // scale), 3)
    bgr = np.empty(shape, np.uint8)
    try:
        out = cv2.imread(path, bgr, _REDUCED[scale] | cv2.IMREAD_IGNORE_ORIENTATION)
    except (cv2.error, TypeError):
        return None
    if out is None or out.shape != shape or out.dtype != np.uint8:
        return None
    return _upright(cv2.cvtColor(out, cv2.COLOR_BGR2RGB, dst=out), orientation)


def _upright(rgb: np.ndarray, orientation: int) -> np.ndarray:
    for step, arg in _STEPS.get(orientation, ()):
        if step == "flip":
            rgb = cv2.flip(rgb, arg)
        elif step == "rotate":
            rgb = cv2.rotate(rgb, arg)
        else:
            rgb = cv2.transpose(rgb)
    return np.asarray(rgb)


def _imread_takes(path: str) -> bool:
    """Whether ``cv2.imread`` opens ``path`` into RGB: on Windows it takes only ASCII
    names, and older OpenCV builds lack the RGB flag (and imread's ``dst``)."""
    return hasattr(cv2, "IMREAD_COLOR_RGB") and (os.name != "nt" or path.isascii())


def _ends_with_eoi(stream: BinaryIO) -> bool:
    """Whether the file's data ends with the end-of-image marker (only its tail read)."""
    end = stream.seek(0, os.SEEK_END)
    stream.seek(max(0, end - _TAIL))
    tail = stream.read()
    stream.seek(0)
    return tail.rstrip(_TRAILING)[-2:] == _EOI


def _read_into(path: str, shape: tuple[int, int]) -> np.ndarray | None:
    """Decode the file at ``path`` as RGB into an array numpy allocates here.

    ``cv2.imdecode`` decodes into a buffer of OpenCV's own, which its Python binding
    copies into a numpy array and then frees while holding the interpreter lock: 20-50
    ms at 100 MP during which no other thread (the UI's) runs, and twice the photo's
    memory for a moment. ``cv2.imread`` with ``dst`` writes the given array itself and
    releases the lock throughout; IMREAD_COLOR_RGB makes libjpeg write RGB directly."""
    h, w = shape
    rgb = np.empty((h, w, 3), np.uint8)
    flags = cv2.IMREAD_COLOR_RGB | cv2.IMREAD_IGNORE_ORIENTATION
    try:
        out = cv2.imread(path, rgb, flags)
    except (cv2.error, TypeError):  # e.g. an OpenCV without imread's dst
        return None
    if out is None or out.shape != (h, w, 3) or out.dtype != np.uint8:
        return None
    return np.asarray(out)
