"""Desktop integration on Linux: a menu entry, icon and AppStream metainfo in the user's dirs."""

from __future__ import annotations

import logging
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import platformdirs

from .errors import PhotolensError

log = logging.getLogger(__name__)

APP_ID = "io.github.photolens.Photolens"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # resources/icons/png/photolens-SIZE.png


@dataclass(frozen=True)
class InstalledEntry:
    desktop_file: Path
    icon: Path
    metainfo: Path


def _resource(name: str) -> bytes:
    return resources.files("photolens.resources").joinpath(name).read_bytes()


def _data_home() -> Path:
    """$XDG_DATA_HOME, else ~/.local/share (platformdirs knows the rules)."""
    return platformdirs.user_data_path()


def gui_command() -> str:
    """The absolute path of photolens-gui next to this Python (works from a venv)."""
    here = Path(sys.executable).parent
    for name in ("photolens-gui", "photolens-gui.exe"):
        if (here / name).exists():
            return str(here / name)
    found = shutil.which("photolens-gui")
    if found:
        return found
    return f"{sys.executable} -m photolens.desktop.launcher"


def install_desktop_entry(data_home: Path | None = None) -> InstalledEntry:
    """Put the .desktop file (Exec pointing at this installation), icon and metainfo in place."""
    if sys.platform != "linux":
        raise PhotolensError("install-desktop-entry is for Linux desktops; see packaging/README.md for others")
    base = data_home or _data_home()
    apps = base / "applications"
    icons = base / "icons" / "hicolor" / "scalable" / "apps"
    meta = base / "metainfo"
    for d in (apps, icons, meta):
        d.mkdir(parents=True, exist_ok=True)
    text = _resource(f"{APP_ID}.desktop").decode("utf-8")
    exec_line = gui_command()
    if " " in exec_line and not exec_line.startswith(sys.executable):
        exec_line = f'"{exec_line}"'
    text = "\n".join(f"Exec={exec_line}" if line.startswith("Exec=") else line for line in text.splitlines()) + "\n"
    desktop = apps / f"{APP_ID}.desktop"
    desktop.write_text(text, encoding="utf-8")
    icon = icons / f"{APP_ID}.svg"
    icon.write_bytes(_resource("icons/photolens.svg"))
    for size in PNG_SIZES:  # menus and docks that do not draw SVG
        png_dir = base / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        png_dir.mkdir(parents=True, exist_ok=True)
        (png_dir / f"{APP_ID}.png").write_bytes(_resource(f"icons/png/photolens-{size}.png"))
    metainfo = meta / f"{APP_ID}.metainfo.xml"
    metainfo.write_bytes(_resource(f"{APP_ID}.metainfo.xml"))
    log.info("installed %s", desktop)
    return InstalledEntry(desktop, icon, metainfo)


def uninstall_desktop_entry(data_home: Path | None = None) -> list[Path]:
    base = data_home or _data_home()
    removed = []
    for p in (
        base / "applications" / f"{APP_ID}.desktop",
        base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
        base / "metainfo" / f"{APP_ID}.metainfo.xml",
        *(base / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in PNG_SIZES),
    ):
        if p.exists():
            p.unlink()
            removed.append(p)
    return removed
