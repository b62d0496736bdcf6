"""The resolution advisor's line under the credit estimate, in the real window: it
follows the mask, the engine, the resolution and Focus, and its link applies the
cheapest settings keeping the source's detail."""

from __future__ import annotations

import re

import numpy as np


def advisor(window):  # type: ignore[no-untyped-def]
    return window.controls.footer.findChild(type(window.controls.estimate_label), "advisor")


def wait_text(qtbot, row, pattern: str) -> str:  # type: ignore[no-untyped-def]
    def shown() -> bool:
        return row.isVisible() and re.search(pattern, row.text()) is not None

    qtbot.waitUntil(shown, timeout=10_000)
    return row.text()


def test_the_advisor_line_follows_mask_and_settings_and_its_link_applies(window, qtbot, ui) -> None:  # type: ignore[no-untyped-def]
    c = window.controls
    c.set_backend("fashn")
    c.resolution_box.setCurrentIndex(c.resolution_box.findData("1k"))
    c.focus_check.setChecked(False)
    ui.open(window, ui.photo_file("big.png", h=3000, w=4000))
    row = advisor(window)
    layout = c.footer.layout()
    assert layout.indexOf(row) == layout.indexOf(c.estimate_label) + 1  # under the estimate
    qtbot.wait(400)
    assert not row.isVisible()  # no mask: nothing to say
    ui.paint(window, 1000, 1200, 1000, 1200)  # a 200 x 200 region of a 12 MP photo
    # 1k gives ~1 MP for 12 MP: 0.09x; Focus sends the region (+ margin) and keeps it all
    text = wait_text(qtbot, row, r"0\.09x of source detail at 1k")
    assert "Focus keeps 1.0x" in text and "href='advice:1k:1'" in text
    assert re.search(r"\(\d+\u00a0credits?\)", text)
    row.linkActivated.emit("advice:1k:1")  # what a click on the link sends
    assert c.focus_check.isChecked()
    wait_text(qtbot, row, r"1\.0x of source detail with Focus at 1k · full detail")
    # a bigger mask: Focus at 1k no longer keeps it all, 2k or 4k does
    mask = np.array(window.canvas.mask(), copy=True)
    mask[200:2800, 200:3800] = 255
    window.canvas.apply_mask(mask, "bigger")
    text = wait_text(qtbot, row, r"Masked region: 0\.09x of source detail with Focus at 1k · ")
    assert "Focus at 4k keeps 1.0x" in text and "href='advice:4k:1'" in text
    row.linkActivated.emit("advice:4k:1")
    assert c.resolution_box.currentData() == "4k" and c.focus_check.isChecked()
    wait_text(qtbot, row, r"1\.0x of source detail with Focus at 4k · full detail")
    # the resolution follows too
    c.focus_check.setChecked(False)
    c.resolution_box.setCurrentIndex(c.resolution_box.findData("4k"))
    wait_text(qtbot, row, r"1\.0x of source detail at 4k · full detail")
    # the offline engine always keeps the source's pixels: nothing to advise
    c.set_backend("local")
    qtbot.waitUntil(lambda: not row.isVisible(), timeout=5_000)
    c.set_backend("fashn")
    wait_text(qtbot, row, "at 4k")
    window.canvas.apply_mask(np.zeros_like(mask), "clear")  # no mask: hidden
    qtbot.waitUntil(lambda: not row.isVisible(), timeout=5_000)
    assert window.advisor.seconds > 0  # the box was found off the UI thread
