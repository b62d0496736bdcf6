"""Grow / shrink / feather by N px: the dialog, a live preview on the canvas, and the
amount remembered per operation (scaled when the next photo is larger or smaller)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from editor.core.document import MASK_OPS
from editor.ui import prefs

if TYPE_CHECKING:
    from editor.ui.dialogs import MaskAmountDialog
    from editor.ui.window.mask_ops import MaskController

# a first amount for each operation, as a fraction of the photo's short edge:
# 0.5 % grows a 4000 px tall photo by 20 px, 1 % feathers it over 40 px
DEFAULT_FRACTION = {"grow": 0.005, "shrink": 0.005, "feather": 0.01}
MIN_MAXIMUM = 500  # the dialog's largest amount, at least (a quarter of the short edge above)


def _key(name: str) -> str:
    return f"mask_ops/{name}"


def remembered_amount(name: str, short_edge: int) -> int:
    """The amount to offer for ``name``: the last one used (stored with the short edge of
    its photo, scaled to this one), else the default fraction of the short edge."""
    stored = prefs.get_str(_key(name), "")
    px_text, _, edge_text = stored.partition("@")
    try:
        px, edge = int(px_text), int(edge_text)
    except ValueError:
        px, edge = 0, 0
    if px > 0 and edge > 0:
        return max(1, round(px * short_edge / edge))
    return max(1, round(short_edge * DEFAULT_FRACTION.get(name, 0.005)))


def remember_amount(name: str, px: int, short_edge: int) -> None:
    prefs.set_value(_key(name), f"{int(px)}@{int(short_edge)}")


def maximum_amount(short_edge: int) -> int:
    return max(MIN_MAXIMUM, short_edge // 4)


class AmountFlow:
    """One open grow/shrink/feather dialog: previews each amount on the canvas (worked out
    in a thread, the latest amount wins) and applies the previewed mask as one undo step."""

    def __init__(self, ctl: MaskController, name: str, dialog: MaskAmountDialog) -> None:
        assert ctl.doc.mask is not None
        self.ctl = ctl
        self.name = name
        self.dialog = dialog
        self.func = MASK_OPS[name][1]
        self.state = (ctl.doc.history.index, ctl.doc.generation)
        self.base = ctl.doc.mask.copy()  # what every preview starts from
        self.ready: tuple[int, np.ndarray] | None = None  # the last worked-out amount
        self.busy: int | None = None  # the amount being worked out
        self.wanted: int | None = None
        dialog.amount_changed.connect(self.request)
        dialog.finished.connect(self._finished)

    def unchanged(self) -> bool:
        doc = self.ctl.doc
        return (doc.history.index, doc.generation) == self.state

    def request(self, px: int) -> None:
        """Show the mask as it would be after the operation by ``px``."""
        if not self.dialog.previewing():
            self.ctl.canvas.show_mask_preview(None)
            self.dialog.set_state("")
            return
        if self.ready is not None and self.ready[0] == px:
            self._show(self.ready[1])
            return
        self.wanted = px
        if self.busy is None:
            self._start(px)

    def _start(self, px: int) -> None:
        self.busy = px
        self.dialog.set_state("Working out the preview…")
        self.ctl.runner.in_thread(
            self.func,
            self.base,
            px,
            on_done=lambda mask, px=px: self._done(px, mask),
            on_error=self._failed,
        )

    def _done(self, px: int, mask: np.ndarray) -> None:
        self.busy = None
        self.ready = (px, mask)
        if not self.dialog.isVisible():
            return
        if self.wanted is not None and self.wanted != px:
            self._start(self.wanted)
            return
        self._show(mask)

    def _failed(self, text: str) -> None:
        self.busy = None
        self.dialog.set_state("No preview")
        self.ctl.show_error(text)

    def _show(self, mask: np.ndarray) -> None:
        if self.dialog.previewing() and self.unchanged():
            self.ctl.canvas.show_mask_preview(mask)
            self.dialog.set_state("Preview shown")

    def _finished(self, result: int) -> None:
        self.ctl.canvas.show_mask_preview(None)
        self.ctl.amount_flow = None
        if not result:
            self.ctl.show_info(f"{MASK_OPS[self.name][0]}: cancelled.")
            return
        px = self.dialog.value()
        if self.ready is not None and self.ready[0] == px and self.unchanged():
            self.ctl.finish_op(self.name, px, self.ready[1])
        else:
            self.ctl.op(self.name, px)
