"""PyInstaller entry point of the console program (``mask-editor-cli``)."""

import sys

from editor.cli import main

if __name__ == "__main__":
    sys.exit(main())
