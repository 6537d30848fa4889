"""The GUI must not die after a few thousand paints (PySide6 6.12.0 on Python < 3.12 did).

Both checks run in a child process: the broken binding aborts the interpreter
("Fatal Python error: none_dealloc"), which has to fail a test, not end the test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}

REFCOUNT_PROBE = """
import json, sys
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
app = QCoreApplication([])
model = QStandardItemModel()
model.appendRow(QStandardItem("x"))
index = model.index(0, 0)
index.data(Qt.ItemDataRole.UserRole + 5)  # warm up: first call may cache
before = sys.getrefcount(None)
for _ in range(20_000):
    index.data(Qt.ItemDataRole.UserRole + 5)  # an empty role: an invalid QVariant, None in Python
print(json.dumps({"before": before, "after": sys.getrefcount(None)}))
"""

pytestmark = pytest.mark.smoke  # no torch: runs on every supported Python


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def test_empty_role_does_not_leak_none() -> None:
    out = _run(["-c", REFCOUNT_PROBE], timeout=120)
    assert out.returncode == 0, f"the Qt binding crashed the interpreter:\n{out.stderr[-2000:]}"
    counts = json.loads(out.stdout)
    # From Python 3.12 None is immortal and its refcount never moves; before, it must not drop.
    assert counts["after"] == counts["before"], counts


def test_thousands_of_results_painted_many_times(tmp_path: Path) -> None:
    out = _run(["-m", "tests.desktop.paint_soak", "2000", "4", str(tmp_path)], timeout=300)
    assert out.returncode == 0, f"painting results crashed the app (exit {out.returncode}):\n{out.stderr[-2000:]}"
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["rows"] == 2000
    assert report["painted"] >= 2000 * 4  # every row painted in every pass
    assert report["none_after"] >= report["none_before"]
