#!/usr/bin/env bash
# Quick start for a fresh machine:
#   ./dev.sh run [IMAGE]   set up .venv and launch the editor (local engine, no key needed)
#   ./dev.sh test          set up .venv and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
setup() {
    if [ ! -x .venv/bin/python ]; then
        "$PY" -m venv .venv
    fi
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
}
cmd=${1:-run}
shift || true
case "$cmd" in
    run)
        setup
        exec .venv/bin/mask-editor "$@"
        ;;
    test)
        setup
        .venv/bin/ruff check editor tests packaging
        QT_QPA_PLATFORM=offscreen exec .venv/bin/python -m pytest "$@"
        ;;
    *)
        echo "usage: ./dev.sh run [IMAGE] | ./dev.sh test [pytest args]" >&2
        exit 2
        ;;
esac
