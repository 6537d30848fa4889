"""A one-shot text search from the shell loads only what a text search needs: every heavy
package left out is start-up time saved (issue 20: `photolens search` <= 0.5 s)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from photolens.core.library import Library

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"

# what a text search must not import: faces (dlib), video (av), places (scipy via
# reverse_geocode), text in pictures (rapidocr, cv2), folder watching, the GUI, the hub
# client, torch, and pandas (sqlite-utils would import it: core/sqlite_lib.py)
NOT_NEEDED = ("dlib", "face_recognition_models", "av", "scipy", "reverse_geocode", "rapidocr", "cv2", "watchdog",
              "PySide6", "huggingface_hub", "torch", "open_clip", "pandas", "pyarrow", "ray")


def test_a_text_search_from_the_cli_imports_no_heavy_package_it_does_not_need(tmp_path: Path, photo_dir: Path) -> None:
    data = tmp_path / "data"
    with Library.open(data, model_path=ORACLE, models_dir=tmp_path / "models") as lib:
        lib.save_settings(lib.settings.with_changes(model_path=str(ORACLE)))
        lib.add_folder(photo_dir)
        lib.index()
    code = (
        "import json, sys\n"
        "from photolens.core.cli import main\n"
        f"code = main(['--data-dir', {str(data)!r}, 'search', 'a red circle', '--json'])\n"
        f"print(json.dumps([code, sorted(m for m in {list(NOT_NEEDED)!r} if m in sys.modules)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "PHOTOLENS_MODELS_DIR": str(tmp_path / "models")})
    assert out.returncode == 0, out.stderr
    first, last = out.stdout.splitlines()[0], out.stdout.splitlines()[-1]
    assert json.loads(first), "the search found nothing"
    code, loaded = json.loads(last)
    assert code == 0 and loaded == []


def test_the_cli_parser_loads_no_engine() -> None:
    """`photolens --help` (0.5 s when the places command imported the library, 0.1 s without)."""
    code = ("import sys; from photolens.core import cli; cli.build_parser();"
            "print(sorted(m for m in ('numpy', 'onnxruntime', 'usearch', 'sqlite_utils', 'photolens.core.library')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
