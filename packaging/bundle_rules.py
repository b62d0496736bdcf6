"""What the PyInstaller bundle leaves out, and why (used by the generated .spec file).

The editor is a raster QtWidgets application: it needs QtCore/QtGui/QtWidgets/QtSvg,
the platform plugins of a desktop (xcb, wayland, windows, cocoa, offscreen), the image
plugins for photos (jpeg, tiff, webp, gif, ico, svg) and the svg icon engine. Network
traffic goes through httpx, so QtNetwork and its TLS/network-information plugins are
dead weight, as are the embedded-device platforms (eglfs, linuxfb, vnc), Qt's printing,
SQL, QML and virtual keyboard, and Qt's translations (the interface is English).

On Linux, Qt's GTK3 platform theme is left out too: it drags in a private copy of the
build machine's GTK stack (cairo, pango, gdk-pixbuf, gio), which is the usual source of
crashes when it meets the host's GTK. Qt falls back to its own dialogs, or to the XDG
desktop portal ones when ``QT_QPA_PLATFORMTHEME=xdgdesktopportal``.

``packaging/build.py`` checks every remaining shared library with ``ldd`` afterwards,
so a rule that removes something still needed fails the build instead of the user.
"""

from __future__ import annotations

from fnmatch import fnmatch

EXCLUDED_MODULES: list[str] = [
    # Qt bindings the editor never imports (qasync probes for other bindings too)
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtSvgWidgets",
    "PySide6.QtConcurrent",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PyQt5",
    "PyQt6",
    "PySide2",
    # Python modules for terminals, Tk and development only
    "tkinter",
    "_tkinter",
    "readline",
    "curses",
    "pydoc",
    "PIL.ImageTk",
    "PIL._imagingtk",
    "PIL.ImageQt",
    # AVIF: a 4.8 MB codec for a format the editor does not offer
    "PIL._avif",
    "PIL.AvifImagePlugin",
    # test-only packages that may be installed in the build environment
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "fashn",
    "openai",
    "IPython",
    "matplotlib",
    "PyInstaller",
]

# Patterns on the destination path inside the bundle ("/" separators, lower case).
_DROPPED_EVERYWHERE = [
    "pyside6/*translations/*",
    "*/plugins/designer/*",
    "*/plugins/egldeviceintegrations/*",
    "*/plugins/generic/*",
    "*/plugins/networkinformation/*",
    "*/plugins/printsupport/*",
    "*/plugins/qmltooling/*",
    "*/plugins/sqldrivers/*",
    "*/plugins/tls/*",
    "*/plugins/vectorimageformats/*",
    "*/plugins/platforminputcontexts/*virtualkeyboard*",
    "*/plugins/imageformats/*qpdf*",
    "*/plugins/imageformats/*qtga*",
    "*/plugins/imageformats/*qwbmp*",
]

_DROPPED_ON = {
    "linux": [
        "*/plugins/platforms/libqeglfs.so",
        "*/plugins/platforms/libqlinuxfb.so",
        "*/plugins/platforms/libqminimalegl.so",
        "*/plugins/platforms/libqvnc.so",
        "*/plugins/platforms/libqvkkhrdisplay.so",
        "*/plugins/platformthemes/libqgtk3.so",
        "*/plugins/imageformats/libqicns.so",
        "*/plugins/wayland-graphics-integration-server/*",
        "*/plugins/wayland-graphics-integration-client/libdmabuf-server.so",
        "*/plugins/wayland-graphics-integration-client/libdrm-egl-server.so",
        "*/plugins/wayland-graphics-integration-client/libshm-emulation-server.so",
        "*/plugins/wayland-graphics-integration-client/libvulkan-server.so",
        "*/plugins/wayland-shell-integration/libwl-shell-plugin.so",
        "*/plugins/wayland-shell-integration/libivi-shell.so",
        "*/plugins/wayland-shell-integration/libfullscreen-shell-v1.so",
        # Qt libraries only the dropped plugins and modules link to
        "*libqt6eglfsdeviceintegration.so*",
        "*libqt6eglfskmssupport.so*",
        "*libqt6eglfskmsgbmsupport.so*",
        "*libqt6network.so*",
        "*libqt6wlshellintegration.so*",
        "*libqt6pdf.so*",
        "*libqt6qml*.so*",
        "*libqt6quick*.so*",
        "*libqt6virtualkeyboard*.so*",
        # the GTK stack of the GTK3 theme and gio of the network-information plugin
        "libatk-1.0.so*",
        "libcairo*.so*",
        "libgdk_pixbuf-2.0.so*",
        "libgdk-3.so*",
        "libgtk-3.so*",
        "libpango*.so*",
        "libharfbuzz.so*",
        "libgraphite2.so*",
        "libthai.so*",
        "libdatrie.so*",
        "libfribidi.so*",
        "libpixman-1.so*",
        "libxext.so*",
        "libxrender.so*",
        "libjpeg.so*",
        "libgio-2.0.so*",
        "libgobject-2.0.so*",
        "libgmodule-2.0.so*",
        "libmount.so*",
        "libblkid.so*",
        "libselinux.so*",
        # Kerberos, used only by QtNetwork
        "libgssapi_krb5.so*",
        "libkrb5*.so*",
        "libk5crypto.so*",
        "libcom_err.so*",
        "libkeyutils.so*",
        # terminal line editing for the Python REPL
        "libreadline.so*",
        "libtinfo.so*",
    ],
    "win32": [
        "*/plugins/platforms/qdirect2d.dll",
        "*/plugins/platforms/qminimal.dll",
        "*/plugins/imageformats/qicns.dll",
        "*qt6network.dll",
        "*qt6pdf.dll",
        "*qt6qml*.dll",
        "*qt6quick*.dll",
        "*qt6virtualkeyboard*.dll",
        "*opengl32sw.dll",  # 20 MB software OpenGL; the editor paints with the raster engine
    ],
    "darwin": [
        "*/plugins/platforms/libqminimal.dylib",
        "*/lib/qtnetwork.framework/*",
        "*/lib/qtpdf.framework/*",
        "*/lib/qtqml*.framework/*",
        "*/lib/qtquick*.framework/*",
        "*/lib/qtvirtualkeyboard*.framework/*",
    ],
}


def _platform_key(platform: str) -> str:
    return "linux" if platform.startswith("linux") else platform


def is_dropped(dest: str, platform: str) -> bool:
    """True when the file at ``dest`` (path inside the bundle) is not needed."""
    name = dest.replace("\\", "/").lower()
    patterns = _DROPPED_EVERYWHERE + _DROPPED_ON.get(_platform_key(platform), [])
    return any(fnmatch(name, pattern) for pattern in patterns)


def keep_entries(entries, platform: str):
    """Filter a PyInstaller TOC (list of ``(dest, src, typecode)``) with the rules above."""
    return [entry for entry in entries if not is_dropped(entry[0], platform)]
