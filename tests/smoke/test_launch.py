"""Smoke tests run on the lowest and the highest supported Python (`pytest -m smoke`).

They need no torch: the committed oracle model, real processes started as a user starts
them (`photolens ...`), offscreen Qt. They cover what must never break on a newcomer's
machine: the CLI indexes and searches, the window opens and closes, a machine without a
display or without a Qt system library gets one clear line, and a crash leaves a report.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photolens.core.gui_check import describe_missing, missing_libraries
from tests.desktop.pictures import make_gallery

pytestmark = pytest.mark.smoke

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"
ROOT = Path(__file__).resolve().parents[2]


def photolens(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "photolens.desktop.launcher", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("smoke")
    pictures = make_gallery(root / "pictures")
    data = root / "data"
    out = photolens("--data-dir", str(data), "index", str(pictures), "--model-path", str(ORACLE), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["embedded"] == 24
    return data


def test_cli_finds_the_red_circle(indexed: Path) -> None:
    out = photolens("--data-dir", str(indexed), "search", "a red circle", "--json", "--limit", "3")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert Path(hits[0]["path"]).name == "red_circle.png"


def test_window_opens_and_closes(indexed: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run(["cp", "-r", str(indexed), str(data)], check=True)
    out = photolens("--data-dir", str(data), "--quit-after", "3", env={"QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert "library" in (data / "photolens-gui.log").read_text()
    assert not list(data.glob("gui-*.running"))  # a clean exit leaves no crash marker


def test_no_display_is_one_clear_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "-m", "photolens.desktop.launcher"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "no display found" in out.stderr


def _plugin_needing(tmp_path: Path, missing: bytes) -> Path:
    """A copy of Qt's xcb plugin whose first xcb dependency is renamed to `missing`."""
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    plugin = (qt / "plugins" / "platforms" / "libqxcb.so").read_bytes()
    needed = b"libxcb-icccm.so.4"
    assert needed in plugin and len(missing) == len(needed)
    platforms = tmp_path / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    (platforms / "libqxcb.so").write_bytes(plugin.replace(needed, missing))
    (tmp_path / "lib").symlink_to(qt / "lib")  # the plugin finds Qt through $ORIGIN/../../lib
    return platforms


@pytest.mark.skipif(sys.platform != "linux", reason="Linux's xcb platform plugin")
def test_missing_qt_library_is_named(tmp_path: Path) -> None:
    platforms = _plugin_needing(tmp_path, b"libxcb-nothere.so")
    assert "libxcb-nothere.so" in missing_libraries(platforms / "libqxcb.so")
    out = photolens(env={"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":97", "QT_QPA_PLATFORM_PLUGIN_PATH": str(platforms)},
                    timeout=60)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "libxcb-nothere.so" in lines[0], out.stderr


def test_packages_are_named_for_debian_and_fedora() -> None:
    text = describe_missing(["libxcb-icccm.so.4", "libxcb-cursor.so.0", "libunknown.so.3"])
    assert "libxcb-icccm4" in text and "xcb-util-wm" in text and "libxcb-cursor0" in text
    assert "sudo apt install libxcb-icccm4 libxcb-cursor0" in text
    assert "sudo dnf install xcb-util-wm xcb-util-cursor" in text
    assert "libunknown.so.3" in text


def _wait_for(predicate, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_crash_leaves_a_report_and_the_next_launch_says_so(indexed: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run(["cp", "-r", str(indexed), str(data)], check=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "photolens.desktop.launcher", "--data-dir", str(data)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        log = data / "photolens-gui.log"
        _wait_for(lambda: list(data.glob("gui-*.running")) and log.is_file() and "opened" in log.read_text(),
                  120, "the window to open")
        proc.send_signal(signal.SIGSEGV)  # what a native crash raises
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGSEGV
    report = (data / "photolens-crash.log").read_text()
    # the stacks: a process-directed signal lands on any thread; faulthandler calls the Python
    # thread it lands on "Current thread", and one landing on a native thread (Qt's, ONNX
    # Runtime's) lists every Python thread as "Thread 0x..."
    assert "Segmentation fault" in report and "File " in report
    assert "Current thread" in report or "Thread 0x" in report

    again = photolens("--data-dir", str(data), "--quit-after", "2", env={"QT_QPA_PLATFORM": "offscreen"})
    assert again.returncode == 0, again.stderr
    assert "ended abnormally" in again.stderr and "photolens-crash.log" in again.stderr
    third = photolens("--data-dir", str(data), "--quit-after", "1", env={"QT_QPA_PLATFORM": "offscreen"})
    assert "ended abnormally" not in third.stderr  # said once


def test_a_scripted_session_survives(tmp_path: Path) -> None:
    """Search, scroll, preview, more/less like this and sketch in a loop (offscreen, a few
    seconds; `python -m tests.desktop.session_soak --minutes 10` under Xvfb is the long run)."""
    out = subprocess.run([sys.executable, "-m", "tests.desktop.session_soak", "--minutes", "0.1", "--pictures", "40",
                          "--work", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=400,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["cycles"] >= 1 and report["searches"] >= 10 and report["painted"] > 500
