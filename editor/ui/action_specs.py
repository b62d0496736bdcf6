"""Every action of the main window declared once: menu text, shortcuts, the controller
method it calls, tooltip, the state that enables it, icon, menu. ``ui/actions.py`` turns
these into QActions; ``ui/menus.py`` and the F1 sheet read them too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtGui import QKeySequence

Std = QKeySequence.StandardKey
# when an action is enabled: a name of a WindowState flag, or "always"
When = Literal[
    "always", "idle", "image", "variant", "results", "running", "back", "forward", "reuse_mask"
]


@dataclass(frozen=True)
class ActionSpec:
    """One action: menu text, shortcuts, handler ("controller.method[:argument]"),
    tooltip, the state that enables it, its icon, and whether it is a toggle."""

    text: str
    keys: list[str | QKeySequence.StandardKey]
    handler: str
    tip: str = ""
    when: When = "always"
    icon: str = ""
    checkable: bool = False
    menu: str = ""  # menu title (e.g. "&Edit") for actions ui/menus.MENUS does not place


@dataclass(frozen=True)
class WindowState:
    """What decides which actions are enabled (computed by the window)."""

    idle: bool  # not opening a file
    image: bool
    variant: bool  # a result variant is selected
    results: bool  # some job has results
    running: bool  # a job runs
    back: bool  # an earlier source exists
    forward: bool
    tool: str  # the canvas tool (brush, eraser, lasso): its action is checked
    reuse_mask: bool = False  # the last photo's mask has the shown photo's size


# Every action once: its text, shortcuts, the controller method it calls ("mask_ops.op:invert"
# calls window.mask.op("invert")), its tooltip, when it is enabled (a WindowState flag),
# and its icon. A new tool is one spec here plus the method it names.
SPECS: dict[str, ActionSpec] = {
    "open": ActionSpec(
        "&Open…", [Std.Open], "opener.open_dialog", "Open a photo", when="idle", icon="open"
    ),
    "open_session": ActionSpec(
        "Open &session…",
        ["Ctrl+Alt+O"],
        "session.open_session_dialog",
        "Open a session",
        when="idle",
        icon="open",
    ),
    "save_session": ActionSpec(
        "Sa&ve session…",
        ["Ctrl+Shift+S"],
        "session.save_session_dialog",
        "Save photo, mask, prompt and results in one file",
        when="image",
        icon="export",
    ),
    "paste": ActionSpec(
        "&Paste image",
        [Std.Paste],
        "opener.paste_image",
        "Open the image on the clipboard",
        when="idle",
        icon="open",
    ),
    "export_variant": ActionSpec(
        "&Export selected variant…",
        ["Ctrl+E"],
        "variants.export_selected",
        "",
        when="variant",
        icon="export",
    ),
    "export_all": ActionSpec(
        "Export &all variants…",
        ["Ctrl+Shift+E"],
        "variants.export_all_variants",
        "",
        when="results",
        icon="export",
    ),
    "export_before_after": ActionSpec(
        "Export before/after…",
        [],
        "variants.export_before_after",
        "",
        when="variant",
        icon="compare",
    ),
    "batch": ActionSpec(
        "&Batch…",
        ["Ctrl+Alt+B"],
        "batch.open_batch",
        "Apply this mask, prompt and settings to a folder or set of photos",
        when="image",
        icon="run",
        menu="&File",
    ),
    "load_mask": ActionSpec(
        "&Load mask…",
        ["Ctrl+Shift+O"],
        "mask_ops.load_mask_dialog",
        "",
        when="image",
        icon="load-mask",
    ),
    "reuse_mask": ActionSpec(
        "Reuse &last mask",
        ["Ctrl+Shift+M"],
        "mask_ops.reuse_last_mask",
        "Use the previous photo's mask on this photo of the same size",
        when="reuse_mask",
        menu="&Edit",
    ),
    "save_mask": ActionSpec(
        "&Save mask…",
        [Std.Save],
        "mask_ops.save_mask_dialog",
        "Save the mask as a PNG",
        when="image",
        icon="save-mask",
    ),
    "settings": ActionSpec(
        "Se&ttings…",
        ["Ctrl+,"],
        "support.open_settings",
        "Keys, base URLs, overlay",
        icon="settings",
    ),
    "quit": ActionSpec("&Quit", [Std.Quit], "close"),
    "brush": ActionSpec(
        "&Brush",
        ["B"],
        "mask_ops.tool_brush",
        "Paint the area to edit",
        when="image",
        icon="brush",
        checkable=True,
    ),
    "eraser": ActionSpec(
        "&Eraser",
        ["E"],
        "mask_ops.tool_eraser",
        "Erase from the mask",
        when="image",
        icon="eraser",
        checkable=True,
    ),
    "swap": ActionSpec(
        "Swap brush/eraser", ["X"], "mask_ops.tool_swap", "", when="image", icon="swap"
    ),
    "lasso": ActionSpec(
        "&Lasso",
        ["L"],
        "mask_ops.tool_lasso",
        "Lasso fills (Alt subtracts)",
        when="image",
        icon="lasso",
        checkable=True,
    ),
    # selection tools (window controller ``selection``: ui/window/selection.py)
    "wand": ActionSpec(
        "Magic &wand",
        ["W"],
        "selection.tool_wand",
        tip="Click selects similar colour",
        when="image",
        icon="wand",
        checkable=True,
        menu="&Tools",
    ),
    "object_box": ActionSpec(
        "&Object from a box",
        ["G"],
        "selection.tool_box",
        tip="Drag a box around an object",
        when="image",
        icon="object-box",
        checkable=True,
        menu="&Tools",
    ),
    "colour_range": ActionSpec(
        "Colour &range…",
        ["Shift+W"],
        "selection.colour_range_dialog",
        tip="Select a colour everywhere, with a live preview",
        when="image",
        icon="colour-range",
        menu="&Tools",
    ),
    "mask_from_difference": ActionSpec(
        "&Mask from the variant's changes outside the mask",
        ["Ctrl+Shift+D"],
        "selection.mask_from_difference",
        tip="The selected variant's leak (its changes outside the mask) becomes the mask",
        when="variant",
        icon="difference",
        menu="&Job",
    ),
    "bigger": ActionSpec("Bigger brush", ["]"], "canvas.grow_brush", "", when="image"),
    "smaller": ActionSpec("Smaller brush", ["["], "canvas.shrink_brush", "", when="image"),
    "harder": ActionSpec("Harder brush", ["Shift+]", "}"], "canvas.harder", "", when="image"),
    "softer": ActionSpec("Softer brush", ["Shift+[", "{"], "canvas.softer", "", when="image"),
    "brush_size": ActionSpec(
        "Brush si&ze…",
        ["Shift+B"],
        "mask_ops.brush_size_dialog",
        "Type the brush size (or Alt+right drag on the canvas)",
        when="image",
        menu="&Tools",
    ),
    "pressure": ActionSpec(
        "Pen pressure sets size", [], "mask_ops.toggle_pressure", "", when="image", checkable=True
    ),
    "invert": ActionSpec(
        "&Invert mask", ["Ctrl+I"], "mask_ops.op:invert", "", when="image", icon="invert"
    ),
    "clear": ActionSpec(
        "&Clear mask", ["Ctrl+Shift+X"], "mask_ops.op:clear", "", when="image", icon="clear"
    ),
    "fill": ActionSpec(
        "&Fill all", ["Ctrl+Shift+A"], "mask_ops.op:fill", "", when="image", icon="fill"
    ),
    "grow": ActionSpec(
        "&Grow mask…", ["Ctrl+Shift+G"], "mask_ops.op:grow", "", when="image", icon="grow"
    ),
    "shrink": ActionSpec(
        "S&hrink mask…", ["Ctrl+Shift+H"], "mask_ops.op:shrink", "", when="image", icon="shrink"
    ),
    "feather": ActionSpec(
        "Fea&ther mask…", ["Shift+F6"], "mask_ops.op:feather", "", when="image", icon="feather"
    ),
    "zoom_in": ActionSpec(
        "Zoom &in", ["Ctrl++", "Ctrl+="], "canvas.zoom_in", "", when="image", icon="zoom-in"
    ),
    "zoom_out": ActionSpec(
        "Zoom &out", ["Ctrl+-"], "canvas.zoom_out", "", when="image", icon="zoom-out"
    ),
    "zoom_fit": ActionSpec(
        "&Fit to window", ["Ctrl+0"], "canvas.zoom_fit", "", when="image", icon="zoom-fit"
    ),
    "zoom_100": ActionSpec(
        "&Actual pixels (100%)",
        ["Ctrl+1"],
        "canvas.zoom_100_at_pointer",
        "100 % around the pointer",
        when="image",
        icon="zoom-100",
    ),
    "overlay_cycle": ActionSpec(
        "Cycle overlay (overlay/mask/hidden)",
        ["O", "\\"],
        "canvas.cycle_overlay_mode",
        "",
        when="image",
        icon="overlay",
    ),
    "overlay_color": ActionSpec("Overlay &colour…", [], "mask_ops.overlay_color_dialog"),
    "overlay_opacity": ActionSpec("Overlay o&pacity…", [], "mask_ops.overlay_opacity_dialog"),
    "run": ActionSpec(
        "&Run",
        ["Ctrl+Return", "Ctrl+Enter"],
        "run.run_job",
        "Send the image, mask and settings",
        when="image",
        icon="run",
    ),
    "cancel": ActionSpec(
        "&Cancel all jobs",
        [],
        "run.cancel_all",
        "Stop waiting for every running job",
        when="running",
        icon="cancel",
    ),
    "compare": ActionSpec(
        "&Compare with original",
        ["C"],
        "variants.compare_selected",
        "",
        when="variant",
        icon="compare",
    ),
    "use_source": ActionSpec(
        "&Use as new source",
        ["Ctrl+U"],
        "variants.use_as_source",
        "Continue from the variant",
        when="variant",
        icon="use-as-source",
    ),
    "source_back": ActionSpec(
        "&Previous source",
        ["Alt+Left"],
        "variants.source_back",
        "Back to the earlier source",
        when="back",
    ),
    "source_forward": ActionSpec(
        "&Next source", ["Alt+Right"], "variants.source_forward", "", when="forward"
    ),
    **{
        f"variant_{n}": ActionSpec(
            f"Show variant {n} large",
            [str(n)],
            f"variants.show_variant_key:{n}",
            "See the variant on the canvas, at full size",
            when="results",
            menu="&View",
        )
        for n in range(1, 5)
    },
    "variant_next": ActionSpec(
        "Next variant", ["V"], "variants.cycle:1", "", when="results", menu="&View"
    ),
    "variant_previous": ActionSpec(
        "Previous variant", ["Shift+V"], "variants.cycle:-1", "", when="results", menu="&View"
    ),
    "show_original": ActionSpec(
        "Show the photo again", ["0"], "variants.show_original", "", when="results", menu="&View"
    ),
    # the resolution advisor's suggestion (ui/advisor_row.py: the line under the estimate)
    "advisor_apply": ActionSpec(
        "Keep full &detail (resolution advisor)",
        ["Ctrl+Alt+D"],
        "advisor.apply_suggestion",
        tip="Choose the cheapest resolution / Focus that keeps the masked region's detail",
        when="image",
        icon="zoom-100",
        menu="&Job",
    ),
    # combine variants with a pick brush (window controller ``combine``: ui/window/combine.py)
    "combine": ActionSpec(
        "Com&bine variants",
        ["K"],
        "combine.toggle",
        tip="Paint which variant (or the original) shows where; 0-4 pick, Esc leaves",
        when="results",
        icon="compare",
        checkable=True,
        menu="&Job",
    ),
    "export_composite": ActionSpec(
        "Export co&mposite…",
        [],
        "combine.export_composite",
        tip="Save the combined variants as a PNG at the photo's size",
        when="results",
        icon="export",
        menu="&File",
    ),
    "diagnostics": ActionSpec(
        "Copy &diagnostics", [], "support.copy_diagnostics", "Versions, settings, errors"
    ),
    "shortcuts": ActionSpec(
        "&Keyboard shortcuts", [Std.HelpContents, "F1"], "support.show_shortcuts", "", icon="help"
    ),
}
HISTORY_ICONS = {"undo": "undo", "redo": "redo"}
TOOL_OF = {"object_box": "box"}  # a tool action's canvas tool when the names differ
# action name -> icon name in resources/icons (editor.resources.icon)
ICONS = {name: spec.icon for name, spec in SPECS.items() if spec.icon} | HISTORY_ICONS
