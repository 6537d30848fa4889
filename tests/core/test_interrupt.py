"""Ctrl-C in a terminal (SIGINT to the whole process group) stops indexing cleanly."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.desktop.pictures import make_many

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"


def _embedded(data: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'catalog.db'}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
def test_ctrl_c_to_the_process_group_stops_index_and_loses_nothing(tmp_path: Path) -> None:
    pictures = make_many(tmp_path / "pictures", 400, size=160)
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), "index", str(pictures),
           "--model-path", str(ORACLE), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while _embedded(data) == 0 and proc.poll() is None:  # wait for the first committed batch
            assert time.monotonic() < deadline, "indexing never committed a batch"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the parent and its workers
        out, err = proc.communicate(timeout=60)  # a hang fails here
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    assert proc.returncode in (0, 130), err[-2000:]
    first = json.loads(out)
    # run again: it resumes, and every picture ends up embedded exactly once
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    second = json.loads(again.stdout)
    assert first["embedded"] + second["embedded"] == 400
    assert _embedded(data) == 400
