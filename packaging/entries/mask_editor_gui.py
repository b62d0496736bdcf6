"""PyInstaller entry point of the window program (``mask-editor``)."""

import sys

from editor.app import main

if __name__ == "__main__":
    sys.exit(main())
