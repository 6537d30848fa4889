"""Can Qt open a window here? Asked of a child process before the GUI starts.

Qt aborts the whole process when its platform plugin cannot load, with a message that
often names the wrong library. So the launcher and `photolens doctor` start Qt in a
child first; when it fails, the plugin's shared libraries are listed with `ldd` and the
missing ones are named with the packages that provide them. This module never imports
Qt itself (core stays free of Qt).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PROBE_ENV = "PHOTOLENS_QT_PROBE"  # set in the child: the launcher only starts Qt and exits
PROBE_CODE = (
    "import sys\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication(sys.argv[:1] or ['photolens'])\n"
    "print('platform=' + app.platformName())\n"
)

# soname -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_CANNOT_OPEN = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


@dataclass(frozen=True)
class GuiCheck:
    ok: bool
    message: str  # one line for the user: what is wrong and what to do
    platform: str = ""
    missing: tuple[str, ...] = field(default=())


def wanted_platform(env: dict[str, str] | None = None) -> str:
    """The platform plugin Qt will try first, as Qt decides it on Linux."""
    env = dict(os.environ) if env is None else env
    explicit = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if explicit:
        return explicit
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    return "xcb"


def no_display(env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    if sys.platform != "linux" or env.get("QT_QPA_PLATFORM"):
        return False
    return not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def plugin_file(platform: str, env: dict[str, str] | None = None) -> Path | None:
    """The platform plugin's shared library that Qt would load."""
    env = dict(os.environ) if env is None else env
    dirs = [Path(d) for d in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if d]
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms")
    for d in dirs:
        candidate = d / f"libq{platform}.so"
        if candidate.is_file():
            return candidate
    return None


def missing_libraries(binary: Path) -> list[str]:
    """Shared libraries `binary` needs, directly or not, that the loader cannot find."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(binary)], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("ldd %s failed: %s", binary, exc)
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(out.stdout)))


def describe_missing(sonames: list[str]) -> str:
    """'libxcb-icccm.so.4 (Debian/Ubuntu: libxcb-icccm4, Fedora: xcb-util-wm)' and the commands."""
    named = [s for s in sonames if s in PACKAGES]
    parts = [f"{s} (Debian/Ubuntu: {PACKAGES[s][0]}, Fedora: {PACKAGES[s][1]})" if s in PACKAGES else s
             for s in sonames]
    text = ", ".join(parts)
    if named:
        debian = " ".join(dict.fromkeys(PACKAGES[s][0] for s in named))
        fedora = " ".join(dict.fromkeys(PACKAGES[s][1] for s in named))
        text += f". Install them: sudo apt install {debian}   or: sudo dnf install {fedora}"
    return text


def probe_command() -> list[str]:
    """The child that starts Qt: the frozen app itself, or this Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-c", PROBE_CODE]


def check_gui(timeout: float = 60.0, meanwhile: Callable[[], object] | None = None) -> GuiCheck:
    """Start Qt's platform plugin in a child process and explain any failure in one line.

    meanwhile: work to do while the child runs (the launcher imports the app: the check
    then costs no wall time of its own on a machine with two cores or more). It runs in any
    case, once; what it raises is raised after the child is gone."""
    if no_display():
        if meanwhile is not None:
            meanwhile()
        return GuiCheck(False, "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set). Run Photolens "
                               "from a desktop session, or use the command line: `photolens --help`.")
    platform = wanted_platform()
    env = {**os.environ, PROBE_ENV: "1"}
    started_at = time.monotonic()
    try:
        child = subprocess.Popen(probe_command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    except OSError as exc:
        if meanwhile is not None:
            meanwhile()
        return GuiCheck(False, f"cannot start a check of Qt: {exc}", platform)
    try:
        if meanwhile is not None:
            meanwhile()
        stdout, stderr = child.communicate(timeout=max(0.1, timeout - (time.monotonic() - started_at)))
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return GuiCheck(False, f"Qt did not start its '{platform}' platform within {timeout:.0f} s "
                               "(is the display responding?)", platform)
    finally:
        if child.poll() is None:  # `meanwhile` raised
            child.kill()
            child.communicate()
    if child.returncode == 0:
        shown = stdout.strip().rpartition("platform=")[2] or platform
        return GuiCheck(True, f"Qt opens windows with the '{shown}' platform", shown)
    return _explain_failure(platform, stderr)


def _explain_failure(platform: str, stderr: str) -> GuiCheck:
    missing = list(dict.fromkeys(_CANNOT_OPEN.findall(stderr)))  # Qt's own libraries failed to load
    plugin = plugin_file(platform)
    if plugin is not None:
        missing += [s for s in missing_libraries(plugin) if s not in missing]
    if missing:
        return GuiCheck(False, f"Qt's '{platform}' platform plugin needs system libraries that are missing: "
                               + describe_missing(missing), platform, tuple(missing))
    if "could not connect to display" in stderr:
        display = os.environ.get("DISPLAY", "")
        return GuiCheck(False, f"cannot connect to the display {display!r}: is the X server running, and may "
                               "this user use it?", platform)
    last = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    detail = last[-1] if last else "no message"
    if "Available platform plugins" in stderr or "platform plugin" in stderr:
        detail = next((ln for ln in last if "platform plugin" in ln), detail)
    return GuiCheck(False, f"Qt cannot open a window with the '{platform}' platform: {detail}", platform)
