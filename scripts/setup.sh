#!/usr/bin/env bash
# Idempotent project setup: makes .venv from uv.lock with the project installed
# editable, plus the `test` extra (pytest, playwright, ruff).
# Needs only python3 (>= 3.11) and pip; installs uv from PyPI when it is missing.
# Quiet on success; errors are shown.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Use this machine's python3 and never let uv download a CPython of its own.
PY="$(command -v python3)" || { echo "setup.sh: python3 not found" >&2; exit 1; }
UV_PYTHON="$("$PY" -c 'import sys; print(sys.executable)')"
export UV_PYTHON UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

if command -v uv >/dev/null 2>&1; then
    uv=(uv)
elif "$PY" -m uv --version >/dev/null 2>&1; then
    uv=("$PY" -m uv)
else
    pip_log="$(mktemp)"
    if ! "$PY" -m pip install --quiet --disable-pip-version-check uv >"$pip_log" 2>&1 \
        && ! "$PY" -m pip install --quiet --disable-pip-version-check --break-system-packages \
            uv >>"$pip_log" 2>&1; then
        cat "$pip_log" >&2
        echo "setup.sh: could not install uv with pip" >&2
        exit 1
    fi
    rm -f "$pip_log"
    uv=("$PY" -m uv)
fi

# --locked: install exactly uv.lock, and fail loudly if pyproject.toml changed without
# `uv lock` being re-run (so an added dependency can't be silently missing).
"${uv[@]}" sync --quiet --locked --extra test --compile-bytecode

# The compiled gettext catalogues (.mo, not in git) from lib/figures/locale/*/LC_MESSAGES/*.po
.venv/bin/python -m lib.figures.catalog compile >/dev/null
