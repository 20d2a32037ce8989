#!/usr/bin/env bash
# `make bench`: creates bench/.venv (OpenCV 4.6 for the Python original, matplotlib, ONNX Runtime for the NanoTrack
# reference) when missing, then runs the bench. Arguments go to bench.py: --cases a,b to run
# some cases (bench/cases/), --quick for a short check of the harness.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "python3 cannot create a venv: install the Debian package python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
  python3 -m venv "$venv"
fi
# Install the requirements when they changed since the last install (requirements-no-deps.txt: without the
# dependencies those packages declare; see the file).
if ! cat "$here/requirements.txt" "$here/requirements-no-deps.txt" | cmp -s - "$venv/.installed-requirements.txt"; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$here/requirements-no-deps.txt"
  cat "$here/requirements.txt" "$here/requirements-no-deps.txt" > "$venv/.installed-requirements.txt"
fi
exec "$venv/bin/python" "$here/bench.py" "$@"
