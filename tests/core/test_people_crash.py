"""Names and corrections survive a kill -9 in the middle of finding faces."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photolens.core.library import Library
from tests.faces_photos import OBAMA, photo

pytest.importorskip("dlib")


def _faces(data: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'catalog.db'}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM faces").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_kill_9_while_finding_faces_keeps_names_and_finishes_later(tmp_path: Path, tiny_model_dir: Path) -> None:
    photos, data = tmp_path / "photos", tmp_path / "data"
    photos.mkdir()
    for name in OBAMA[:3]:
        photo(name).save(photos / name)
    data.mkdir()
    (data / "settings.toml").write_text("collapse_duplicates = false\ndecode_workers = 1\nfaces = true\n")
    with Library.open(data, model_path=tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        (obama,) = lib.people.everyone()
        lib.people.rename(obama.id, "Obama")
        rejected = lib.people.faces_of(obama.id)[0]
        lib.people.reject(rejected.id)
    # more photos of him (copies at other sizes), then a run killed once faces are being stored
    for i in range(12):
        src = photo(OBAMA[i % len(OBAMA)])
        src.resize((src.width * (90 - i) // 100, src.height * (90 - i) // 100)).save(photos / f"more{i:02d}.jpg")
    before = _faces(data)
    cmd = [sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), "index",
           "--model-path", str(tiny_model_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and _faces(data) <= before:
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with Library.open(data, model_path=tiny_model_dir) as lib:
        assert lib.people.resolve("obama") == obama.id
        assert lib.people.face(rejected.id).person_id is None
        lib.index()  # resumes: the remaining pictures get their faces, none twice
        per_item = lib.catalog.conn.execute("SELECT item_id, count(*) FROM faces GROUP BY item_id").fetchall()
        assert len(per_item) == 15 and all(n == 1 for _, n in per_item)
        assert lib.people.get("Obama").photos == 14  # all but the face the user said is not him
        assert lib.people.face(rejected.id).person_id is None
