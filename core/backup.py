"""Rolling backups of the catalog, and `photolens repair` from them.

The catalog is the one file that cannot be derived (names, corrections, folders, every
vector): after an index run, at most once a day (or after a run that changed many files),
it is copied with SQLite's online backup into `backups/`, the newest KEEP kept. A copy is
made only from a catalog that passes SQLite's quick check, so damage is never backed up.

`repair` moves the damaged catalog aside (never deletes it), restores the newest backup
that passes an integrity check, then takes back from the damaged file every row it can
still read that the backup lacks (files, items, vectors): what was indexed after the
backup is not embedded again where its vector survived. The caller then rescans.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
HEALTH_FILE = "health.json"  # the last check of every page of the catalog: when, and what it found
KEEP = 3
EVERY_S = 24 * 3600
AFTER_CHANGES = 1000  # files embedded or removed in one run: back up even within the day
_SALVAGE_TABLES = ("folders", "files", "items", "embeddings")


def backups(data_dir: Path) -> list[Path]:
    """The backups, newest first."""
    folder = data_dir / BACKUP_DIR
    return sorted(folder.glob("catalog-*.db"), reverse=True) if folder.is_dir() else []


def due(data_dir: Path, changed: int, now: float | None = None) -> bool:
    found = backups(data_dir)
    if not found:
        return True
    age = (now or time.time()) - found[0].stat().st_mtime
    return age >= EVERY_S or changed >= AFTER_CHANGES


def healthy(conn: sqlite3.Connection, *, full: bool = False) -> str | None:
    """None when SQLite finds nothing wrong, else what it says."""
    try:
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    verdict = "; ".join(str(r[0]) for r in rows[:5])
    return None if verdict == "ok" else verdict


def record_health(data_dir: Path, problem: str | None, now: float | None = None) -> None:
    """Keep the verdict of a check of every page, so that damage in pages no command reads
    (old folders, people nobody looks at) is reported before it spreads into backups."""
    try:
        (data_dir / HEALTH_FILE).write_text(json.dumps({"checked_at": now or time.time(), "problem": problem}),
                                            encoding="utf-8")
    except OSError as exc:
        log.warning("could not record the catalog check (%s)", exc)


def last_health(data_dir: Path) -> tuple[float, str | None] | None:
    """(when, problem or None) of the last check; None if never checked (or unreadable)."""
    try:
        raw = json.loads((data_dir / HEALTH_FILE).read_text(encoding="utf-8"))
        return float(raw["checked_at"]), (str(raw["problem"]) if raw.get("problem") else None)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def back_up(conn: sqlite3.Connection, data_dir: Path) -> Path | None:
    """Copy the catalog (online, consistent) into backups/; None when it is not healthy.
    The check reads every page of the catalog; its verdict is recorded (record_health)."""
    problem = healthy(conn)
    record_health(data_dir, problem)
    if problem is not None:
        log.warning("the catalog is damaged (SQLite reports: %s), so it was not backed up: run "
                    "`photolens repair` to restore the latest backup and rescan", problem)
        return None
    folder = data_dir / BACKUP_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    dest = folder / f"catalog-{time.strftime('%Y%m%d-%H%M%S')}.db"
    tmp = dest.with_name(dest.name + ".tmp")
    try:
        with sqlite3.connect(tmp) as copy:
            conn.backup(copy)
        copy.close()
        os.replace(tmp, dest)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        log.warning("catalog backup failed (%s); the catalog itself is unchanged", exc)
        return None
    for old in backups(data_dir)[KEEP:]:
        old.unlink(missing_ok=True)
    log.info("catalog backed up to %s", dest)
    return dest


@dataclass(frozen=True)
class RepairReport:
    damaged: Path | None  # where the damaged catalog was moved
    restored: Path | None  # the backup used (None: started from an empty catalog)
    salvaged: dict[str, int]  # rows taken back from the damaged file, per table


def repair(catalog_path: Path, data_dir: Path) -> RepairReport:
    """Replace a damaged catalog by its newest good backup plus what can be read of it."""
    damaged = None
    if catalog_path.exists():
        damaged = catalog_path.with_name(f"{catalog_path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(catalog_path, damaged)
        for suffix in ("-wal", "-shm"):
            side = catalog_path.with_name(catalog_path.name + suffix)
            if side.exists():
                os.replace(side, damaged.with_name(damaged.name + suffix))
    restored = None
    for candidate in backups(data_dir):
        with sqlite3.connect(f"file:{candidate}?mode=ro", uri=True) as conn:
            problem = healthy(conn, full=True)
        conn.close()
        if problem is None:
            tmp = catalog_path.with_name(catalog_path.name + ".restoring")
            with sqlite3.connect(f"file:{candidate}?mode=ro", uri=True) as src, sqlite3.connect(tmp) as dst:
                src.backup(dst)
            src.close()
            dst.close()
            os.replace(tmp, catalog_path)
            restored = candidate
            break
        log.warning("backup %s is damaged too (%s)", candidate, problem)
    if restored is None:  # no backup: a new, empty catalog to take the readable rows into
        from .catalog import Catalog

        Catalog(catalog_path).close()
    salvaged = _salvage(damaged, catalog_path) if damaged is not None else {}
    return RepairReport(damaged, restored, salvaged)


def _salvage(damaged: Path, catalog_path: Path) -> dict[str, int]:
    """Rows of the damaged catalog the restored one lacks, read page range by page range
    (a range that does not read is skipped)."""
    counts: dict[str, int] = {}
    try:
        src = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
    except sqlite3.Error:
        return counts
    dst = sqlite3.connect(catalog_path)
    try:
        for table in _SALVAGE_TABLES:
            counts[table] = _copy_rows(src, dst, table)
        dst.commit()
    finally:
        src.close()
        dst.close()
    return counts


def _copy_rows(src: sqlite3.Connection, dst: sqlite3.Connection, table: str, step: int = 500) -> int:
    try:
        columns = [r[1] for r in dst.execute(f"PRAGMA table_info([{table}])")]
        top = src.execute(f"SELECT max(rowid) FROM [{table}]").fetchone()[0] or 0
    except sqlite3.DatabaseError as exc:
        log.info("salvage: %s unreadable (%s)", table, exc)
        return 0
    names = ", ".join(f"[{c}]" for c in columns)
    marks = ", ".join("?" * len(columns))
    copied = 0
    for start in range(0, int(top) + 1, step):
        try:
            rows = src.execute(f"SELECT {names} FROM [{table}] WHERE rowid >= ? AND rowid < ?",
                               (start, start + step)).fetchall()
        except sqlite3.DatabaseError:
            continue  # a damaged page: its rows are lost, the rescan finds their files again
        before = dst.total_changes
        dst.executemany(f"INSERT OR IGNORE INTO [{table}] ({names}) VALUES ({marks})", rows)
        copied += dst.total_changes - before
    return copied
