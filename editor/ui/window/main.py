"""The main window: canvas in the middle, controls on the right, results below.

It lays out the widgets and wires them to small controllers (``controller.py``): mask
operations, opening files, running jobs, variants, session/autosave, recovery at start
and support dialogs. The working state is the ``Document`` they share.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QPushButton, QToolButton

from editor.core.document import Document
from editor.jobs import BackendPool, JobRunner
from editor.resources import app_icon
from editor.ui.actions import WindowActions, WindowState
from editor.ui.advisor_row import install_advisor
from editor.ui.canvas import CanvasView
from editor.ui.controls import ControlsWidget
from editor.ui.menus import build_menus
from editor.ui.results import ResultsWidget
from editor.ui.window.batch import BatchController
from editor.ui.window.combine import CombineController
from editor.ui.window.mask_ops import MaskController
from editor.ui.window.opening import OpenController
from editor.ui.window.run import RunController
from editor.ui.window.selection import SelectionController
from editor.ui.window.session import SessionController
from editor.ui.window.startup import StartupController
from editor.ui.window.support import SupportController, expire_message
from editor.ui.window.variants import VariantsController
from editor.ui.work_dialogs import display_text

log = logging.getLogger(__name__)
APP_TITLE = "Mask Editor"


class MainWindow(QMainWindow):
    """Open a photo, paint the mask, describe the edit, run, compare, export."""

    def __init__(self) -> None:
        super().__init__()
        from editor.backends.journal import Journal

        self.document = Document()
        self.runner = JobRunner(self)
        self.pool = BackendPool(journal=Journal())
        self.force_close = False  # quit without asking (tests, scripted runs)
        self.opening = False  # a file is being read: Open waits
        self.canvas = CanvasView(document=self.document)
        self.setCentralWidget(self.canvas)
        self.controls = ControlsWidget()
        self.results = ResultsWidget()
        self._build_status_bar()
        self.session = SessionController(self)
        self.mask_ops = MaskController(self)
        self.opener = OpenController(self)
        self.run = RunController(self)
        self.variants = VariantsController(self)
        self.recovery = StartupController(self)
        self.support = SupportController(self)
        self.selection = SelectionController(self)
        self.batch = BatchController(self)
        self.combine = CombineController(self)
        self.advisor = install_advisor(self)
        self.actions_ = WindowActions(self)
        self._build_docks()
        build_menus(self)
        self.selection.install_toolbar()
        self.combine.install()
        self.opener.rebuild_recent_menu()
        self._connect()
        self.mask_ops.apply_overlay_prefs()
        self.setAcceptDrops(True)
        self.setWindowIcon(app_icon())
        self.fit_to_screen()
        self.update_title()
        self.update_actions()
        QTimer.singleShot(0, self.run.refresh_backend_state)

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
        self.controls.width_floor = 340
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
        c.undo_stack.cleanChanged.connect(self.update_title)
        c.undo_stack.indexChanged.connect(lambda _i: self.update_actions())
        c.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z:.0%}"))
        c.cursor_moved.connect(lambda p: self.cursor_label.setText(f"{p.x()}, {p.y()}"))
        c.brush_changed.connect(self.update_actions)
        c.brush_changed.connect(self.update_brush_label)
        c.status_hint.connect(self.show_info)
        c.brush_changed.connect(self._tool_hint)
        self.controls.run_requested.connect(self.run.run_job)
        self.controls.done_editing.connect(
            lambda: self.canvas.setFocus(Qt.FocusReason.ShortcutFocusReason)
        )
        self.controls.backend_changed.connect(lambda _k: self.run.refresh_backend_state())
        self.controls.reference_requested.connect(self.run.choose_reference)
        self.results.selection_changed.connect(self.update_actions)
        self.results.compare_requested.connect(self.variants.compare_selected)
        self.results.cancel_requested.connect(self.run.cancel_job)
        self.run.connect_runner()
        # the job's task ends just after its last signal: look again once it has
        self.runner.finished.connect(lambda _n: QTimer.singleShot(0, self.update_actions))

    def _tool_hint(self) -> None:
        """Choosing the lasso says how it works (once per choice)."""
        from editor.ui.canvas.input import LASSO_HINT

        tool = self.canvas.tool()
        if tool != getattr(self, "_last_tool", "brush") and tool == "lasso":
            self.show_info(LASSO_HINT)
        self._last_tool = tool

    def update_brush_label(self) -> None:
        c = self.canvas
        if not c.has_image() or c.tool() not in ("brush", "eraser"):
            names = {"lasso": "Lasso", "wand": "Magic wand", "box": "Object box"}
            self.brush_label.setText(names.get(c.tool(), "") if c.has_image() else "")
            return
        tool = "Eraser" if c.tool() == "eraser" else "Brush"
        self.brush_label.setText(f"{tool} {c.brush_size():.0f} px, hardness {c.hardness():.0%}")

    def show_image_size(self) -> None:
        """The size label, brush label, title and actions after another image is shown."""
        if self.document.image is not None:
            h, w = self.document.image.shape[:2]
            self.size_label.setText(f"{w} × {h}")
        self.update_brush_label()
        self.update_title()
        self.update_actions()

    # -- messages -------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        """One line in the status bar, in red, until the next message."""
        line = _one_line(text)
        self.message_label.setStyleSheet("color: #c62828;")
        self.message_label.setText(line)
        self.message_label.setToolTip(line)
        expire_message(self.message_label, line, error=True)
        log.info("shown error: %s", line)

    def show_info(self, text: str) -> None:
        line = _one_line(text)
        self.message_label.setStyleSheet("")
        self.message_label.setText(line)
        self.message_label.setToolTip(line)
        expire_message(self.message_label, line)

    # -- title and actions ----------------------------------------------------------
    def update_title(self) -> None:
        doc = self.document
        entry = doc.sources.current
        name = entry.label if entry else "no image"
        if entry and doc.sources.index > 0:
            name = f"{Path(doc.path).name if doc.path else 'image'} — {entry.label}"
        self.setWindowTitle(f"{display_text(name)}[*] — {APP_TITLE}")
        self.setWindowModified(doc.is_unsaved())

    def update_actions(self) -> None:
        """Enable/disable every action from the current state (the one place that does)."""
        doc = self.document
        # a photo being opened shows as a preview: the image actions wait for it
        has_image = self.canvas.has_image() and not self.canvas.showing_opening_preview()
        state = WindowState(
            idle=not self.opening,
            image=has_image,
            variant=self.results.selected() is not None,
            results=doc.has_results(),
            running=bool(self.runner.running()),
            back=doc.sources.can_go_back,
            forward=doc.sources.can_go_forward,
            tool=self.canvas.tool(),
            reuse_mask=self.mask_ops.can_reuse_mask(),
        )
        self.actions_.update(state)
        self.controls.run_button.setEnabled(has_image)

    # -- events ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        data = event.mimeData()
        if data.hasUrls() or data.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.opener.open_dropped(event.mimeData()):
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.batch.may_close() and self.session.may_close():
            event.accept()
        else:
            event.ignore()

    async def shutdown(self) -> None:
        """Stop waiting for jobs, close every backend's network client, mark a clean exit."""
        await self.runner.shutdown()
        await self.pool.aclose()
        await self.session.close()


def _one_line(text: object, limit: int = 600) -> str:
    """A status-bar line: no newlines, no undecodable bytes, not endless."""
    line = display_text(" ".join(str(text).split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"
