#!/usr/bin/env bash
# Installs the Python references (.ci/python-refs.txt: Python ops, ops-scenario and the
# charm libraries the tests compare with) into .venv-refs/ at the workspace root.
# Tests find the interpreter at .venv-refs/bin/python (or $OPS_PYTHON_REFS). Quick when
# everything is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null; then
  echo "python3 is not installed: the Python reference tests will skip (and fail under CI=true)" >&2
  exit 0
fi
if [ ! -x .venv-refs/bin/python ]; then
  python3 -m venv .venv-refs
fi
stamp=.venv-refs/.installed
if [ ! -f "$stamp" ] || ! cmp -s .ci/python-refs.txt "$stamp"; then
  .venv-refs/bin/python -m pip install --quiet --disable-pip-version-check -r .ci/python-refs.txt
  cp .ci/python-refs.txt "$stamp"
fi
echo "Python references: $(.venv-refs/bin/python -c 'import ops; print("ops", ops.__version__)')"
