#!/usr/bin/env bash
# Build the one-folder app with PyInstaller (runtime only, no torch) and smoke-test it:
# start the GUI offscreen, index a small folder with the oracle model, search, exit 0.
# Usage: packaging/build.sh [OUT_DIR]     (default: build/pyinstaller)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/build/pyinstaller}"
VENV="$OUT/venv"
mkdir -p "$OUT"
python3 -m venv "$VENV"
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
python -m pip install -q "$ROOT" pyinstaller
pyinstaller --noconfirm --clean --distpath "$OUT/dist" --workpath "$OUT/work" "$ROOT/packaging/photolens.spec"
deactivate

APP="$OUT/dist/photolens/photolens"
echo "built $APP ($(du -sh "$OUT/dist/photolens" | cut -f1))"
PYTHON="$VENV/bin/python" "$ROOT/packaging/smoke_test.sh" "$APP"
