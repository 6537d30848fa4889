"""Desktop integration files validate; the menu entry installs; doctor reports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from photolens.core.integration import APP_ID, install_desktop_entry, uninstall_desktop_entry

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def test_desktop_file_validates() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate not installed (apt install desktop-file-utils)")
    out = subprocess.run([tool, str(RESOURCES / f"{APP_ID}.desktop")], capture_output=True, text=True)
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout + out.stderr


def test_metainfo_validates() -> None:
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli not installed")
    out = subprocess.run([tool, "validate", "--no-net", str(RESOURCES / f"{APP_ID}.metainfo.xml")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="freedesktop menus are Linux")
def test_install_desktop_entry_points_at_this_installation(tmp_path: Path) -> None:
    entry = install_desktop_entry(tmp_path)
    text = entry.desktop_file.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert "photolens" in exec_line
    assert entry.icon.read_text().lstrip().startswith(("<svg", "<?xml"))
    assert entry.metainfo.exists()
    png = tmp_path / "icons" / "hicolor" / "48x48" / "apps" / "io.github.photolens.Photolens.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    removed = uninstall_desktop_entry(tmp_path)
    assert len(removed) == 3 + 8 and not entry.desktop_file.exists() and not png.exists()


def test_doctor_reports_each_check(tmp_path: Path, tiny_model_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "settings.toml").write_text(f'model_path = "{tiny_model_dir}"\n')
    out = subprocess.run([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), "doctor", "--json"],
                         capture_output=True, text=True, timeout=120)
    checks = {c["name"]: c for c in json.loads(out.stdout)}
    assert {"python", "qt", "onnxruntime", "gpu", "model", "data dir", "watch limit", "faces",
            "text in pictures"} <= checks.keys()
    assert checks["text in pictures"]["status"] == "ok"
    assert checks["model"]["status"] == "ok" and checks["python"]["status"] == "ok"
    assert all(c["fix"] for c in checks.values() if c["status"] != "ok")
