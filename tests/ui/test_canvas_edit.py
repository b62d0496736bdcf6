"""CanvasView undo (per stroke, per mask operation, memory cap) and the lasso tool."""

from __future__ import annotations

import threading
import zlib

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.ui.canvas import CanvasView
from editor.ui.canvas.undo import MaskPatch, patch_qrect

H, W = 300, 400


@pytest.fixture
def canvas(qtbot) -> CanvasView:
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_image(np.full((H, W, 3), 90, np.uint8))
    view.set_view(1.0, QPointF(W / 2, H / 2))
    view.set_brush_size(10)
    return view


def wpos(view: CanvasView, sx: float, sy: float) -> QPointF:
    return view.map_from_source(QPointF(sx + 0.5, sy + 0.5))


def send(
    view, kind, sx, sy, buttons=Qt.MouseButton.LeftButton, mods=Qt.KeyboardModifier.NoModifier
) -> None:
    pos = wpos(view, sx, sy)
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    QApplication.sendEvent(
        view, QMouseEvent(kind, pos, view.mapToGlobal(pos), button, buttons, mods)
    )


def drag(view, points, mods=Qt.KeyboardModifier.NoModifier) -> None:
    send(view, QEvent.Type.MouseButtonPress, *points[0], mods=mods)
    for x, y in points[1:]:
        send(view, QEvent.Type.MouseMove, x, y, mods=mods)
    send(view, QEvent.Type.MouseButtonRelease, *points[-1], Qt.MouseButton.NoButton, mods)


def click(view, sx, sy, mods=Qt.KeyboardModifier.NoModifier) -> None:
    send(view, QEvent.Type.MouseButtonPress, sx, sy, mods=mods)
    send(view, QEvent.Type.MouseButtonRelease, sx, sy, Qt.MouseButton.NoButton, mods)


def test_undo_redo_per_stroke_restores_exact_pixels(canvas: CanvasView, qtbot) -> None:
    drag(canvas, [(50, 50), (150, 50)])
    first = canvas.mask().copy()
    drag(canvas, [(100, 20), (100, 120)])
    second = canvas.mask().copy()
    stack = canvas.undo_stack
    assert stack.count() == 2 and stack.undoText() == "Brush stroke"
    # only the changed rectangle is stored: the vertical stroke is ~11 x 111 px
    x0, y0, x1, y1 = stack.command(1).patch.rect
    assert (x1 - x0, y1 - y0) == (11, 111)
    with qtbot.waitSignal(canvas.mask_edited):
        stack.undo()
    assert np.array_equal(canvas.mask(), first)
    stack.undo()
    assert not canvas.mask().any()
    stack.redo()
    stack.redo()
    assert np.array_equal(canvas.mask(), second)


def test_stroke_over_painted_area_adds_no_undo_step(canvas: CanvasView) -> None:
    drag(canvas, [(50, 50), (150, 50)])
    drag(canvas, [(60, 50), (140, 50)])
    assert canvas.undo_stack.count() == 1


def test_apply_mask_is_one_command_storing_the_changed_bounds(canvas: CanvasView) -> None:
    drag(canvas, [(50, 50)])
    painted = canvas.mask().copy()
    new = painted.copy()
    new[200:220, 300:330] = 255
    assert canvas.apply_mask(new, "Grow mask")
    cmd = canvas.undo_stack.command(canvas.undo_stack.count() - 1)
    assert cmd.text() == "Grow mask" and cmd.patch.rect == (300, 200, 330, 220)
    assert np.array_equal(canvas.mask(), new)
    assert not canvas.apply_mask(new.copy(), "no-op")  # nothing changed: no command
    assert canvas.undo_stack.count() == 2
    canvas.undo_stack.undo()
    assert np.array_equal(canvas.mask(), painted)
    live = canvas.mask()
    canvas.apply_mask(np.ones((H, W), bool), "Fill")  # bool masks become 0/255
    assert canvas.mask() is live and (live == 255).all()


def test_whole_mask_operation_is_compressed_off_the_ui_thread(
    canvas: CanvasView, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    real = zlib.compress

    def recording(data, level=-1):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(data, level)

    monkeypatch.setattr(zlib, "compress", recording)
    big = np.zeros((2000, 3000), np.uint8)
    canvas.set_image(np.zeros((2000, 3000, 3), np.uint8), big)
    canvas.apply_mask(255 - big, "Invert")
    patch = canvas.undo_stack.command(0).patch
    assert patch.rect == (0, 0, 3000, 2000)
    canvas.undo_stack.undo()  # works while the compression may still be running
    assert not canvas.mask().any()
    patch.wait_compressed(timeout=30)
    assert patch.compressed and patch.nbytes < 200_000  # 2 x 6 MB raw
    assert threads and threading.main_thread().name not in threads
    canvas.undo_stack.redo()
    assert (canvas.mask() == 255).all()
    canvas.undo_stack.undo()
    assert not canvas.mask().any()


def test_undo_and_redo_in_the_middle_of_a_stroke_are_ignored(canvas: CanvasView) -> None:
    drag(canvas, [(50, 50), (150, 50)])
    first = canvas.mask().copy()
    # a second stroke crossing the first; Ctrl+Z and Ctrl+Shift+Z while the button is down
    send(canvas, QEvent.Type.MouseButtonPress, 100, 20)
    send(canvas, QEvent.Type.MouseMove, 100, 60)
    assert canvas.stroke_active()
    assert not canvas.undo() and not canvas.redo()
    send(canvas, QEvent.Type.MouseMove, 100, 120)
    send(canvas, QEvent.Type.MouseButtonRelease, 100, 120, Qt.MouseButton.NoButton)
    both = canvas.mask().copy()
    assert both[50, 100] == 255 and both[50, 60] == 255 and both[120, 100] == 255
    assert canvas.undo_stack.count() == 2
    assert canvas.undo()
    assert np.array_equal(canvas.mask(), first)
    assert canvas.undo()
    assert not canvas.mask().any()  # nothing of either stroke survives a full undo
    assert canvas.redo() and canvas.redo()
    assert np.array_equal(canvas.mask(), both)


def test_memory_cap_drops_the_oldest_steps(canvas: CanvasView) -> None:
    stack = canvas.undo_stack
    drag(canvas, [(20, 20), (60, 20)])
    one = stack.memory_used()
    stack.set_memory_limit(int(one * 3.5))
    states = []
    for i in range(6):
        y = 40 + 30 * i
        drag(canvas, [(20, y), (60, y)])
        states.append(canvas.mask().copy())
        assert stack.memory_used() <= stack.memory_limit()
    assert stack.count() == 3
    assert all(stack.command(i).text() == "Brush stroke" for i in range(3))
    for _ in range(3):
        stack.undo()
    assert not stack.canUndo()
    assert np.array_equal(canvas.mask(), states[2])  # the dropped steps stay painted
    for _ in range(3):
        stack.redo()
    assert np.array_equal(canvas.mask(), states[5])


def test_memory_cap_keeps_clean_state_and_redo_tail(canvas: CanvasView) -> None:
    stack = canvas.undo_stack
    for i in range(4):
        drag(canvas, [(20, 40 + 30 * i), (60, 40 + 30 * i)])
    stack.undo()
    stack.setClean()
    clean_mask = canvas.mask().copy()
    stack.undo()
    stack.set_memory_limit(stack.command(0).patch.nbytes * 3)
    assert stack.count() == 3 and stack.index() == 1
    assert np.array_equal(canvas.mask()[:, :], canvas.mask())
    stack.redo()
    assert stack.isClean() and np.array_equal(canvas.mask(), clean_mask)
    stack.redo()
    assert not stack.isClean()


def test_undo_limit_counts_commands(canvas: CanvasView) -> None:
    assert canvas.undo_stack.undoLimit() > 0
    p = MaskPatch((0, 0, 2, 2), np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8))
    assert p.nbytes == 8 and patch_qrect(p).width() == 2


SQUARE = [(100, 100), (200, 100), (200, 180), (100, 180)]


CTRL = Qt.KeyboardModifier.ControlModifier


def start_polygon(canvas: CanvasView, points) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+click starts a polygon lasso; later clicks add points."""
    click(canvas, *points[0], mods=CTRL)
    for x, y in points[1:]:
        click(canvas, x, y)


def test_lasso_polygon_closed_by_double_click_fills_inside(canvas: CanvasView) -> None:
    canvas.set_tool("lasso")
    start_polygon(canvas, SQUARE[:-1])
    pos = wpos(canvas, *SQUARE[-1])
    QTest.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=pos.toPoint())
    m = canvas.mask()
    # vertices sit on pixel centres: pixels 100..199 x 100..179 (centre rule) are inside
    assert (m[101:180, 101:200] == 255).all()
    assert not m[:99].any() and not m[182:].any() and not m[:, :99].any() and not m[:, 202:].any()
    assert canvas.undo_stack.undoText() == "Lasso add"


def test_lasso_closes_on_first_point_and_alt_subtracts(canvas: CanvasView) -> None:
    canvas.apply_mask(np.full((H, W), 255, np.uint8), "Fill")
    canvas.set_tool("lasso")
    alt = Qt.KeyboardModifier.AltModifier
    start_polygon(canvas, SQUARE)
    click(canvas, 101, 101, mods=alt)  # back on the first point (within 8 px) closes
    m = canvas.mask()
    assert not m[102:178, 102:198].any()
    assert (m[:95] == 255).all() and (m[185:] == 255).all()
    assert canvas.undo_stack.undoText() == "Lasso subtract"
    canvas.undo_stack.undo()
    assert (canvas.mask() == 255).all()


def test_lasso_enter_closes_and_escape_cancels(canvas: CanvasView) -> None:
    canvas.set_tool("lasso")
    canvas.setFocus()
    start_polygon(canvas, SQUARE[:3])
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert not canvas.mask().any()
    start_polygon(canvas, SQUARE[:3])
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    m = canvas.mask()
    assert m[120, 180] == 255 and m[170, 110] == 0  # triangle (100,100) (200,100) (200,180)


def test_freehand_lasso_closes_on_release(canvas: CanvasView) -> None:
    canvas.set_tool("lasso")
    circle = [(150 + 50 * np.cos(t), 150 + 50 * np.sin(t)) for t in np.linspace(0, 6.0, 60)]
    drag(canvas, circle)
    m = canvas.mask()
    assert m[150, 150] == 255 and m[150, 190] == 255 and m[150, 205] == 0
    assert canvas.undo_stack.count() == 1
    area = int((m > 0).sum())
    assert abs(area - np.pi * 50**2) / (np.pi * 50**2) < 0.08


def test_freehand_lasso_back_to_its_start_closes_on_release(canvas: CanvasView) -> None:
    """A drag that loops back to where it began (Photoshop's habit) closes on release,
    not left open in polygon mode following the pointer."""
    canvas.set_tool("lasso")
    hints: list[str] = []
    canvas.status_hint.connect(hints.append)
    loop = [(150 + 50 * np.cos(t), 150 + 50 * np.sin(t)) for t in np.linspace(0, 2 * np.pi, 80)]
    drag(canvas, loop)
    assert not canvas._lasso.active()
    m = canvas.mask()
    assert m[150, 150] == 255 and m[150, 195] == 255 and m[150, 205] == 0
    assert canvas.undo_stack.undoText() == "Lasso add"
    assert hints and "release closes" in hints[-1]


def test_plain_click_starts_no_polygon_and_says_how(canvas: CanvasView) -> None:
    canvas.set_tool("lasso")
    hints: list[str] = []
    canvas.status_hint.connect(hints.append)
    click(canvas, 100, 100)
    send(canvas, QEvent.Type.MouseMove, 200, 150, Qt.MouseButton.NoButton)
    assert not canvas._lasso.active() and not canvas.mask().any()
    assert "Ctrl+click" in hints[-1]
    click(canvas, 100, 100, mods=CTRL)
    assert canvas._lasso.active() and "Polygon lasso" in hints[-1]


def test_ctrl_on_release_keeps_a_freehand_lasso_open(canvas: CanvasView) -> None:
    canvas.set_tool("lasso")
    drag(canvas, [(100, 100), (150, 100), (200, 100)], mods=CTRL)
    assert canvas._lasso.active() and not canvas.mask().any()
    click(canvas, 200, 180)
    click(canvas, 100, 180)
    click(canvas, 100, 100)  # the first point closes it
    m = canvas.mask()
    assert not canvas._lasso.active() and m[140, 150] == 255 and m[190, 150] == 0
