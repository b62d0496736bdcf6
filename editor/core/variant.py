"""One result of a job kept as the window of it that differs from its source.

A job's results differ from the photo they were made from only inside the masked region
(its box plus the feather and focus margin): everything else is bit-identical. At 100 MP
a full copy per variant costs 300 MB; a ``Variant`` keeps only ``crop`` = the result's
pixels inside ``box`` and the full result's ``shape``, and the source stays outside (the
job record holds it once for all its variants). ``full(source)`` builds the exact full
image when one is needed (export, use as new source, the large view, compare) and is
meant for a worker thread. A result that cannot be described that way (another size or
channel count than its source, or no source known) is kept whole: ``box`` then covers the
image and ``crop`` is the image itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from editor.core.boxes import Box, paste_overlap

_ROWS = 256  # rows compared at a time: the temporaries stay a few MB at 100 MP


def changed_box(image: np.ndarray, source: np.ndarray) -> Box | None:
    """The bounding box of every pixel where ``image`` differs from ``source`` (same
    shape), or None when they are identical. Compares bands of rows as flat bytes into
    one reused buffer (numpy releases the interpreter lock meanwhile, so a worker thread
    leaves the UI alone); columns are looked at only in bands that differ."""
    h, w = image.shape[:2]
    c = image.shape[2] if image.ndim == 3 else 1
    buf = np.empty((min(_ROWS, h), w * c), dtype=bool)
    rows = np.zeros(h, dtype=bool)
    cols = np.zeros(w * c, dtype=bool)
    for y in range(0, h, _ROWS):
        n = min(_ROWS, h - y)
        a, b = image[y : y + n].reshape(n, w * c), source[y : y + n].reshape(n, w * c)
        neq = np.not_equal(a, b, out=buf[:n])
        band = neq.any(axis=1)
        if band.any():
            rows[y : y + n] = band
            cols |= neq.any(axis=0)
    if not rows.any():
        return None
    ys = np.flatnonzero(rows)
    xs = np.flatnonzero(cols.reshape(w, c).any(axis=1))
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


@dataclass(frozen=True, eq=False, slots=True)
class Variant:
    """A result as ``crop`` (its pixels inside ``box``) over a source of ``shape``."""

    box: Box
    crop: np.ndarray
    shape: tuple[int, ...]  # the full result's (h, w, channels)

    @classmethod
    def whole(cls, image: np.ndarray) -> Variant:
        """``image`` kept as it is (no source to compare with)."""
        h, w = image.shape[:2]
        return cls((0, 0, w, h), image, tuple(image.shape))

    @classmethod
    def of(cls, image: np.ndarray, source: np.ndarray | None) -> Variant:
        """``image`` kept as the window where it differs from ``source`` (worker thread:
        this reads every pixel). Whole when the shapes differ or there is no source."""
        if source is None or source.shape != image.shape or image.dtype != source.dtype:
            return cls.whole(image)
        box = changed_box(image, source)
        if box is None:  # identical: one pixel keeps the crop a storable image
            box = (0, 0, 1, 1)
        x0, y0, x1, y1 = box
        return cls(box, np.ascontiguousarray(image[y0:y1, x0:x1]), tuple(image.shape))

    @classmethod
    def stored(cls, pixels: np.ndarray, entry: Any) -> Variant:
        """A stored result: whole when ``entry`` is None, else the crop ``entry``
        describes (``{"box": [x0, y0, x1, y1], "shape": [h, w, c]}``, as written by
        ``describe``). Raises ValueError when they do not match."""
        if entry is None:
            return cls.whole(pixels)
        try:
            x0, y0, x1, y1 = (int(v) for v in entry["box"])
            shape = tuple(int(v) for v in entry["shape"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("bad crop entry in the manifest") from None
        h, w = pixels.shape[:2]
        ok = len(shape) == 3 and pixels.ndim == 3 and shape[2] == pixels.shape[2]
        ok = ok and 0 <= x0 <= x1 <= shape[1] and 0 <= y0 <= y1 <= shape[0]
        if not ok or (x1 - x0, y1 - y0) != (w, h):
            raise ValueError("a result's crop does not match its box")
        return cls((x0, y0, x1, y1), pixels, shape)

    def describe(self) -> dict[str, list[int]]:
        """What ``stored`` needs besides the crop's pixels (JSON-ready)."""
        return {"box": list(self.box), "shape": list(self.shape)}

    @property
    def is_whole(self) -> bool:
        """True when ``crop`` is the full result (no source is needed)."""
        return tuple(self.crop.shape) == tuple(self.shape)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the full result."""
        return int(self.shape[1]), int(self.shape[0])

    def fits(self, source: np.ndarray | None) -> bool:
        """Whether ``full(source)`` can rebuild this result from ``source``."""
        return self.is_whole or (source is not None and tuple(source.shape) == self.shape)

    def full(self, source: np.ndarray | None) -> np.ndarray:
        """The exact full result: ``source`` with ``crop`` put back at ``box`` (a new
        array; the crop itself when the variant is whole). Costs one copy of the
        source: call it in a worker thread at large sizes."""
        if self.is_whole:
            return self.crop
        if source is None or tuple(source.shape) != self.shape:
            got = "no source" if source is None else f"a {source.shape} source"
            raise ValueError(f"variant of shape {self.shape} cannot be rebuilt from {got}")
        x0, y0, x1, y1 = self.box
        out = source.copy()
        out[y0:y1, x0:x1] = self.crop
        return out

    def region(self, source: np.ndarray | None, box: Box) -> np.ndarray:
        """The full result's pixels inside ``box`` without building the whole image."""
        x0, y0, x1, y1 = box
        if self.is_whole:
            return self.crop[y0:y1, x0:x1]
        if source is None or tuple(source.shape) != self.shape:
            raise ValueError("the variant's source is missing or has another shape")
        out = source[y0:y1, x0:x1].copy()
        paste_overlap(out, box, self.crop, self.box)
        return out

    def thumbnail(self, source: np.ndarray | None, max_edge: int = 256) -> np.ndarray:
        """A small picture of the full result (worker thread), made from a subsampled
        view of the source with the crop's subsampled pixels put in: no full copy."""
        from editor.core.preview import thumbnail

        h, w = self.shape[:2]
        step = max(1, max(h, w) // (max_edge * 2))
        if self.is_whole or source is None:
            return thumbnail(self.full(source), max_edge)
        small = np.array(source[::step, ::step])
        x0, y0, x1, y1 = self.box
        # the source's sampled rows / columns that fall inside the box
        sy0, sx0 = -(-y0 // step), -(-x0 // step)
        sy1, sx1 = -(-y1 // step), -(-x1 // step)
        if sy0 < sy1 and sx0 < sx1:
            small[sy0:sy1, sx0:sx1] = self.crop[
                sy0 * step - y0 : y1 - y0 : step, sx0 * step - x0 : x1 - x0 : step
            ]
        return thumbnail(small, max_edge)

    @property
    def nbytes(self) -> int:
        return int(self.crop.nbytes)


class WholeImages(Sequence[np.ndarray]):
    """Variants over one source read as whole images, each built when it is read (one
    full-size copy at a time). A backend hands its results over like this: a reader that
    wants the crops takes ``variants`` and never builds a whole image."""

    def __init__(self, variants: Sequence[Variant], source: np.ndarray | None) -> None:
        self.variants = list(variants)
        self.source = source

    def __len__(self) -> int:
        return len(self.variants)

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...
    @overload
    def __getitem__(self, index: slice) -> list[np.ndarray]: ...
    def __getitem__(self, index: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(index, slice):
            return [v.full(self.source) for v in self.variants[index]]
        return self.variants[index].full(self.source)

    def __iter__(self) -> Iterator[np.ndarray]:
        return (v.full(self.source) for v in self.variants)
