"""Dialogs about the user's work: restore after a crash, and unsaved changes.

Both can be answered without a person (tests, scripted runs): set the window's
``recovery_answer`` / ``unsaved_answer`` attribute, or the environment variable
``MASK_EDITOR_RECOVERY`` (restore | discard | later) for the recovery question.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.session import Session
from editor.ui.imaging import thumbnail, to_qimage

PREVIEW_EDGE = 220
ANSWERS = ("restore", "discard", "later")


def preview(session: Session, edge: int = PREVIEW_EDGE) -> np.ndarray:
    """A small RGB picture of the source with the mask tinted red (thread-safe, no Qt)."""
    from PIL import Image

    small = thumbnail(session.source[..., :3], edge)
    h, w = small.shape[:2]
    mask = np.asarray(Image.fromarray(session.mask).resize((w, h), Image.Resampling.BILINEAR))
    out = small.astype(np.float32)
    alpha = (mask.astype(np.float32) / 255.0 * 0.55)[..., None]
    out = out * (1 - alpha) + np.array([255, 48, 80], np.float32) * alpha
    return np.ascontiguousarray(out.astype(np.uint8))


def worth_restoring(session: Session) -> bool:
    """False when a restore would bring back nothing the user cannot simply redo: an
    empty mask, no prompt, no results, no earlier sources, and a photo that can be
    opened again from its file (thread-safe; reads only the file's existence)."""
    import os

    if session.prompt.strip() or session.history:
        return True
    if any(job.variants for job in session.jobs):
        return True
    if session.mask.size and bool(session.mask.any()):
        return True
    path = session.source_path
    return not (path and os.path.isfile(path))


def describe(session: Session) -> list[str]:
    """What a restore brings back, one line each."""
    h, w = session.source.shape[:2]
    name = Path(session.source_path).name if session.source_path else "pasted image"
    lines = [f"Photo: {display_text(name)} ({w} × {h})"]
    painted = float((session.mask > 127).mean()) if session.mask.size else 0.0
    lines.append(f"Mask: {painted:.1%} of the photo painted")
    prompt = " ".join(session.prompt.split())
    if prompt:
        shown = prompt if len(prompt) <= 80 else prompt[:79] + "…"
        lines.append(f"Prompt: “{shown}”")
    variants = sum(len(job.variants) for job in session.jobs)
    if session.jobs:
        lines.append(f"Results: {variants} variant(s) from {len(session.jobs)} job(s)")
    if session.history:
        lines.append(f"Earlier sources: {len(session.history)}")
    return lines


def display_text(text: str) -> str:
    """``text`` safe for Qt: undecodable bytes of a file name become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class RecoveryDialog(QDialog):
    """Offers to restore what a crashed or killed run left: Restore / Discard / Later."""

    def __init__(self, session: Session, picture: np.ndarray, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Restore your work?")
        self.answer = "later"
        when = time.strftime("%d %b %Y, %H:%M", time.localtime(session.created))
        heading = QLabel(
            "<b>Mask Editor did not close properly last time.</b><br>"
            f"The work of the session started {when} was saved automatically, "
            "up to the last finished brush stroke."
        )
        heading.setWordWrap(True)
        image = QLabel()
        image.setPixmap(QPixmap.fromImage(to_qimage(picture, copy=True)))
        image.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        image.setMinimumWidth(PREVIEW_EDGE)
        self.details = details = QLabel("<br>".join(_html(line) for line in describe(session)))
        details.setWordWrap(True)
        details.setTextFormat(Qt.TextFormat.RichText)
        details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        note = QLabel(
            "Discard deletes this copy for good. Decide later keeps it and asks again at the "
            "next start."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(dark);")
        row = QHBoxLayout()
        row.addWidget(image)
        row.addSpacing(12)
        row.addWidget(details, 1)
        self.buttons = QDialogButtonBox()
        self.restore_button = QPushButton("Restore")
        self.discard_button = QPushButton("Discard")
        self.later_button = QPushButton("Decide later")
        role = QDialogButtonBox.ButtonRole
        self.buttons.addButton(self.restore_button, role.AcceptRole)
        self.buttons.addButton(self.discard_button, role.DestructiveRole)
        self.buttons.addButton(self.later_button, role.RejectRole)
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(lambda: self._done("restore"))
        self.discard_button.clicked.connect(lambda: self._done("discard"))
        self.later_button.clicked.connect(lambda: self._done("later"))
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addSpacing(6)
        layout.addLayout(row)
        layout.addSpacing(6)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def _done(self, answer: str) -> None:
        self.answer = answer
        if answer == "restore":
            self.accept()
        else:
            self.reject()


def _html(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ask_unsaved(parent: QWidget, doing: str) -> str:
    """Save / Discard / Cancel before ``doing`` (e.g. "opening another photo")."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved changes")
    box.setText("Save your work before " + doing + "?")
    box.setInformativeText(
        "The mask, prompt or results have changed since they were last saved. "
        "Save keeps them in a session file you can open later."
    )
    std = QMessageBox.StandardButton
    box.setStandardButtons(std.Save | std.Discard | std.Cancel)
    box.setDefaultButton(std.Save)
    box.setObjectName("unsaved-changes")
    answer = box.exec()
    return {std.Save: "save", std.Discard: "discard"}.get(std(answer), "cancel")
