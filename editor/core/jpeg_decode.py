"""Large JPEGs decoded by OpenCV straight into the photo's array.

Pillow decodes into its own image (4 bytes a pixel: 400 MB at 100 MP), which is then
copied into an array and freed. Freeing it holds the interpreter lock for 20-50 ms (the
UI thread stops), and the copy doubles the memory for a moment. OpenCV's decoder (the
same libjpeg-turbo) writes the array itself and releases the lock throughout; its
orientation and channel swaps release it too.

Only plain cases take this path: a baseline or progressive YCbCr JPEG (Pillow's mode
"RGB") of at least ``OPENCV_FROM`` pixels (``may_apply``), without a colour profile other
than sRGB (checked by the caller, core/image.py, which reads profiles), whose data ends
with the JPEG end-of-image marker (libjpeg only warns on a truncated file, so a missing
marker goes to Pillow, which reports it). Anything else returns None and the caller
decodes with Pillow as before. No Qt here.
"""

from __future__ import annotations

from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image

OPENCV_FROM = 8_000_000  # pixels; smaller JPEGs decode with Pillow (a few ms either way)
_EOI = b"\xff\xd9"
_TRAILING = b"\x00\r\n\x1a "  # padding some writers leave after the end-of-image marker

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
    stream: BinaryIO, size: tuple[int, int], orientation: int
) -> np.ndarray | None:
    """The upright RGB pixels of the JPEG in ``stream`` (of ``size`` = (w, h), its EXIF
    ``orientation``) for an image ``may_apply`` took, or None when its data does not end
    with the end-of-image marker or OpenCV cannot read it (Pillow then decides)."""
    w, h = size
    stream.seek(0)
    data = stream.read()
    if data.rstrip(_TRAILING)[-2:] != _EOI:
        return None  # truncated (or trailing data): Pillow decides
    flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    del data
    if bgr is None or bgr.shape != (h, w, 3) or bgr.dtype != np.uint8:
        return None
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=bgr)  # in place: no second copy
    for step, arg in _STEPS.get(orientation, ()):
        if step == "flip":
            rgb = cv2.flip(rgb, arg)
        elif step == "rotate":
            rgb = cv2.rotate(rgb, arg)
        else:
            rgb = cv2.transpose(rgb)
    return np.asarray(rgb)
