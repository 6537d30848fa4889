"""A damaged catalog says so and `photolens repair` brings it back (issue 13): restored
from the rolling backup, plus what the damaged file still reads, then a rescan."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from photolens.core import backup
from photolens.core.library import Library
from tests.helpers import make_image


def _cli(data: Path, model: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), *args,
                           "--model-path", str(model)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def library_with_backup(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("repair")
    photos, data = root / "photos", root / "data"
    for i in range(18):
        make_image(photos / f"p{i:02d}.png", ((i * 37) % 255, (i * 91) % 255, (i * 53) % 255), seed=i)
    later = [photos / f"p{i:02d}.png" for i in range(12, 18)]
    for p in later:
        p.rename(p.with_suffix(".later"))
    with Library.open(data, model_path=tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()  # the first run makes the first backup
        for p in later:
            p.with_suffix(".later").rename(p)
        lib.index()  # six more, after the backup
    assert len(backup.backups(data)) == 1
    return root, data


def _damage(db: Path, how: str) -> None:
    data = bytearray(db.read_bytes())
    if how == "truncated":
        db.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "middle page":
        page = 4096
        start = page * (len(data) // page // 2)
        rng = random.Random(3)
        data[start:start + page] = bytes(rng.getrandbits(8) for _ in range(page))
        db.write_bytes(bytes(data))
    elif how == "unread page":  # file_cameras' page: PNGs have no camera, so index and status never read it
        with sqlite3.connect(db) as con:
            page = con.execute("PRAGMA page_size").fetchone()[0]
            (number,) = con.execute("SELECT pageno FROM dbstat WHERE name = 'file_cameras'").fetchone()
        con.close()
        start = page * (number - 1)
        data[start:start + page] = bytes(random.Random(3).getrandbits(8) for _ in range(page))
        db.write_bytes(bytes(data))
    else:  # the header
        data[:100] = b"\0" * 100
        db.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncated", "middle page", "header"])
def test_damage_is_reported_and_repair_restores_everything(library_with_backup, tiny_model_dir: Path,  # noqa: ANN001
                                                           tmp_path: Path, how: str) -> None:
    root, original = library_with_backup
    data = tmp_path / "data"
    shutil.copytree(original, data)
    _damage(data / "catalog.db", how)
    failures = 0
    for args in (("search", "a red circle"), ("index",)):
        out = _cli(data, tiny_model_dir, *args)
        assert "Traceback" not in out.stderr and "unexpected error" not in out.stderr, out.stderr
        if out.returncode != 0:  # whichever command meets the damage says what to do
            assert out.returncode == 2 and "photolens repair" in out.stderr, out.stderr
            failures += 1
    assert failures or how == "middle page"  # a page no command reads may go unnoticed until repair
    out = _cli(data, tiny_model_dir, "repair")
    assert out.returncode == 0, out.stderr
    assert "restored the backup" in out.stdout
    assert list(data.glob("catalog.db.damaged-*"))  # kept, never deleted
    with Library.open(data, model_path=tiny_model_dir) as lib:
        status = lib.status()
        assert status.indexed == 18 and status.pending == 0 and status.error_count == 0
        with sqlite3.connect(data / "catalog.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(lib.search("a red circle").hits) > 0


def test_a_backup_is_never_made_of_a_damaged_catalog(library_with_backup, tmp_path: Path) -> None:
    _root, original = library_with_backup
    damaged = tmp_path / "bad.db"
    shutil.copy(original / "catalog.db", damaged)
    _damage(damaged, "middle page")
    conn = sqlite3.connect(damaged)
    try:
        assert backup.back_up(conn, tmp_path) is None
    finally:
        conn.close()
    assert backup.backups(tmp_path) == []


def test_the_daily_check_finds_damage_no_command_reads(library_with_backup, tiny_model_dir: Path,  # noqa: ANN001
                                                      tmp_path: Path) -> None:
    """A damaged page that neither search nor index reads is found by the check of every
    page that runs once a day after an index run (with the backup, or on its own), and
    `photolens status` (the window's note banner too) says what to do."""
    _root, original = library_with_backup
    data = tmp_path / "data"
    shutil.copytree(original, data)
    checked = backup.last_health(data)
    assert checked is not None and checked[1] is None  # the backup's check: fine then
    _damage(data / "catalog.db", "unread page")
    backup.record_health(data, None, now=1.0)  # that check was long ago: one is due
    out = _cli(data, tiny_model_dir, "index")
    assert out.returncode == 0, out.stderr  # this damage is in a page the run does not read
    found = backup.last_health(data)
    assert found is not None and found[1] is not None and found[0] > 1.0
    status = _cli(data, tiny_model_dir, "status")
    assert "The catalog is damaged" in status.stdout + status.stderr
    assert "photolens repair" in status.stdout + status.stderr
