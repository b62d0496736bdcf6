"""File > Batch…: the dialog that shows a batch (one mask and prompt over many shots).

A view only: it collects the photos and the output folder, shows the plan (shots to
send, one line per skipped shot, the credit total) and each shot's state with a
thumbnail once its results are saved. ``editor.ui.window.batch.BatchController`` plans
and runs the batch through ``editor.backends.batch.BatchRunner`` (the CLI's path too).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.backends.batch import Shot
from editor.backends.batch_sources import PHOTO_SUFFIXES

THUMB_EDGE = 64
PHOTO_FILTER = "Photos (" + " ".join(f"*{s}" for s in sorted(PHOTO_SUFFIXES)) + ")"
STATE_TEXT = {
    "planned": "to send",
    "queued": "waiting",
    "loading": "loading",
    "sending": "sending",
    "running": "running",
    "saving": "saving",
    "done": "done",
    "skipped": "skipped",
    "refused": "refused",
    "cancelled": "not sent",
    "in-journal": "in the job journal",
    "sent-before": "sent before",
    "failed": "failed",
    "uncertain": "outcome unknown",
}


def thumbnail(path: Path, edge: int = THUMB_EDGE) -> QPixmap:
    """A small preview of an image file, decoded at the small size (empty if unreadable)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > edge:
        reader.setScaledSize(size.scaled(edge, edge, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return QPixmap.fromImage(image) if not image.isNull() else QPixmap()


class BatchDialog(QDialog):
    """Photos, output folder, plan and per-shot progress of one batch."""

    inputs_changed = Signal()  # photos or output folder changed: plan again
    start_requested = Signal()
    cancel_requested = Signal()  # stop sending new shots
    open_requested = Signal(str)  # a result file to open in the window
    compare_requested = Signal(int)  # a done shot's index: compare it with its photo

    def __init__(self, parent: QWidget | None, what: str) -> None:
        super().__init__(parent)
        self.setObjectName("batch-dialog")
        self.setWindowTitle("Batch: this mask and prompt over many photos")
        self.sources: list[Path] = []
        self.out_dir: Path | None = None
        self.running = False
        self.shots: list[Shot] = []
        self._items: dict[int, QListWidgetItem] = {}

        self.what_label = QLabel(what)
        self.what_label.setWordWrap(True)
        self.sources_label = QLabel("No photos chosen yet.")
        self.add_folder_button = QPushButton("Add &folder…")
        self.add_files_button = QPushButton("Add &photos…")
        self.clear_button = QPushButton("C&lear")
        self.out_edit = QLineEdit()
        self.out_edit.setReadOnly(True)
        self.out_edit.setPlaceholderText("Choose where the results go")
        self.out_button = QPushButton("&Output folder…")
        self.plan_label = QLabel("Add photos and choose an output folder.")
        self.plan_label.setObjectName("batch-plan")
        self.plan_label.setWordWrap(True)
        self.plan_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shot_list = QListWidget()
        self.shot_list.setIconSize(QSize(THUMB_EDGE, THUMB_EDGE))
        self.shot_list.setMinimumSize(520, 260)
        self.start_button = QPushButton("&Start batch")
        self.start_button.setDefault(True)
        self.start_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.open_button = QPushButton("Open &result")
        self.open_button.setToolTip("Open the selected shot's first result in the window")
        self.open_button.setEnabled(False)
        self.compare_button = QPushButton("Co&mpare")
        self.compare_button.setToolTip("Compare the selected shot's result with its photo")
        self.compare_button.setEnabled(False)

        pick = QHBoxLayout()
        for button in (self.add_folder_button, self.add_files_button, self.clear_button):
            pick.addWidget(button)
        pick.addStretch(1)
        out = QHBoxLayout()
        out.addWidget(self.out_edit, 1)
        out.addWidget(self.out_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.compare_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        for part in (self.what_label, self.sources_label):
            layout.addWidget(part)
        layout.addLayout(pick)
        layout.addLayout(out)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.shot_list, 1)
        layout.addLayout(buttons)

        self.add_folder_button.clicked.connect(self._choose_folder)
        self.add_files_button.clicked.connect(self._choose_files)
        self.clear_button.clicked.connect(lambda: self.set_sources([]))
        self.out_button.clicked.connect(self._choose_out)
        self.start_button.clicked.connect(self.start_requested)
        self.cancel_button.clicked.connect(self._cancel_clicked)
        self.open_button.clicked.connect(self._open_selected)
        self.compare_button.clicked.connect(self._compare_selected)
        self.shot_list.itemDoubleClicked.connect(lambda _item: self._compare_selected())
        self.shot_list.currentRowChanged.connect(lambda _row: self._update_open())

    # -- inputs -------------------------------------------------------------------------
    def add_sources(self, paths: list[Path]) -> None:
        self.set_sources([*self.sources, *(p for p in paths if p not in self.sources)])

    def set_sources(self, paths: list[Path]) -> None:
        self.sources = list(paths)
        names = ", ".join(p.name or str(p) for p in self.sources[:4])
        more = f" and {len(self.sources) - 4} more" if len(self.sources) > 4 else ""
        self.sources_label.setText(
            f"Photos: {names}{more}" if self.sources else "No photos chosen yet."
        )
        self.inputs_changed.emit()

    def set_out_dir(self, path: Path) -> None:
        self.out_dir = path
        self.out_edit.setText(str(path))
        self.inputs_changed.emit()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "A folder of photos")
        if chosen:
            self.add_sources([Path(chosen)])

    def _choose_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(self, "Photos", "", PHOTO_FILTER)
        if chosen:
            self.add_sources([Path(p) for p in chosen])

    def _choose_out(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Where the results go")
        if chosen:
            self.set_out_dir(Path(chosen))

    # -- plan and progress ----------------------------------------------------------------
    def show_plan(self, shots: list[Shot], text: str, can_start: bool) -> None:
        """The planned shots (settled ones with their line) and the plan's summary."""
        self.shots = shots
        self.shot_list.clear()
        self._items = {}
        for shot in shots:
            item = QListWidgetItem()
            self._items[shot.index] = item
            self.shot_list.addItem(item)
            self.update_shot(shot)
        self.plan_label.setText(text)
        self.start_button.setEnabled(can_start and not self.running)

    def show_problem(self, text: str) -> None:
        self.shots = []
        self.shot_list.clear()
        self._items = {}
        self.plan_label.setText(text)
        self.start_button.setEnabled(False)

    def update_shot(self, shot: Shot) -> None:
        item = self._items.get(shot.index)
        if item is None:
            return
        state = STATE_TEXT.get(shot.state, shot.state)
        line = f"{shot.index + 1}. {shot.name}: {state}"
        if shot.detail and shot.state != "done":
            line += f" ({shot.detail})"
        elsewhere = shot.outputs[0].parent if shot.outputs else None
        if shot.state == "done" and self.out_dir is not None and elsewhere != self.out_dir:
            line += f" (the output folder refused it: saved in {elsewhere} instead)"
        item.setText(line)
        item.setData(Qt.ItemDataRole.UserRole, shot.state)
        if shot.outputs:
            item.setToolTip("\n".join(str(p) for p in shot.outputs))
            if shot.state == "done" and item.icon().isNull():
                item.setIcon(QIcon(thumbnail(shot.outputs[0])))
        self._update_open()

    def set_running(self, running: bool, text: str = "") -> None:
        self.running = running
        self.start_button.setEnabled(not running and any(s.to_send for s in self.shots))
        for widget in (self.add_folder_button, self.add_files_button, self.clear_button):
            widget.setEnabled(not running)
        self.out_button.setEnabled(not running)
        self.cancel_button.setText("Stop sending" if running else "Close")
        self.cancel_button.setEnabled(True)
        if text:
            self.plan_label.setText(text)

    def _cancel_clicked(self) -> None:
        if self.running:
            self.cancel_requested.emit()
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing while it runs stops new sends; shots already sent are still collected."""
        if self.running:
            self.cancel_requested.emit()
        super().closeEvent(event)

    # -- review -------------------------------------------------------------------------
    def selected_shot(self) -> Shot | None:
        row = self.shot_list.currentRow()
        return self.shots[row] if 0 <= row < len(self.shots) else None

    def _update_open(self) -> None:
        shot = self.selected_shot()
        done = bool(shot and shot.state == "done" and shot.outputs)
        self.open_button.setEnabled(done)
        self.compare_button.setEnabled(done)

    def _open_selected(self) -> None:
        shot = self.selected_shot()
        if shot is not None and shot.state == "done" and shot.outputs:
            self.open_requested.emit(str(shot.outputs[0]))

    def _compare_selected(self) -> None:
        shot = self.selected_shot()
        if shot is not None and shot.state == "done" and shot.outputs:
            self.compare_requested.emit(shot.index)
