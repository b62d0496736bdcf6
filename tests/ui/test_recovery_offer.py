"""Which killed runs are offered for restore: not a photo alone, yes with work in it."""

from __future__ import annotations

import pytest
from window_helpers import close_window, crash, new_window


def _restart(qtbot):  # type: ignore[no-untyped-def]
    win = new_window(qtbot)
    win.recovery.recovery_answer = "restore"  # what a click on Restore would do, if it were offered
    done: list[bool] = []
    win.recovery.offer_recovery(then=lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)
    restored = "Restored your work" in win.message_label.text()
    has_recovery = win.session.autosaver.has_recovery()
    close_window(qtbot, win)
    return restored, has_recovery


def test_a_killed_run_with_only_the_photo_is_not_offered(qtbot, qloop, ui) -> None:  # type: ignore[no-untyped-def]
    first = new_window(qtbot, show=False)
    ui.open(first, ui.photo_file())
    first.controls.variants_spin.setValue(3)  # settings alone are not worth a question
    qtbot.wait(600)
    crash(first)
    first.close()
    restored, left = _restart(qtbot)
    assert not restored and not left  # discarded quietly


@pytest.mark.parametrize("what", ["prompt", "mask", "pasted"])
def test_a_killed_run_with_work_in_it_is_offered(qtbot, qloop, ui, what: str) -> None:  # type: ignore[no-untyped-def]
    first = new_window(qtbot, show=False)
    if what == "pasted":  # no file to open again
        first.opener.open_pixels(ui.photo(), None, "Pasted image")
    else:
        ui.open(first, ui.photo_file())
    if what == "prompt":
        first.controls.prompt_edit.setPlainText("a red scarf")
    if what == "mask":
        ui.paint(first, 10, 20, 10, 20)
    qtbot.wait(600)
    crash(first)
    first.close()
    restored, _left = _restart(qtbot)
    assert restored


# -- 4. the compare view has a Close button -------------------------------------------------
