"""Qt widgets: the window, canvas, controls, results, compare view and dialogs."""
