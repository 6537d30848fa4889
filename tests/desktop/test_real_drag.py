"""Drag and drop from another application, as a real drag: under Xvfb, with xdotool moving
the pointer from a drag source in another process onto the window."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(not (shutil.which("xvfb-run") and shutil.which("xdotool")), reason="needs xvfb-run and xdotool")
def test_a_file_dragged_from_another_application_searches_by_it(tmp_path: Path, indexed_template: Path,
                                                               tiny_model_dir: Path, gallery: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(indexed_template, data, ignore=shutil.ignore_patterns("photolens.lock"))
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    picture = gallery / "trip" / "blue_star.png"
    run = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", sys.executable, "-m", "tests.desktop.real_drag",
         str(data), str(tiny_model_dir), str(picture)],
        env=env, capture_output=True, text=True, timeout=180, cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "Like: blue_star.png" in run.stdout
