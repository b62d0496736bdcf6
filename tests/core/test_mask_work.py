"""Full-mask edits of a large mask: tile records for undo, and the worker that applies
them (no Qt: the document's MaskWork on its own)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from editor.core import mask as masks
from editor.core import mask_work, threads
from editor.core.document import MASK_OPS, Document
from editor.core.mask_records import TILE, InvertRecord, TileRecord, diff_tiles


def ellipse(h: int, w: int, *, feather: int = 0) -> np.ndarray:
    yy, xx = np.ogrid[:h, :w]
    m = (((xx - w / 2) / (0.35 * w)) ** 2 + ((yy - h / 2) / (0.35 * h)) ** 2 <= 1).astype(np.uint8)
    m *= 255
    return masks.feather(m, feather) if feather else m


@pytest.fixture
def doc(monkeypatch: pytest.MonkeyPatch) -> Document:
    monkeypatch.setattr(mask_work, "ASYNC_FROM", 0)  # every mask counts as large
    d = Document()
    d.set_image(np.zeros((1500, 2200, 3), np.uint8), ellipse(1500, 2200, feather=12))
    return d


def test_a_clear_record_keeps_flat_tiles_as_one_value() -> None:
    m = ellipse(2000, 3000)
    record = diff_tiles(m, masks.clear(m))
    assert isinstance(record, TileRecord)
    tiles = [
        m[y : y + TILE, x : x + TILE]
        for y in range(0, m.shape[0], TILE)
        for x in range(0, m.shape[1], TILE)
    ]
    mixed = sum(1 for t in tiles if t.min() != t.max())
    # only the tiles the ellipse's edge crosses hold pixels (the cleared side: none)
    assert record.nbytes <= mixed * TILE * TILE + 2 * record.tiles
    assert record.nbytes < m.nbytes / 3
    out = masks.clear(m)
    record.apply(out, "before")
    assert np.array_equal(out, m)
    raw = record.nbytes
    record.compress()  # the edge tiles zlib'd: a fraction, and still exact
    assert record.nbytes < raw / 4
    out = masks.clear(m)
    record.apply(out, "before")
    assert np.array_equal(out, m)
    record.apply(out, "after")
    assert not out.any()
    assert diff_tiles(m, m.copy()) is None
    assert InvertRecord(m.shape).nbytes == 0


@pytest.mark.parametrize("name", list(MASK_OPS))
def test_each_op_in_a_worker_and_its_undo_redo_restore_exact_bytes(
    doc: Document, name: str
) -> None:
    before = doc.mask.copy()  # type: ignore[union-attr]
    px = 15 if MASK_OPS[name][2] else 0
    expected = MASK_OPS[name][1](before.copy(), px)
    work = doc.mask_work
    heard: list[tuple[int, int, int, int]] = []
    doc.on_mask.append(heard.append)
    assert work.edit(lambda m: MASK_OPS[name][1](m, px), name, invert=name == "invert")
    work.settle()
    assert np.array_equal(doc.mask, expected)  # the grey levels of the feather too
    assert heard and doc.history.undo_text == name
    step = doc.history.next_undo()
    assert step is not None and step.record is not None
    assert work.undo()
    work.settle()
    assert np.array_equal(doc.mask, before)
    assert doc.history.index == 0
    assert work.redo()
    work.settle()
    assert np.array_equal(doc.mask, expected)
    assert doc.undo()  # the synchronous path takes the same record
    assert np.array_equal(doc.mask, before)


def test_the_worker_owns_the_mask_until_the_job_is_finished(doc: Document) -> None:
    gate = threading.Event()
    mask_work._WORKER.submit(gate.wait, 10)  # hold the worker
    before = doc.mask.copy()  # type: ignore[union-attr]
    work = doc.mask_work
    assert work.edit(masks.invert, "Invert mask", invert=True)
    assert work.busy() and np.array_equal(doc.mask, before)
    assert len(doc.history) == 0
    gate.set()
    # any other edit first waits for the job and records it: the steps stay in order
    stroke = doc.mask.copy()  # type: ignore[union-attr]
    stroke[:10, :10] = 7
    doc.apply_mask(masks.invert(stroke), "after the invert")
    assert not work.busy()
    assert [doc.history.step(i).text for i in range(len(doc.history))] == [
        "Invert mask",
        "after the invert",
    ]
    assert doc.undo() and doc.undo()
    assert np.array_equal(doc.mask, before)


def test_a_job_for_a_replaced_image_is_dropped(doc: Document) -> None:
    gate = threading.Event()
    mask_work._WORKER.submit(gate.wait, 10)
    old = doc.mask
    assert doc.mask_work.edit(masks.clear, "Clear mask")
    gate.set()
    doc.mask_work._doc.generation += 1  # another image was shown meanwhile
    doc.mask_work.settle()
    assert len(doc.history) == 0 and old is doc.mask


def test_small_masks_stay_on_the_callers_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mask_work, "ASYNC_FROM", 4_000_000)
    d = Document()
    d.set_image(np.zeros((100, 100, 3), np.uint8))
    assert not d.mask_work.edit(masks.fill, "Fill mask")
    assert not d.mask_work.busy()


def test_a_large_feather_by_bands_or_tiles_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bands of rows with a margin, or only the tiles near the edges, give exactly the
    feather of the whole crop, grey levels included."""
    rng = np.random.default_rng(3)
    m = np.zeros((700, 900), np.uint8)
    for _ in range(8):
        y, x = int(rng.integers(0, 650)), int(rng.integers(0, 850))
        m[y : y + int(rng.integers(5, 220)), x : x + int(rng.integers(5, 220))] = rng.choice(
            [255, 128, 200]
        )
    for px in (3, 17, 40):
        monkeypatch.setattr(masks, "FEATHER_BAND_PIXELS", 10**9)
        whole = masks.feather(m, px)
        monkeypatch.setattr(masks, "FEATHER_BAND_PIXELS", 9_000)  # 10 rows a band
        monkeypatch.setattr(masks, "GROW_TILE", 4)  # tiles too small for the reach: bands
        assert np.array_equal(masks.feather(m, px), whole)
        monkeypatch.setattr(masks, "GROW_TILE", 128)  # tile by tile near the edges
        assert np.array_equal(masks.feather(m, px), whole)


@pytest.mark.parametrize("px", [-37, -9, -2, 1, 3, 14, 40])
def test_a_large_grow_by_tiles_equals_the_whole(monkeypatch: pytest.MonkeyPatch, px: int) -> None:
    """Growing (or shrinking) only the tiles near the edges gives exactly the grow of the
    whole mask: grey levels, the image's borders and a nearly full mask included."""
    rng = np.random.default_rng(abs(px))
    m = np.zeros((530, 610), np.uint8)
    for _ in range(7):
        y, x = int(rng.integers(0, 520)), int(rng.integers(0, 600))
        m[y : y + int(rng.integers(1, 240)), x : x + int(rng.integers(1, 240))] = rng.choice(
            [255, 128, 1]
        )
    full = np.full((530, 610), 255, np.uint8)
    full[200:230, 0:50] = 0  # a hole at the border
    for mask in (m, masks.feather(m, 9), full):
        monkeypatch.setattr(masks, "GROW_TILED_FROM", 10**9)
        whole = masks.grow(mask, px)
        monkeypatch.setattr(masks, "GROW_TILED_FROM", 0)
        monkeypatch.setattr(masks, "GROW_TILE", 96)
        assert np.array_equal(masks.grow(mask, px), whole)


@pytest.mark.skipif(not hasattr(__import__("os"), "setpriority"), reason="no thread nice values")
def test_the_worker_yields_the_cpu_to_the_ui_thread() -> None:
    import os

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert mask_work._WORKER.submit(nice).result() == min(19, nice() + threads.BACKGROUND_NICE)


@pytest.mark.parametrize(("name", "px"), [("grow", 9), ("shrink", 13), ("feather", 21)])
def test_edge_changes_written_and_recorded_give_the_whole_operation(
    monkeypatch: pytest.MonkeyPatch, name: str, px: int
) -> None:
    """A large mask's grow, shrink or feather as changed rectangles only: writing them
    gives exactly the operation's result, and their tile record undoes and redoes it."""
    from editor.core.mask_records import record_changes

    rng = np.random.default_rng(px)
    m = ellipse(1400, 1800, feather=8)
    for _ in range(5):
        y, x = int(rng.integers(0, 1390)), int(rng.integers(0, 1790))
        m[y : y + int(rng.integers(1, 80)), x : x + int(rng.integers(1, 80))] = rng.choice(
            [255, 90, 0]
        )
    whole = MASK_OPS[name][1](m.copy(), px)
    monkeypatch.setattr(masks, "GROW_TILED_FROM", 0)
    changes = masks.edge_changes(name, m, px)
    assert changes is not None
    area = sum((x1 - x0) * (y1 - y0) for (x0, y0, x1, y1), _v in changes)
    assert area < m.size // 3  # only near the edges
    written = m.copy()
    for (x0, y0, x1, y1), values in changes:
        written[y0:y1, x0:x1] = values
    np.testing.assert_array_equal(written, whole)
    record = record_changes(m, changes)
    assert record is not None
    live = m.copy()
    record.apply(live, "after")
    np.testing.assert_array_equal(live, whole)
    record.compress()
    record.apply(live, "before")
    np.testing.assert_array_equal(live, m)
    assert masks.edge_changes("invert", m, px) is None


@pytest.mark.parametrize("name", list(MASK_OPS))
def test_each_op_as_the_canvas_starts_it_records_and_replays_exactly(
    doc: Document, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Through ``edge_changes`` where the operation has that path (a clear or fill as one
    value over the whole mask, a grow, shrink or feather near the edges only): the same
    mask as the plain operation, and undo and redo give back the exact bytes."""
    monkeypatch.setattr(masks, "GROW_TILED_FROM", 0)
    doc.mask[200:260, 0:300] = 255  # type: ignore[index]  # paint at the image's edge
    before = doc.mask.copy()  # type: ignore[union-attr]
    px = 17 if MASK_OPS[name][2] else 0
    expected = MASK_OPS[name][1](before.copy(), px)
    changes = masks.edge_changes(name, before, px)
    assert (changes is None) == (name == "invert")

    def compute(m: np.ndarray) -> np.ndarray | list:
        found = masks.edge_changes(name, m, px)
        return MASK_OPS[name][1](m, px) if found is None else found

    work = doc.mask_work
    assert work.edit(compute, name, invert=name == "invert")
    work.settle()
    np.testing.assert_array_equal(doc.mask, expected)
    if name in ("clear", "fill"):  # the same tiles and bytes as diffing a whole new mask
        from editor.core.mask_records import record_changes

        assert changes is not None
        plain, direct = diff_tiles(before, expected), record_changes(before, changes)
        assert plain is not None and direct is not None
        assert direct.tiles == plain.tiles and direct.nbytes == plain.nbytes
    assert work.undo()
    work.settle()
    np.testing.assert_array_equal(doc.mask, before)
    assert work.redo()
    work.settle()
    np.testing.assert_array_equal(doc.mask, expected)


def test_a_constant_change_records_only_tiles_not_already_that_value() -> None:
    from editor.core.mask_records import constant, record_changes

    m = np.zeros((700, 900), np.uint8)
    m[300:400, 300:700] = 255  # tiles 1 and 2 of rows of 256 px: partly painted
    m[0:256, 512:768] = 255  # one whole tile already 255
    full = np.broadcast_to(np.uint8(255), m.shape)
    assert constant(full) == 255 and constant(m) is None
    record = record_changes(m, [((0, 0, 900, 700), full)])
    assert record is not None
    assert record.tiles == 3 * 4 - 1  # every tile but the one already filled
    out = m.copy()
    record.apply(out, "after")
    assert (out == 255).all()
    record.apply(out, "before")
    np.testing.assert_array_equal(out, m)
    # a constant rectangle over part of a tile writes only that part
    part = record_changes(m, [((10, 10, 20, 30), np.broadcast_to(np.uint8(7), (20, 10)))])
    assert part is not None and part.tiles == 1
    out = m.copy()
    part.apply(out, "after")
    expected = m.copy()
    expected[10:30, 10:20] = 7
    np.testing.assert_array_equal(out, expected)


def test_a_record_stays_raw_a_moment_then_is_compressed(
    doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An undo right after an operation writes raw tiles; a moment later the record is
    compressed in the background and still exact."""
    import time

    from editor.core import mask_history

    monkeypatch.setattr(mask_history, "RECORD_RAW_SECONDS", 0.4)
    before = doc.mask.copy()  # type: ignore[union-attr]
    work = doc.mask_work
    assert work.edit(masks.clear, "Clear mask")
    work.settle()
    record = doc.history.next_undo().record  # type: ignore[union-attr]
    assert isinstance(record, TileRecord)
    raw = record.nbytes
    assert raw > 20 * TILE * TILE // 8  # the edge tiles as pixels
    time.sleep(0.1)
    assert record.nbytes == raw  # not yet
    deadline = time.monotonic() + 10
    while record.nbytes >= raw / 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert record.nbytes < raw / 4
    assert work.undo()
    work.settle()
    np.testing.assert_array_equal(doc.mask, before)


def test_a_rect_record_of_overlapping_rectangles_undoes_and_redoes_exactly() -> None:
    """Rectangles written near the edges may overlap (with the same values there): their
    record keeps each one's old pixels from before any was written, so undo gives back
    the mask exactly in any order, raw or compressed, and nothing is recorded for none."""
    from editor.core.mask_records import RectRecord, record_changes

    yy, xx = np.mgrid[:300, :400]
    m = ((xx + 2 * yy) % 256).astype(np.uint8)  # ramps: compressible, and not the new ones
    new = ((3 * xx + yy + 17) % 256).astype(np.uint8)
    rects = [(10, 10, 200, 120), (150, 80, 390, 290), (0, 100, 60, 300)]
    changes = [((x0, y0, x1, y1), new[y0:y1, x0:x1]) for x0, y0, x1, y1 in rects]
    record = record_changes(m, changes)
    assert isinstance(record, RectRecord) and record.boxes() == rects
    assert record.rect == (0, 10, 390, 300)
    expected = m.copy()
    for (x0, y0, x1, y1), values in changes:
        expected[y0:y1, x0:x1] = values
    live = m.copy()
    assert record.apply(live, "after") == record.rect
    np.testing.assert_array_equal(live, expected)
    raw = record.nbytes
    record.compress()
    assert record.nbytes < raw / 4  # held zlib'd
    record.apply(live, "before")
    np.testing.assert_array_equal(live, m)
    record.apply(live, "after")
    np.testing.assert_array_equal(live, expected)
    assert record_changes(m, []) is None
