"""Combine variants with a brush: a pick map says which source shows where.

The pick map is an H x W uint8 array at the source's size, like a mask: 0 = the
original, k = variant k. The composite blends the sources through a feathered edge
between regions: each source's weight is its region's indicator blurred by a Gaussian
(sigma = feather / 3, cut at ``feather_px``), so every pixel farther than
``feather_px`` from a region edge is bit-identical to its source, and the weights sum
to 1 everywhere. Work is done in tiles; a tile whose neighbourhood holds one source is
a plain copy, and inside a mixed tile only the pixels within ``feather_px`` of another
source are blended, so the cost follows the edges, not the photo.

Incremental use (a controller, from a worker thread): ``stroke = combiner.stroke(k)``,
``stroke.add(coverage, origin)`` per dab segment (returns the composite's dirty box),
``stroke.finish()`` -> one ``PickChange`` (rect, before, after) for the undo stack; undo
and redo call ``combiner.set_pick(rect, values)``. ``build()`` computes the whole
composite from scratch for export; ``metadata()`` gives PNG text metadata saying which
source came from where (job ids, seeds, pixel counts). A combiner changes its pick map
and composite in place: one thread at a time (the controller's worker), and the UI
reads the composite's dirty box after each call returns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from editor.core.errors import EditorError
from editor.core.mask_history import TileBackup
from editor.core.variant import Variant

Box = tuple[int, int, int, int]  # x0, y0, x1, y1, end-exclusive
_TILE = 512
_STROKE_TILE = 64


class CombineError(EditorError):
    """The sources or the pick map cannot be combined (the message says what to do)."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Where one source of the composite came from (never a key or a secret)."""

    name: str  # "original", "variant 2"
    job_id: str = ""
    seed: int | None = None
    engine: str = ""
    prompt: str = ""


@dataclass(frozen=True, slots=True)
class PickChange:
    """One undo step of the pick map: ``rect`` with its values before and after."""

    rect: Box
    before: np.ndarray
    after: np.ndarray


def _grow(box: Box, r: int, shape: tuple[int, int]) -> Box:
    h, w = shape
    return max(0, box[0] - r), max(0, box[1] - r), min(w, box[2] + r), min(h, box[3] + r)


def _tiles(box: Box, size: int = _TILE) -> list[Box]:
    x0, y0, x1, y1 = box
    return [
        (tx, ty, min(x1, tx + size), min(y1, ty + size))
        for ty in range(y0, y1, size)
        for tx in range(x0, x1, size)
    ]


def _matched(src: np.ndarray, channels: int) -> np.ndarray:
    if src.shape[2] == channels:
        return src
    if channels == 3:
        return np.ascontiguousarray(src[..., :3])
    return cv2.cvtColor(np.ascontiguousarray(src), cv2.COLOR_RGB2RGBA)


class _CropSource:
    """A Variant read window by window as ``[y0:y1, x0:x1]``: its crop inside its box,
    the original elsewhere (the combiner reads sources only through such windows)."""

    def __init__(self, variant: Variant, original: np.ndarray) -> None:
        self.variant, self.original = variant, original
        self.shape, self.ndim, self.dtype = variant.shape, len(variant.shape), variant.crop.dtype

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        ys, xs = key
        return self.variant.region(self.original, (xs.start, ys.start, xs.stop, ys.stop))


def _pixels(source: np.ndarray | Variant, original: np.ndarray) -> np.ndarray:
    if not isinstance(source, Variant):
        return source
    if source.is_whole or not source.fits(original):
        return source.crop  # whole (or made from another photo: refused below)
    return _CropSource(source, original)  # type: ignore[return-value]  # read as windows


class VariantCombiner:
    """The pick map, the sources and the composite kept up to date with them.

    ``sources[0]`` is the original; all are H x W x 3/4 uint8 at the source's size
    (variants are converted to the original's channels once), or a job's ``Variant``
    made from that original (read as its crop over the original, never copied whole).
    ``pick`` may be given to continue an earlier combination; it is used (and painted)
    in place."""

    def __init__(
        self,
        sources: Sequence[np.ndarray | Variant],
        infos: Sequence[SourceInfo] | None = None,
        *,
        feather_px: int = 8,
        pick: np.ndarray | None = None,
    ) -> None:
        if not 2 <= len(sources) <= 255:
            raise CombineError("Combine needs the original and 1 to 254 variants.")
        if isinstance(sources[0], Variant):
            raise CombineError("The original must be the photo itself, not a variant.")
        first = sources[0]
        sources = [first] + [_pixels(s, first) for s in sources[1:]]
        if first.ndim != 3 or first.shape[2] not in (3, 4) or first.dtype != np.uint8:
            raise CombineError("The original must be an 8-bit RGB or RGBA photo.")
        h, w, channels = first.shape
        for k, src in enumerate(sources[1:], start=1):
            if src.shape[:2] != (h, w) or src.ndim != 3 or src.dtype != np.uint8:
                raise CombineError(
                    f"Variant {k} is not {w}x{h} like the original; "
                    "finish it at the source's size before combining."
                )
        self.sources = [first] + [_matched(s, channels) for s in sources[1:]]
        self.infos = list(infos) if infos is not None else _default_infos(len(sources))
        if len(self.infos) != len(self.sources):
            raise CombineError("Give one SourceInfo per source (the original first).")
        self.feather_px = max(0, int(feather_px))
        if pick is None:
            pick = np.zeros((h, w), dtype=np.uint8)
        elif pick.shape != (h, w) or pick.dtype != np.uint8:
            raise CombineError(f"The pick map must be {w}x{h} uint8 like the original.")
        elif int(pick.max(initial=0)) >= len(self.sources):
            raise CombineError("The pick map names a variant that is not given.")
        self.pick = pick
        self._counts = _histogram(pick, len(self.sources))
        self.composite = first.copy()
        if self._counts[0] != pick.size:
            self.composite = self.build()

    @property
    def shape(self) -> tuple[int, int]:
        return self.pick.shape[0], self.pick.shape[1]

    def pixel_counts(self) -> list[int]:
        """How many pixels of the pick map each source holds (kept up to date)."""
        return [int(c) for c in self._counts]

    # --- painting -----------------------------------------------------------------

    def stroke(self, label: int) -> PickStroke:
        """Start a brush stroke that picks source ``label`` where it paints."""
        if not 0 <= int(label) < len(self.sources):
            raise CombineError(f"There is no source {label}; pick 0 to {len(self.sources) - 1}.")
        return PickStroke(self, int(label))

    def set_pick(self, rect: Box, values: np.ndarray) -> Box | None:
        """Write ``values`` into the pick map at ``rect`` (undo / redo) and update the
        composite; returns the composite's dirty box."""
        x0, y0, x1, y1 = rect
        window = self.pick[y0:y1, x0:x1]
        n = len(self.sources)
        self._counts -= _histogram(window, n)
        window[...] = values
        self._counts += _histogram(window, n)
        return self.refresh(rect)

    def refresh(self, rect: Box) -> Box | None:
        """Recompute the composite wherever a change of the pick map inside ``rect``
        reaches (``rect`` grown by the feather); returns that dirty box."""
        dirty = _grow(rect, self.feather_px, self.shape)
        if dirty[0] >= dirty[2] or dirty[1] >= dirty[3]:
            return None
        for tile in _tiles(dirty):
            tx0, ty0, tx1, ty1 = tile
            self.composite[ty0:ty1, tx0:tx1] = self._compose(tile)
        return dirty

    def build(self) -> np.ndarray:
        """The whole composite computed from the pick map (for export), tile by tile."""
        h, w = self.shape
        out = np.empty_like(self.sources[0])
        for tile in _tiles((0, 0, w, h)):
            tx0, ty0, tx1, ty1 = tile
            out[ty0:ty1, tx0:tx1] = self._compose(tile)
        return out

    def _compose(self, box: Box) -> np.ndarray:
        r = self.feather_px
        x0, y0, x1, y1 = box
        gx0, gy0, gx1, gy1 = _grow(box, r, self.shape)
        window = self.pick[gy0:gy1, gx0:gx1]
        lo, hi = cv2.minMaxLoc(window)[:2]
        if lo == hi:  # one source around the whole tile: a copy
            return self.sources[int(lo)][y0:y1, x0:x1].copy()
        present = [int(k) for k in np.flatnonzero(_histogram(window, len(self.sources)))]
        inner = (slice(y0 - gy0, y1 - gy0), slice(x0 - gx0, x1 - gx0))
        labels = window[inner]
        # each pixel from its own source; then blend only where the blur's support (the
        # square of side 2r + 1) holds another source, from the same float32 weights
        out = self.sources[present[0]][y0:y1, x0:x1].copy()
        for k in present[1:]:
            cv2.copyTo(self.sources[k][y0:y1, x0:x1], (labels == k).view(np.uint8), out)
        if r == 0:
            return out
        side = (2 * r + 1, 2 * r + 1)
        square = cv2.getStructuringElement(cv2.MORPH_RECT, side)
        spread = cv2.subtract(
            cv2.dilate(window, square, borderType=cv2.BORDER_REPLICATE),
            cv2.erode(window, square, borderType=cv2.BORDER_REPLICATE),
        )
        ys, xs = np.nonzero(spread[inner])
        if ys.size == 0:
            return out
        acc = np.zeros((ys.size, out.shape[2]), dtype=np.float32)
        for k in present:
            weight = (window == k).astype(np.float32)
            weight = cv2.GaussianBlur(weight, side, r / 3.0, borderType=cv2.BORDER_REPLICATE)
            acc += weight[inner][ys, xs][:, None] * self.sources[k][y0:y1, x0:x1][ys, xs]
        acc += 0.5
        out[ys, xs] = acc.astype(np.uint8)
        return out

    # --- provenance ---------------------------------------------------------------

    def provenance(self) -> list[dict[str, object]]:
        """One entry per source shown in the composite: name, job id, seed, engine,
        prompt, pixels and share (0..1) of the photo."""
        total = max(1, int(self._counts.sum()))
        rows: list[dict[str, object]] = []
        for k, (info, count) in enumerate(zip(self.infos, self._counts, strict=True)):
            if count == 0:
                continue
            row: dict[str, object] = {"source": k, "name": info.name}
            if info.job_id:
                row["job_id"] = info.job_id
            if info.seed is not None:
                row["seed"] = int(info.seed)
            if info.engine:
                row["engine"] = info.engine
            if info.prompt:
                row["prompt"] = info.prompt
            row["pixels"] = int(count)
            row["share"] = round(int(count) / total, 4)
            rows.append(row)
        return rows

    def metadata(self) -> dict[str, str]:
        """PNG text metadata: a readable "Combined" line and the JSON of ``provenance``."""
        rows = self.provenance()
        parts = []
        for row in rows:
            where = [f"job {row['job_id']}"] if "job_id" in row else []
            if "seed" in row:
                where.append(f"seed {row['seed']}")
            detail = f" ({', '.join(where)})" if where else ""
            parts.append(f"{row['name']}{detail} {float(str(row['share'])) * 100:.1f}%")
        return {
            "Software": "mask-editor",
            "Combined": "; ".join(parts),
            "Combined Sources": json.dumps(rows, ensure_ascii=False, separators=(",", ":")),
        }


def _histogram(labels: np.ndarray, n: int) -> np.ndarray:
    """Pixels per label 0..n-1. OpenCV's histogram (~2x numpy's bincount, no copy of a
    strided window) counts in float32, exact only below 2**24: so bands of 2**23."""
    rows = max(1, (1 << 23) // max(1, labels.shape[1]))
    total = np.zeros(n, dtype=np.int64)
    for y in range(0, labels.shape[0], rows):
        hist = cv2.calcHist([labels[y : y + rows]], [0], None, [256], [0, 256])
        total += hist.reshape(-1)[:n].astype(np.int64)
    return total


def _default_infos(n: int) -> list[SourceInfo]:
    return [SourceInfo("original")] + [SourceInfo(f"variant {k}") for k in range(1, n)]


class PickStroke:
    """One brush stroke on the pick map; ``finish()`` gives its single undo record."""

    def __init__(self, combiner: VariantCombiner, label: int) -> None:
        self._combiner = combiner
        self.label = label
        self._backup = TileBackup(combiner.pick, _STROKE_TILE)
        self._bounds: Box | None = None

    def add(self, coverage: np.ndarray, origin: tuple[int, int] = (0, 0)) -> Box | None:
        """Pick this stroke's source where ``coverage`` (a uint8 window whose top-left
        is ``origin`` = (x, y) in source pixels) is >= 128; returns the composite's
        dirty box (None when nothing changed)."""
        pick = self._combiner.pick
        h, w = pick.shape
        ox, oy = int(origin[0]), int(origin[1])
        ch, cw = coverage.shape[:2]
        x0, y0, x1, y1 = max(0, ox), max(0, oy), min(w, ox + cw), min(h, oy + ch)
        if x0 >= x1 or y0 >= y1:
            return None
        hit = coverage[y0 - oy : y1 - oy, x0 - ox : x1 - ox] >= 128
        window = pick[y0:y1, x0:x1]
        todo = (hit & (window != self.label)).view(np.uint8)
        bx, by, bw, bh = cv2.boundingRect(todo)
        if bw == 0:
            return None
        todo, window = todo[by : by + bh, bx : bx + bw], window[by : by + bh, bx : bx + bw]
        x0, y0, x1, y1 = x0 + bx, y0 + by, x0 + bx + bw, y0 + by + bh
        rect = (x0, y0, x1, y1)
        self._backup.save(*rect)
        values = np.where(todo > 0, np.uint8(self.label), window)
        b = self._bounds
        self._bounds = (
            rect if b is None else (min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1))
        )
        return self._combiner.set_pick(rect, values)

    def finish(self) -> PickChange | None:
        """End the stroke: the pick map's (rect, before, after) of what it changed."""
        if self._bounds is None:
            return None
        change = self._backup.changes(*self._bounds)
        self._bounds = None
        return None if change is None else PickChange(*change)
