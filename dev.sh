#!/usr/bin/env bash
# Quick start for a fresh machine:
#   ./dev.sh run [IMAGE]   set up .venv and launch the editor (local engine, no key needed)
#   ./dev.sh test          set up .venv and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
PIP=(.venv/bin/python -m pip -q --disable-pip-version-check)
setup() {
    if [ ! -x .venv/bin/python ]; then
        "$PY" -m venv .venv
    fi
    "${PIP[@]}" install --upgrade pip
    "${PIP[@]}" install -e ".${1:-}"
}
cmd=${1:-run}
shift || true
case "$cmd" in
    run)
        setup
        exec .venv/bin/mask-editor "$@"
        ;;
    test)
        setup "[test,package]"
        # The packaging tests install the wheel into a fresh venv offline from this
        # wheelhouse, so no test talks to a package index.
        "${PIP[@]}" wheel -w .wheelhouse .
        rm -f .wheelhouse/mask_editor-*.whl
        export MASK_EDITOR_WHEELHOUSE="$PWD/.wheelhouse"
        .venv/bin/ruff check editor tests packaging
        .venv/bin/ruff format --check editor tests packaging
        .venv/bin/mypy editor/core editor/backends
        # the layers and the no-Qt / no-network / no-cycle rules ([tool.importlinter])
        .venv/bin/lint-imports
        QT_QPA_PLATFORM=offscreen exec .venv/bin/python -m pytest "$@"
        ;;
    *)
        echo "usage: ./dev.sh run [IMAGE] | ./dev.sh test [pytest args]" >&2
        exit 2
        ;;
esac
