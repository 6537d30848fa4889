"""Show in folder over D-Bus: the path travels whole, and no answer means no success."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r'''
import subprocess, sys, time
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
log = open(sys.argv[1], "w")
monitor = subprocess.Popen(["dbus-monitor", "--session", "interface='org.freedesktop.FileManager1'"],
                           stdout=log, stderr=subprocess.STDOUT)
deadline = time.monotonic() + 20
while time.monotonic() < deadline and "NameAcquired" not in open(sys.argv[1]).read():
    time.sleep(0.02)  # the monitor is listening once the bus has named it
from photolens.desktop.desktop_actions import show_items
print("answered" if show_items(sys.argv[2]) else "no answer", flush=True)
while time.monotonic() < deadline and "ShowItems" not in open(sys.argv[1]).read():
    time.sleep(0.02)
time.sleep(0.2)  # the message's arguments follow its header line
monitor.terminate()
'''


@pytest.mark.skipif(not (shutil.which("dbus-run-session") and shutil.which("dbus-monitor")),
                    reason="needs dbus-daemon and dbus-monitor")
def test_a_path_with_commas_is_one_string_and_no_file_manager_is_no_success(tmp_path: Path) -> None:
    uri = "file:///home/anna/Pictures/Lisbon,%202019/a,b%20c.jpg"
    log = tmp_path / "monitor.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    out = subprocess.run(["dbus-run-session", "--", sys.executable, "-c", SCRIPT, str(log), uri],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "no answer"  # dbus-send said yes to this
    text = log.read_text()
    assert "member=ShowItems" in text
    call = text[text.index("member=ShowItems"):]
    strings = [line.strip() for line in call.splitlines() if line.strip().startswith("string ")]
    assert strings[:2] == [f'string "{uri}"', 'string ""']  # the whole path, then the startup id
