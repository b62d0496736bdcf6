"""Opening photos: the file dialog, recent files, paste, drop; reading happens in a
worker thread and a failure is one line (the current work stays)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMimeData, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from editor.core.threads import lower_thread_priority
from editor.ui import prefs
from editor.ui.canvas.opening_preview import PreviewPixels
from editor.ui.canvas.overlay_colors import contrasting_color
from editor.ui.imaging import from_qimage
from editor.ui.window.controller import Controller
from editor.ui.window.session import SESSION_SUFFIX
from editor.ui.work_dialogs import display_text

log = logging.getLogger(__name__)


def _in_decoding_thread(work: Callable[[], Any]) -> Any:
    """``work()`` in a thread of its own (one per photo opened), waited for here: the
    decoding thread lowers its priority once the preview is out (``lower_thread_priority``
    lasts for a thread's life), so on a busy machine the UI thread gets a CPU at once
    instead of waiting 10-35 ms behind the full decode, while the preview (the first
    paint) is decoded at the UI thread's priority."""
    done: Future[Any] = Future()

    def run() -> None:
        try:
            done.set_result(work())
        except BaseException as error:  # handed to the waiting thread, which raises it
            done.set_exception(error)

    threading.Thread(target=run, name="photo-decode", daemon=True).start()
    return done.result()


IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp *.gif);;All files (*)"


class _PreviewRelay(QObject):
    """Brings a preview from the decoding thread to the UI thread: ``arrived`` is emitted
    there and, connected to a method of this QObject (made on the UI thread), is queued."""

    arrived = Signal(object)

    def __init__(self, show: Callable[[Any], None]) -> None:
        super().__init__()
        self._show = show
        self.arrived.connect(self._deliver)

    def _deliver(self, payload: Any) -> None:
        self._show(payload)


class OpenController(Controller):
    """Open, paste and drop photos; recent files."""

    _relay: _PreviewRelay | None = None
    _opening_id = 0  # which opening a preview belongs to
    _opening_name = ""

    def open_dialog(self) -> None:
        path = self.doc.path
        start = str(Path(path).parent) if path else ""
        chosen, _ = QFileDialog.getOpenFileName(self.window, "Open a photo", start, IMAGE_FILTER)
        if chosen:
            self.open_path(chosen)

    def open_path(self, path: str) -> None:
        """Open a photo (or a session file) in a worker thread; on failure the work stays."""
        if str(path).lower().endswith(SESSION_SUFFIX):
            self.window.session.open_session_dialog(str(path))
            return
        self.window.session.ask_unsaved_then(
            "opening another photo", lambda: self._load_photo(str(path))
        )

    def _load_photo(self, path: str) -> None:
        """A large JPEG is shown first from a reduced decode (a fraction of the time),
        fit to the canvas with painting off, while the full decode goes on."""
        from editor.core.image import load_image

        if self._relay is None:
            self._relay = _PreviewRelay(self._show_preview)
        self._opening_id += 1
        arrived, opening = self._relay.arrived, self._opening_id
        view = (self.canvas.width(), self.canvas.height())
        dpr = self.canvas.devicePixelRatioF()

        def decode(p: str) -> Any:  # the decoding thread
            def preview(px: np.ndarray, size: tuple[int, int]) -> None:
                converted = PreviewPixels(px, (size, view, dpr))  # and fit here
                arrived.emit((opening, converted, size))
                lower_thread_priority()  # the full decode: behind the UI thread

            loaded = load_image(p, on_preview=preview)
            contrasting_color(loaded.pixels)  # kept: the UI thread's question is then free
            return loaded

        def load(p: str) -> Any:  # the worker thread: waits for the decoding thread
            return _in_decoding_thread(lambda: decode(p))

        def show(loaded: Any, name: str) -> None:
            self.open_pixels(loaded.pixels, path, name)  # the canvas takes the preview

        self.open_in_thread(load, path, show)

    def _show_preview(self, payload: tuple[int, PreviewPixels, tuple[int, int]]) -> None:
        opening, pixels, (w, h) = payload
        if opening != self._opening_id or not self.window.opening:
            return  # that opening is over (done or failed)
        self.canvas.show_opening_preview(pixels, (w, h), self._opening_name)
        self.show_info(
            f"Opening {self._opening_name} ({w} × {h}): preview shown; painting waits "
            "until the full resolution is in…"
        )
        self.window.update_actions()

    def open_in_thread(
        self, load: Callable[[str], Any], path: str, show: Callable[[Any, str], None]
    ) -> None:
        """Run ``load(path)`` in a worker thread with Open disabled meanwhile, then
        ``show(result, display name)``; a failure is one line and the work stays."""
        name = display_text(Path(path).name)
        self._opening_name = name
        self.window.opening = True
        self.show_info(f"Opening {name}…")
        self.window.update_actions()

        def done(result: Any) -> None:
            self.window.opening = False
            show(result, name)

        def failed(message: str) -> None:
            self.window.opening = False
            self.canvas.show_opening_preview(None)
            self.show_error(message)
            self.window.update_actions()

        self.runner.in_thread(load, path, on_done=done, on_error=failed)

    def paste_image(self) -> None:
        """Open the clipboard's image (or the image file it names)."""
        data = QGuiApplication.clipboard().mimeData()
        if data is not None and data.hasImage():
            image = QGuiApplication.clipboard().image()
            if not image.isNull():
                pixels = from_qimage(image)
                self.window.session.ask_unsaved_then(
                    "opening the pasted image",
                    lambda: self.open_pixels(pixels, None, "Pasted image"),
                )
                return
        if data is not None and data.hasUrls():
            files = [u.toLocalFile() for u in data.urls() if u.isLocalFile()]
            if files:
                self.open_path(files[0])
                return
        self.show_error("The clipboard holds no image; copy an image first, then paste.")

    def open_dropped(self, data: QMimeData) -> bool:
        """Open a dropped file or image; False when the drop holds neither."""
        files = [u.toLocalFile() for u in data.urls() if u.isLocalFile()]
        if files:
            self.open_path(files[0])
            return True
        if data.hasImage():
            pixels = from_qimage(data.imageData())
            self.window.session.ask_unsaved_then(
                "opening the dropped image",
                lambda: self.open_pixels(pixels, None, "Dropped image"),
            )
            return True
        return False

    def open_pixels(self, pixels: np.ndarray, path: str | None, label: str) -> None:
        """Start editing ``pixels`` with an empty mask (a new source history); if the
        canvas cannot show them, the current image and mask stay and the user is told."""
        doc = self.doc
        image, mask, zoom = doc.image, doc.mask, self.canvas.zoom()
        try:
            doc.open_image(pixels, path, label)
        except Exception as error:
            log.exception("the canvas cannot show %s", label)
            self.canvas.show_opening_preview(None)
            if image is not None and mask is not None:
                doc.set_image(image, mask)
                self.canvas.set_zoom(zoom)
            h, w = pixels.shape[:2]
            self.show_error(
                f"Cannot show {label} ({w} × {h}): {type(error).__name__} in the canvas; "
                "your image and mask are unchanged. Try a less extreme size."
            )
            return
        self.window.session.source_changed()
        if path:  # a settings file written (2-15 ms): not on the UI thread
            self.runner.in_thread(
                prefs.add_recent_file,
                path,
                on_done=lambda _files: self.rebuild_recent_menu(),
                on_error=lambda message: log.warning("recent files not kept: %s", message),
            )
        h, w = pixels.shape[:2]
        hint = self.window.mask_ops.reuse_hint() or "Paint the area to change."
        self.show_info(f"Opened {label} ({w} × {h}). {hint}")
        self.window.show_image_size()
        # painting keys ([ ] B E X) act at once: a focused combo box would eat them
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def rebuild_recent_menu(self) -> None:
        menu = self.window.recent_menu
        menu.clear()
        for path in prefs.recent_files():
            action = menu.addAction(display_text(path))
            action.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        menu.setEnabled(bool(menu.actions()))
