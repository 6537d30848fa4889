"""The folders and cameras the query planner knows are counted by triggers (file_dirs,
file_cameras): whatever happens to the files, they equal a count over every file row."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from photolens.core.catalog import STATUS_INDEXED, STATUS_PENDING, Catalog
from photolens.core.query.terms import LibraryTerms

_DIRS = "SELECT dir, files FROM file_dirs ORDER BY dir"
_CAMERAS = "SELECT make, model, files FROM file_cameras ORDER BY make, model"


def recount(conn: sqlite3.Connection) -> tuple[list[tuple], list[tuple]]:
    dirs: dict[str, int] = {}
    cameras: dict[tuple[str, str], int] = {}
    for path, status, make, model in conn.execute("SELECT path, status, camera_make, camera_model FROM files"):
        if status != STATUS_INDEXED:
            continue
        folder = path.rpartition("/")[0]
        dirs[folder] = dirs.get(folder, 0) + 1
        if make is not None or model is not None:
            key = (make or "", model or "")
            cameras[key] = cameras.get(key, 0) + 1
    return sorted(dirs.items()), sorted((*k, n) for k, n in cameras.items())


def counted(conn: sqlite3.Connection) -> tuple[list[tuple], list[tuple]]:
    return [tuple(r) for r in conn.execute(_DIRS)], [tuple(r) for r in conn.execute(_CAMERAS)]


def test_counts_follow_every_change_to_the_files(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.db")
    conn = catalog.conn
    rng = random.Random(7)
    folders = [catalog.add_folder("/photos"), catalog.add_folder("/media/usb")]
    roots = {folders[0]: "/photos", folders[1]: "/media/usb"}
    subdirs = ["", "/Holidays", "/Holidays/Lisbon 2019", "/kids", "/a b/ç"]
    cameras = [(None, None), ("Canon", "EOS 5D"), ("Canon", None), (None, "Pixel 7"), ("FUJIFILM", "X100V")]
    serial = 0
    for step in range(400):
        ids = [r[0] for r in conn.execute("SELECT id FROM files")]
        action = rng.choice(["add", "add", "index", "index", "move", "delete", "pending", "camera", "offline"])
        if action == "add" or not ids:
            folder = rng.choice(folders)
            batch = []
            for _ in range(rng.randint(1, 4)):
                serial += 1
                batch.append((f"{roots[folder]}{rng.choice(subdirs)}/f{serial}.jpg", 10, 1, serial, 1))
            catalog.mark_pending(folder, batch)
        elif action == "index":
            make, model = rng.choice(cameras)
            with conn:
                conn.execute("UPDATE files SET status = ?, camera_make = ?, camera_model = ? WHERE id = ?",
                             (STATUS_INDEXED, make, model, rng.choice(ids)))
        elif action == "move":
            fid = rng.choice(ids)
            folder = rng.choice(folders)
            serial += 1
            catalog.move_file(fid, folder, f"{roots[folder]}{rng.choice(subdirs)}/m{serial}.jpg")
        elif action == "delete":
            catalog.delete_files(rng.sample(ids, min(len(ids), rng.randint(1, 3))))
        elif action == "pending":  # changed on disk: rescanned, waiting to be indexed again
            path, folder = conn.execute("SELECT path, folder_id FROM files WHERE id = ?", (rng.choice(ids),)).fetchone()
            catalog.mark_pending(folder, [(path, 11, 2, 0, 2)])
        elif action == "camera":
            make, model = rng.choice(cameras)
            with conn:
                conn.execute("UPDATE files SET camera_make = ?, camera_model = ? WHERE id = ?",
                             (make, model, rng.choice(ids)))
        else:
            folder = rng.choice(folders)
            catalog.set_folder_online(folder, rng.random() < 0.5)
        assert counted(conn) == recount(conn), f"step {step}: {action}"
    assert conn.execute("SELECT count(*) FROM file_dirs").fetchone()[0] > 3
    assert conn.execute("SELECT count(*) FROM file_cameras WHERE files > 0").fetchone()[0] > 1
    catalog.remove_folder(folders[0])
    assert counted(conn) == recount(conn)
    assert not any(d.startswith("/photos") for d, _ in counted(conn)[0])
    catalog.close()


def test_an_older_catalog_gets_its_counts_at_upgrade(tmp_path: Path) -> None:
    """A library made before the counts existed: the upgrade counts its files once."""
    path = tmp_path / "catalog.db"
    catalog = Catalog(path)
    folder = catalog.add_folder("/photos")
    catalog.mark_pending(folder, [(f"/photos/{d}/{i}.jpg", 1, 1, i, 1) for d in ("Holidays", "Work") for i in range(3)])
    with catalog.conn:
        catalog.conn.execute("UPDATE files SET status = ?, camera_make = 'Nikon' WHERE path LIKE '%/Holidays/%'",
                             (STATUS_INDEXED,))
        catalog.conn.execute("UPDATE files SET status = ? WHERE path LIKE '%/Work/0.jpg'", (STATUS_INDEXED,))
        for trigger in ("insert", "delete", "update"):  # as it was at version 11
            catalog.conn.execute(f"DROP TRIGGER files_names_{trigger}")
        catalog.conn.execute("DROP TABLE file_dirs")
        catalog.conn.execute("DROP TABLE file_cameras")
        catalog.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_name_counts'")
    catalog.close()

    catalog = Catalog(path)
    assert counted(catalog.conn) == recount(catalog.conn)
    assert counted(catalog.conn)[0] == [("/photos/Holidays", 3), ("/photos/Work", 1)]
    terms = LibraryTerms.read(catalog)
    assert {"holidays", "work", "photos"} <= set(terms.folders) and "nikon" in terms.cameras
    with catalog.conn:  # and the triggers are there again
        catalog.conn.execute("UPDATE files SET status = ? WHERE path LIKE '%/Work/0.jpg'", (STATUS_PENDING,))
    assert counted(catalog.conn)[0] == [("/photos/Holidays", 3)]
    assert "work" not in LibraryTerms.read(catalog).folders
    catalog.close()
