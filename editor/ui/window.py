"""The main window: canvas in the middle, controls on the right, results below."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QToolButton,
)

from editor.jobs import BackendPool, JobRunner
from editor.resources import app_icon
from editor.ui import prefs
from editor.ui.actions import WindowActions
from editor.ui.canvas import CanvasView
from editor.ui.controls import ControlsWidget
from editor.ui.imaging import from_qimage
from editor.ui.menus import build_menus
from editor.ui.records import JobRecord, SourceEntry, SourceHistory
from editor.ui.recovery import display_text
from editor.ui.results import ResultsWidget
from editor.ui.window_jobs import JobsMixin
from editor.ui.window_mask import MaskMixin
from editor.ui.window_session import SESSION_SUFFIX, SessionMixin
from editor.ui.window_startup import StartupMixin

log = logging.getLogger(__name__)
APP_TITLE = "Mask Editor"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp *.gif);;All files (*)"


class MainWindow(SessionMixin, StartupMixin, MaskMixin, JobsMixin, QMainWindow):
    """Open a photo, paint the mask, describe the edit, run, compare, export."""

    def __init__(self) -> None:
        super().__init__()
        from editor.backends.journal import Journal

        self.runner = JobRunner(self)
        self.pool = BackendPool(journal=Journal())
        self.sources = SourceHistory()
        self.jobs: dict[int, JobRecord] = {}
        self._path: str | None = None
        self._opening = False
        self.canvas = CanvasView()
        self.setCentralWidget(self.canvas)
        self.controls = ControlsWidget()
        self.results = ResultsWidget()
        self.actions_ = WindowActions(self)
        self._build_docks()
        build_menus(self)
        self._build_status_bar()
        self._connect()
        self._init_region_count()
        self._init_session()
        self._apply_overlay_prefs()
        self.setAcceptDrops(True)
        self.setWindowIcon(app_icon())
        self.fit_to_screen()
        self._update_title()
        self._update_actions()
        QTimer.singleShot(0, self.refresh_backend_state)

    # -- layout ---------------------------------------------------------------------
    def fit_to_screen(self, fraction: float = 0.9) -> None:
        """Size the window to ``fraction`` of the screen's available area, centred."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(1280, 800)
            return
        area = screen.availableGeometry()
        w = min(area.width(), max(round(area.width() * fraction), 800))
        h = min(area.height(), max(round(area.height() * fraction), 560))
        self.resize(w, h)
        # the frame (title bar) is not known before the first show: centre the client area
        self.move(area.x() + (area.width() - w) // 2, area.y() + (area.height() - h) // 2)
        bottom = self.findChild(QDockWidget, "results-dock")
        if bottom is not None:  # the results strip takes about a quarter of the height
            self.resizeDocks([bottom], [max(190, min(240, h // 4))], Qt.Orientation.Vertical)

    def _build_docks(self) -> None:
        # the controls scroll their settings themselves; estimate, time, Run and Cancel
        # stay pinned below them
        self.controls.setMinimumWidth(340)
        cancel = QPushButton("Cancel")
        cancel.setObjectName("cancel-all")
        cancel.setMinimumHeight(32)
        action = self.actions_.all["cancel"]
        cancel.setToolTip(action.toolTip())
        cancel.setEnabled(action.isEnabled())
        cancel.clicked.connect(action.trigger)
        action.changed.connect(lambda: cancel.setEnabled(action.isEnabled()))
        self.cancel_button = cancel
        self.controls.add_footer_button(cancel)
        right = QDockWidget("Edit", self)
        right.setObjectName("controls-dock")
        right.setWidget(self.controls)
        right.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, right)
        for name in ("compare", "use_source", "source_back", "export_variant", "export_all"):
            button = QToolButton()
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setDefaultAction(self.actions_.all[name])
            self.results.add_action_button(button)
        self.results.finish_buttons()
        bottom = QDockWidget("Results", self)
        bottom.setObjectName("results-dock")
        bottom.setWidget(self.results)
        bottom.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, bottom)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.message_label = QLabel("Open a photo (Ctrl+O), drop one here, or paste one (Ctrl+V).")
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.size_label = QLabel("")
        self.zoom_label = QLabel("")
        self.cursor_label = QLabel("")
        self.brush_label = QLabel("")
        self.brush_label.setToolTip("Brush size [ ], hardness Shift+[ ]")
        bar.addWidget(self.message_label, 1)
        for label in (self.brush_label, self.cursor_label, self.size_label, self.zoom_label):
            bar.addPermanentWidget(label)

    def _connect(self) -> None:
        c = self.canvas
        c.undo_stack.cleanChanged.connect(self._update_title)
        c.undo_stack.indexChanged.connect(lambda _i: self._update_actions())
        c.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z:.0%}"))
        c.cursor_moved.connect(lambda p: self.cursor_label.setText(f"{p.x()}, {p.y()}"))
        c.brush_changed.connect(self._update_actions)
        c.brush_changed.connect(self._update_brush_label)
        self.controls.run_requested.connect(self.run_job)
        self.controls.done_editing.connect(
            lambda: self.canvas.setFocus(Qt.FocusReason.ShortcutFocusReason)
        )
        self.controls.backend_changed.connect(lambda _k: self.refresh_backend_state())
        self.controls.reference_requested.connect(self.choose_reference)
        self.results.selection_changed.connect(self._update_actions)
        self.results.compare_requested.connect(self.compare_selected)
        self.results.cancel_requested.connect(self.cancel_job)
        r = self.runner
        r.submitted.connect(self._on_submitted)
        r.status.connect(self._on_status)
        r.progress.connect(self._on_progress)
        r.completed.connect(self._on_completed)
        r.failed.connect(self._on_failed)
        r.cancelled.connect(self._on_cancelled)
        # the job's task ends just after its last signal: look again once it has
        r.finished.connect(lambda _n: QTimer.singleShot(0, self._update_actions))

    def _update_brush_label(self) -> None:
        c = self.canvas
        if not c.has_image() or c.tool() == "lasso":
            self.brush_label.setText("Lasso" if c.has_image() else "")
            return
        tool = "Eraser" if c.tool() == "eraser" else "Brush"
        self.brush_label.setText(f"{tool} {c.brush_size():.0f} px, hardness {c.hardness():.0%}")

    # -- messages -------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        """One line in the status bar, in red, until the next message."""
        line = _one_line(text)
        self.message_label.setStyleSheet("color: #c62828;")
        self.message_label.setText(line)
        self.message_label.setToolTip(line)
        log.info("shown error: %s", line)

    def show_info(self, text: str) -> None:
        line = _one_line(text)
        self.message_label.setStyleSheet("")
        self.message_label.setText(line)
        self.message_label.setToolTip(line)

    # -- opening --------------------------------------------------------------------
    def open_dialog(self) -> None:
        start = str(Path(self._path).parent) if self._path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open a photo", start, IMAGE_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        """Open a photo (or a session file) in a worker thread; on failure the work stays."""
        if str(path).lower().endswith(SESSION_SUFFIX):
            self.open_session_dialog(str(path))
            return
        self.ask_unsaved_then("opening another photo", lambda: self._load_photo(str(path)))

    def _load_photo(self, path: str) -> None:
        from editor.core.image import load_image

        def show(loaded: Any, name: str) -> None:
            self.set_document(loaded.pixels, path, name)

        self._open_in_thread(load_image, path, show)

    def _open_in_thread(
        self, load: Callable[[str], Any], path: str, show: Callable[[Any, str], None]
    ) -> None:
        """Run ``load(path)`` in a worker thread with Open disabled meanwhile, then
        ``show(result, display name)``; a failure is one line and the work stays."""
        name = display_text(Path(path).name)
        self._opening = True
        self.show_info(f"Opening {name}…")
        self._update_actions()

        def done(result: Any) -> None:
            self._opening = False
            show(result, name)

        def failed(message: str) -> None:
            self._opening = False
            self.show_error(message)
            self._update_actions()

        self.runner.in_thread(load, path, on_done=done, on_error=failed)

    def paste_image(self) -> None:
        """Open the clipboard's image (or the image file it names)."""
        data = QGuiApplication.clipboard().mimeData()
        if data is not None and data.hasImage():
            image = QGuiApplication.clipboard().image()
            if not image.isNull():
                pixels = from_qimage(image)
                self.ask_unsaved_then(
                    "opening the pasted image",
                    lambda: self.set_document(pixels, None, "Pasted image"),
                )
                return
        if data is not None and data.hasUrls():
            files = [u.toLocalFile() for u in data.urls() if u.isLocalFile()]
            if files:
                self.open_path(files[0])
                return
        self.show_error("The clipboard holds no image; copy an image first, then paste.")

    def set_document(self, pixels: np.ndarray, path: str | None, label: str) -> None:
        """Start editing ``pixels`` with an empty mask (a new source history)."""
        if not self._show_pixels(pixels, label):
            return
        self.canvas.undo_stack.clear()
        self.canvas.undo_stack.setClean()
        self.sources.reset(SourceEntry(pixels, label, path))
        self._doc_generation += 1
        self._path = path
        self._state_dirty = False
        self._session_path = None
        self._source_changed()
        h, w = pixels.shape[:2]
        self.size_label.setText(f"{w} × {h}")
        self._update_brush_label()
        if path:
            prefs.add_recent_file(path)
            self._rebuild_recent_menu()
        self.show_info(f"Opened {label} ({w} × {h}). Paint the area to change.")
        self._update_title()
        self._update_actions()
        # painting keys ([ ] B E X) act at once: a focused combo box would eat them
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_pixels(self, pixels: np.ndarray, label: str) -> bool:
        """Put ``pixels`` on the canvas; if the canvas cannot show them, keep the current
        image and mask and say so (False)."""
        before = (self.canvas.image(), self.canvas.mask(), self.canvas.zoom())
        try:
            self.canvas.set_image(pixels)
            return True
        except Exception as error:
            log.exception("the canvas cannot show %s", label)
            image, mask, zoom = before
            if image is not None and mask is not None:
                self.canvas.set_image(image, mask)
                self.canvas.set_zoom(zoom)
            h, w = pixels.shape[:2]
            self.show_error(
                f"Cannot show {label} ({w} × {h}): {type(error).__name__} in the canvas; "
                "your image and mask are unchanged. Try a less extreme size."
            )
            return False

    def _rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        for path in prefs.recent_files():
            action = menu.addAction(display_text(path))
            action.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        menu.setEnabled(bool(menu.actions()))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        data = event.mimeData()
        if data.hasUrls() or data.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        data = event.mimeData()
        files = [u.toLocalFile() for u in data.urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])
        elif data.hasImage():
            event.acceptProposedAction()
            pixels = from_qimage(data.imageData())
            self.ask_unsaved_then(
                "opening the dropped image",
                lambda: self.set_document(pixels, None, "Dropped image"),
            )

    # -- title and actions ----------------------------------------------------------
    def _update_title(self) -> None:
        entry = self.sources.current
        name = entry.label if entry else "no image"
        if entry and self.sources.index > 0:
            name = f"{Path(self._path).name if self._path else 'image'} — {entry.label}"
        self.setWindowTitle(f"{display_text(name)}[*] — {APP_TITLE}")
        self.setWindowModified(self.is_unsaved())

    def _update_actions(self) -> None:
        """Enable/disable every action from the current state (the one place that does)."""
        a = self.actions_.all
        has_image = self.canvas.has_image()
        selected = self.results.selected() is not None
        running = bool(self.runner.running())
        for name in [
            "brush",
            "eraser",
            "swap",
            "lasso",
            "bigger",
            "smaller",
            "harder",
            "softer",
            "pressure",
            "invert",
            "clear",
            "fill",
            "grow",
            "shrink",
            "feather",
            "zoom_in",
            "zoom_out",
            "zoom_fit",
            "zoom_100",
            "overlay_cycle",
            "load_mask",
            "save_mask",
            "run",
        ]:
            a[name].setEnabled(has_image)
        a["open"].setEnabled(not self._opening)
        a["open_session"].setEnabled(not self._opening)
        a["save_session"].setEnabled(has_image)
        a["paste"].setEnabled(not self._opening)
        for name in ("compare", "use_source", "export_variant", "export_before_after"):
            a[name].setEnabled(selected)
        a["export_all"].setEnabled(any(r.images for r in self.jobs.values()))
        a["cancel"].setEnabled(running)
        a["source_back"].setEnabled(self.sources.can_go_back)
        a["source_forward"].setEnabled(self.sources.can_go_forward)
        for name in ("brush", "eraser", "lasso"):
            a[name].setChecked(self.canvas.tool() == name)
        self.controls.run_button.setEnabled(has_image)

    # -- closing --------------------------------------------------------------------
    async def shutdown(self) -> None:
        """Stop waiting for jobs, close every backend's network client, mark a clean exit."""
        import asyncio

        await self.runner.shutdown()
        await self.pool.aclose()
        self._state_timer.stop()
        self._autosave_state()
        await asyncio.to_thread(self.autosaver.close)  # clean exit: the autosave goes away


def _one_line(text: object, limit: int = 600) -> str:
    """A status-bar line: no newlines, no undecodable bytes, not endless."""
    line = display_text(" ".join(str(text).split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"
