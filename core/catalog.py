"""The SQLite catalog (WAL, via sqlite-utils): the source of truth.

Tables: folders, files (one row per path, with its stat, content hash, metadata and
status), items (one per distinct picture content, or video frame), embeddings (item,
model id, float16 vector). Identical files share one item, so duplicates are embedded
once and moved files keep their vectors. The schema is versioned with sqlite-utils
migrations. Only the indexing thread writes; readers open their own connection.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import CatalogError
from .media.metadata import MediaMeta

if TYPE_CHECKING:
    from .query.model import Filters
    from .sqlite_lib import Database

log = logging.getLogger(__name__)

STATUS_PENDING = "pending"
STATUS_INDEXED = "indexed"
STATUS_ERROR = "error"
STATUS_OFFLINE = "offline"

MIGRATION_SET = "photolens"
_MIGRATIONS: list[Callable[[Database], None]] = []  # in order; applied by sqlite-utils' Migrations


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    _MIGRATIONS.append(fn)
    return fn


def apply_migrations(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations with sqlite-utils (recorded in its _sqlite_migrations
    table). A catalog already up to date, every open but the first after an upgrade, is
    checked with one SELECT and sqlite-utils is not imported (~40 ms of a one-shot search)."""
    try:
        done = {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                                            (MIGRATION_SET,))}
    except sqlite3.OperationalError:  # no such table: a new catalog
        done = set()
    if all(fn.__name__ in done for fn in _MIGRATIONS):
        return
    from .sqlite_lib import Database, Migrations

    migrations = Migrations(MIGRATION_SET)
    for fn in _MIGRATIONS:
        migrations()(fn)
    migrations.apply(Database(conn))
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")


@migration
def m001_initial(db: Database) -> None:
    db.table("folders").create({"id": int, "path": str, "added_at": float, "online": int}, pk="id", not_null={"path"})
    db.table("folders").create_index(["path"], unique=True)
    db.table("files").create(
        {
            "id": int, "folder_id": int, "path": str, "size": int, "mtime_ns": int, "inode": int,
            "hash": str, "media_type": str, "width": int, "height": int, "taken_at": float,
            "camera_make": str, "camera_model": str, "gps_lat": float, "gps_lon": float,
            "status": str, "error": str, "indexed_at": float,
        },
        pk="id", not_null={"path", "status"}, foreign_keys=[("folder_id", "folders", "id")],
    )
    db.table("files").create_index(["path"], unique=True)
    db.table("files").create_index(["hash"])
    db.table("files").create_index(["folder_id"])
    db.table("files").create_index(["status"])
    db.table("items").create({"id": int, "hash": str, "frame_ms": int}, pk="id", not_null={"hash"})
    db.table("items").create_index(["hash", "frame_ms"], unique=True)
    db.table("embeddings").create(
        {"item_id": int, "model_id": str, "vector": bytes},
        pk=("item_id", "model_id"), foreign_keys=[("item_id", "items", "id")],
    )
    db.table("embeddings").create_index(["model_id"])


@migration
def m002_date_index(db: Database) -> None:
    """Date filters (after:/before:) use an index instead of reading every file row."""
    db.table("files").create_index(["taken_at"], if_not_exists=True)


@migration
def m003_hub_scores(db: Database) -> None:
    """Per-item hubness statistics (core/query/hubness.py), computed at index time. `bank`
    names the query bank they were computed with; a row for another bank counts as missing."""
    db.table("hub_scores").create(
        {"item_id": int, "model_id": str, "bank": str, "score": float},
        pk=("item_id", "model_id"), foreign_keys=[("item_id", "items", "id")],
    )


@migration
def m004_video(db: Database) -> None:
    """Videos: their duration (seconds). Their frames are items with frame_ms > 0."""
    db.table("files").add_column("duration_s", float)


@migration
def m005_analyses(db: Database) -> None:
    """Which items each analyzer (core/analyzers.py) has done, at which version."""
    db.table("analyses").create(
        {"analyzer": str, "item_id": int, "version": str},
        pk=("analyzer", "item_id"), foreign_keys=[("item_id", "items", "id")],
    )


@migration
def m006_ctime(db: Database) -> None:
    """The inode change time: a file rewritten in place with its mtime restored (rsync -t,
    some editors) keeps size and mtime, never its ctime."""
    db.table("files").add_column("ctime_ns", int)


@migration
def m007_faces(db: Database) -> None:
    """People (core/faces): every face found, and the people they are grouped into.

    A face's box and landmarks are fractions of the upright picture; `pinned` marks a
    user's own assignment (kept by every regrouping). `name_key` is the case-folded name
    (unique: one Anna). A "not this person" correction is a face_rejections row."""
    db.execute(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, name_key TEXT, hidden INTEGER NOT NULL DEFAULT 0, "
        "created_at FLOAT)"
    )
    db.execute("CREATE UNIQUE INDEX idx_people_name_key ON people (name_key)")
    db.execute(
        "CREATE TABLE faces (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), "
        "left FLOAT, top FLOAT, width FLOAT, height FLOAT, landmarks TEXT, descriptor BLOB NOT NULL, "
        "score FLOAT, quality FLOAT, person_id INTEGER REFERENCES people(id) ON DELETE SET NULL, "
        "pinned INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute("CREATE INDEX idx_faces_item ON faces (item_id)")
    db.execute("CREATE INDEX idx_faces_person ON faces (person_id)")
    db.execute(
        "CREATE TABLE face_rejections (face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE, "
        "person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE, PRIMARY KEY (face_id, person_id))"
    )


@migration
def m009_analysis_errors(db: Database) -> None:
    """Why an analyzer could not do an item (a crash, an unreadable frame): shown in status."""
    db.table("analyses").add_column("error", str)


@migration
def m008_text(db: Database) -> None:
    """Text in pictures (core/ocr): each line read with its confidence and box, and per item
    (rowid = item id) an FTS5 index of all its text, case and diacritics folded (unicode61
    remove_diacritics 2), with each word also spelt backwards (column `backwards`): its
    vocabulary (text_vocab) finds the words a misreading stands for by a shared beginning
    or ending. Trigrams of the folded text find words OCR ran together."""
    db.execute(
        "CREATE TABLE text_lines (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), "
        "line INTEGER NOT NULL, text TEXT NOT NULL, score REAL, box TEXT)"
    )
    db.execute("CREATE INDEX idx_text_lines_item_id ON text_lines (item_id, line)")
    db.execute("CREATE VIRTUAL TABLE text_fts USING fts5(text, backwards, item_id UNINDEXED, "
               "tokenize = 'unicode61 remove_diacritics 2')")
    db.execute("CREATE VIRTUAL TABLE text_vocab USING fts5vocab(text_fts, col)")
    db.execute("CREATE VIRTUAL TABLE text_trigrams USING fts5(text, item_id UNINDEXED, tokenize = 'trigram')")


@migration
def m010_places(db: Database) -> None:
    """Places (core/places): the named places the library's GPS positions are in, and each
    item's place and position. `key` joins the names (one row per distinct place)."""
    db.execute(
        "CREATE TABLE places (id INTEGER PRIMARY KEY, city TEXT, metro TEXT, county TEXT, region TEXT, "
        "country TEXT, country_code TEXT, key TEXT NOT NULL UNIQUE)"
    )
    db.execute(
        "CREATE TABLE item_places (item_id INTEGER PRIMARY KEY REFERENCES items(id), "
        "place_id INTEGER NOT NULL REFERENCES places(id), lat REAL, lon REAL)"
    )
    db.execute("CREATE INDEX idx_item_places_place ON item_places (place_id)")


@migration
def m011_item_sizes(db: Database) -> None:
    """Content hashes became xxh3-128 ("x3:...", core/media/hashing.py). Items hashed before
    keep their blake2b hash (nothing is re-hashed or re-embedded) and get their file's size
    here: a new file of such a size is hashed the old way too, so that a moved or copied
    file still finds its item. Items hashed the new way need no size (NULL)."""
    db.table("items").add_column("size", int)
    db.execute("UPDATE items SET size = (SELECT f.size FROM files f WHERE f.hash = items.hash LIMIT 1)")


_DIR = "rtrim(rtrim({0}.path, replace({0}.path, '/', '')), '/')"  # a path's folder: "/a/b/c.jpg" -> "/a/b"


def _counted(table: str, key: str, value: str, when: str) -> tuple[str, str]:
    """Trigger statements that count the indexed files per `key` in `table`: +1 for the new
    row, -1 for the old (and its row gone at 0). `value` and `when` take the row's name."""
    match = f"({key}) = ({value.format('old')})"
    add = (f"INSERT INTO {table} ({key}, files) SELECT {value.format('new')}, 1 WHERE {when.format('new')} "
           f"ON CONFLICT ({key}) DO UPDATE SET files = files + 1;")
    drop = (f"UPDATE {table} SET files = files - 1 WHERE {when.format('old')} AND {match}; "
            f"DELETE FROM {table} WHERE {when.format('old')} AND {match} AND files <= 0;")
    return add, drop


@migration
def m012_name_counts(db: Database) -> None:
    """The folders and cameras of the indexed files, with how many files each has, kept by
    triggers: the query planner reads the library's names from these few rows instead of
    from every file row (70-100 ms at 100,000 files, each one-shot search)."""
    db.execute("CREATE TABLE file_dirs (dir TEXT PRIMARY KEY, files INTEGER NOT NULL) WITHOUT ROWID")
    db.execute("CREATE TABLE file_cameras (make TEXT NOT NULL, model TEXT NOT NULL, files INTEGER NOT NULL, "
               "PRIMARY KEY (make, model)) WITHOUT ROWID")
    indexed = "{0}.status = 'indexed'"
    camera = indexed + " AND ({0}.camera_make IS NOT NULL OR {0}.camera_model IS NOT NULL)"
    counts = [_counted("file_dirs", "dir", _DIR, indexed),
              _counted("file_cameras", "make, model",
                       "coalesce({0}.camera_make, ''), coalesce({0}.camera_model, '')", camera)]
    adds = " ".join(add for add, _ in counts)
    drops = " ".join(drop for _, drop in counts)
    db.execute(f"CREATE TRIGGER files_names_insert AFTER INSERT ON files BEGIN {adds} END")
    db.execute(f"CREATE TRIGGER files_names_delete AFTER DELETE ON files BEGIN {drops} END")
    db.execute("CREATE TRIGGER files_names_update AFTER UPDATE OF path, status, camera_make, camera_model ON files "
               f"BEGIN {drops} {adds} END")
    db.execute(f"INSERT INTO file_dirs SELECT {_DIR.format('files')}, count(*) FROM files "
               "WHERE status = 'indexed' GROUP BY 1")
    db.execute("INSERT INTO file_cameras SELECT coalesce(camera_make, ''), coalesce(camera_model, ''), count(*) "
               "FROM files WHERE status = 'indexed' AND (camera_make IS NOT NULL OR camera_model IS NOT NULL) "
               "GROUP BY 1, 2")


@dataclass(frozen=True)
class AnalyzerItem:
    """An item as an analyzer sees it: a file with its content, and the video moment."""

    item_id: int
    path: str
    frame_ms: int
    media_type: str | None


@dataclass(frozen=True)
class FileRecord:
    """One file as the catalog knows it."""

    id: int
    path: str
    folder_id: int
    size: int
    mtime_ns: int
    hash: str | None
    status: str
    error: str | None = None
    width: int | None = None
    height: int | None = None
    taken_at: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    media_type: str | None = None
    duration_s: float | None = None
    inode: int | None = None
    ctime_ns: int | None = None


@dataclass(frozen=True)
class FolderRecord:
    id: int
    path: str
    online: bool


FILE_FIELDS = tuple(f.name for f in fields(FileRecord))  # the files columns a FileRecord holds
META_FIELDS = tuple(f.name for f in fields(MediaMeta))  # the files columns of a file's metadata
_FILE_COLUMNS = ", ".join(FILE_FIELDS)
_META_SET = ", ".join(f"{c}=?" for c in META_FIELDS)


def _file(row: sqlite3.Row) -> FileRecord:
    """A FileRecord from a row read with row_factory=sqlite3.Row (mapped by column name)."""
    return FileRecord(**{name: row[name] for name in FILE_FIELDS})


class Catalog:
    """Typed access to the catalog database."""

    def __init__(self, path: Path, *, read_only: bool = False, immutable: bool = False):
        """immutable: the file is on a medium nobody can write (a read-only mount), so SQLite
        needs no lock or shared-memory file, which it could not create there."""
        self.path = Path(path)
        self.read_only = read_only or immutable
        try:
            if self.read_only:
                # as_uri() percent-encodes '?', '#' and '%' (a folder may be named so)
                uri = self.path.absolute().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
            else:
                conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            conn.execute("PRAGMA recursive_triggers=on")  # as sqlite-utils sets it: a REPLACE fires delete triggers
            if not self.read_only:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                apply_migrations(conn)
            elif conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files'").fetchone() is None:
                raise CatalogError(f"{self.path} has no Photolens catalog yet (index a folder first)")
        except sqlite3.DatabaseError as exc:
            hint = (" It looks damaged: `photolens repair` restores its latest backup, keeps what can still be "
                    "read of it, and rescans your folders." if _damage(exc) else "")
            raise CatalogError(f"Cannot open catalog {self.path}: {exc}.{hint}") from exc
        self.conn: sqlite3.Connection = conn

    @cached_property
    def db(self) -> Database:
        """sqlite-utils on the same connection, for the analyzers' own tables (imported on first use)."""
        from .sqlite_lib import Database

        return Database(self.conn)

    def _named(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """Rows addressable by column name (the connection's own factory stays as it is)."""
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        return cur.execute(sql, tuple(params))

    def close(self) -> None:
        self.conn.close()

    # -- folders ---------------------------------------------------------------------------
    def add_folder(self, path: str) -> int:
        row = self.conn.execute("SELECT id FROM folders WHERE path = ?", (path,)).fetchone()
        if row:
            return int(row[0])
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO folders (path, added_at, online) VALUES (?, ?, 1)", (path, time.time())
            )
        return int(cur.lastrowid or 0)

    def folders(self) -> list[FolderRecord]:
        rows = self.conn.execute("SELECT id, path, online FROM folders ORDER BY path").fetchall()
        return [FolderRecord(int(r[0]), r[1], bool(r[2])) for r in rows]

    def folder_by_path(self, path: str) -> FolderRecord | None:
        r = self.conn.execute("SELECT id, path, online FROM folders WHERE path = ?", (path,)).fetchone()
        return FolderRecord(int(r[0]), r[1], bool(r[2])) if r else None

    def set_folder_online(self, folder_id: int, online: bool) -> None:
        """An unreachable folder's files are kept, marked offline; they return with it."""
        old, new = (STATUS_OFFLINE, STATUS_INDEXED) if online else (STATUS_INDEXED, STATUS_OFFLINE)
        with self.conn:
            self.conn.execute("UPDATE folders SET online = ? WHERE id = ?", (int(online), folder_id))
            self.conn.execute("UPDATE files SET status = ? WHERE folder_id = ? AND status = ?", (new, folder_id, old))

    def remove_folder(self, folder_id: int) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM files WHERE folder_id = ?", (folder_id,))
            self.conn.execute("DELETE FROM folders WHERE id = ?", (folder_id,))

    # -- files -----------------------------------------------------------------------------
    def file_stats(self, folder_id: int, prefix: str | None = None) -> dict[str, tuple[int, int, int, str, int, int]]:
        """path -> (id, size, mtime_ns, status, inode, ctime_ns) for the files of a folder (or
        of a subtree); 0 where the catalog has no value."""
        sql = "SELECT path, id, size, mtime_ns, status, inode, ctime_ns FROM files WHERE folder_id = ?"
        args: tuple[object, ...] = (folder_id,)
        if prefix is not None:
            sql += " AND (path = ? OR substr(path, 1, ?) = ?)"
            base = prefix.rstrip("/") + "/"
            args += (prefix, len(base), base)
        rows = self.conn.execute(sql, args)
        return {r[0]: (int(r[1]), int(r[2] or 0), int(r[3] or 0), r[4], int(r[5] or 0), int(r[6] or 0)) for r in rows}

    def mark_pending(self, folder_id: int, stats: Iterable[tuple[str, int, int, int, int]]) -> None:
        """Insert or reset files (path, size, mtime_ns, inode, ctime_ns) as pending work."""
        with self.conn:
            self.conn.executemany(
                "INSERT INTO files (folder_id, path, size, mtime_ns, inode, ctime_ns, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(path) DO UPDATE SET folder_id=excluded.folder_id, size=excluded.size, "
                "mtime_ns=excluded.mtime_ns, inode=excluded.inode, ctime_ns=excluded.ctime_ns, "
                "status=excluded.status, hash=NULL, error=NULL",
                [(folder_id, p, s, m, i, c, STATUS_PENDING) for p, s, m, i, c in stats],
            )

    def record_path_errors(self, folder_id: int, rows: Iterable[tuple[str, int, int, int, str]]) -> None:
        """Files known to be unusable before reading them: (path, size, mtime_ns, inode, reason)."""
        with self.conn:
            self.conn.executemany(
                "INSERT INTO files (folder_id, path, size, mtime_ns, inode, status, error, indexed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET size=excluded.size, "
                "mtime_ns=excluded.mtime_ns, status=excluded.status, error=excluded.error",
                [(folder_id, p, s, m, i, STATUS_ERROR, r, time.time()) for p, s, m, i, r in rows],
            )

    def stats_for_ids(self, file_ids: Sequence[int]) -> dict[tuple[int, int, int], int]:
        """(inode, size, mtime_ns) -> file id, for matching moved files without hashing."""
        out: dict[tuple[int, int, int], int] = {}
        for chunk in _chunks(list(file_ids), 900):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT id, inode, size, mtime_ns FROM files WHERE id IN ({marks}) AND status = ? AND hash IS NOT NULL",
                (*chunk, STATUS_INDEXED),
            )
            for fid, inode, size, mtime in rows:
                out[(int(inode or 0), int(size or 0), int(mtime or 0))] = int(fid)
        return out

    def set_stats(self, rows: Sequence[tuple[int, int, int]]) -> None:
        """(file id, inode, ctime_ns) for files whose stat the catalog did not keep yet."""
        with self.conn:
            self.conn.executemany("UPDATE files SET inode = ?, ctime_ns = ? WHERE id = ?",
                                  [(inode, ctime, fid) for fid, inode, ctime in rows])

    def move_file(self, file_id: int, folder_id: int, new_path: str, ctime_ns: int | None = None) -> None:
        """A file moved or renamed on disk: same row, same content, new path (a rename
        changes the inode's ctime, which the row follows)."""
        with self.conn:
            self.conn.execute("DELETE FROM files WHERE path = ? AND id != ?", (new_path, file_id))
            self.conn.execute("UPDATE files SET path = ?, folder_id = ?, ctime_ns = coalesce(?, ctime_ns) WHERE id = ?",
                              (new_path, folder_id, ctime_ns, file_id))

    def delete_files(self, file_ids: Iterable[int]) -> None:
        with self.conn:
            self.conn.executemany("DELETE FROM files WHERE id = ?", [(i,) for i in file_ids])

    def iter_pending(self, chunk: int = 256) -> Iterator[list[FileRecord]]:
        """Pending files in id order, a chunk at a time (memory stays flat on huge folders)."""
        last = -1
        while True:
            rows = self._named(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE status = ? AND id > ? ORDER BY id LIMIT ?",
                (STATUS_PENDING, last, chunk),
            ).fetchall()
            if not rows:
                return
            last = int(rows[-1]["id"])
            yield [_file(r) for r in rows]

    def count_pending(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM files WHERE status = ?", (STATUS_PENDING,)).fetchone()[0])

    def get_file(self, file_id: int) -> FileRecord | None:
        r = self._named(f"SELECT {_FILE_COLUMNS} FROM files WHERE id = ?", (file_id,)).fetchone()
        return _file(r) if r else None

    def file_by_path(self, path: str) -> FileRecord | None:
        r = self._named(f"SELECT {_FILE_COLUMNS} FROM files WHERE path = ?", (path,)).fetchone()
        return _file(r) if r else None

    def files_for_items(self, item_ids: Sequence[int]) -> dict[int, list[FileRecord]]:
        """item id -> its indexed files (several when the content is duplicated)."""
        out: dict[int, list[FileRecord]] = {}
        for chunk in _chunks(list(item_ids), 900):
            marks = ",".join("?" * len(chunk))
            rows = self._named(
                f"SELECT i.id AS item_id, {', '.join(f'f.{c} AS {c}' for c in FILE_FIELDS)} "
                # CROSS JOIN and +status keep SQLite on the item ids and idx_files_hash; the
                # planner otherwise walks idx_files_status (every indexed file: 570 ms at 1M).
                f"FROM items i CROSS JOIN files f ON f.hash = i.hash WHERE i.id IN ({marks}) AND +f.status = ? "
                "ORDER BY f.path",
                (*chunk, STATUS_INDEXED),
            )
            for r in rows:
                out.setdefault(int(r["item_id"]), []).append(_file(r))
        return out

    def record_errors(self, errors: Iterable[tuple[int, str]]) -> None:
        with self.conn:
            self.conn.executemany(
                "UPDATE files SET status = ?, error = ?, indexed_at = ? WHERE id = ?",
                [(STATUS_ERROR, msg, time.time(), fid) for fid, msg in errors],
            )

    def errors(self, limit: int = 1000) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT path, error FROM files WHERE status = ? ORDER BY path LIMIT ?", (STATUS_ERROR, limit)
        )
        return [(r[0], r[1] or "unknown error") for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT status, count(*) FROM files GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}

    # -- items and embeddings ---------------------------------------------------------------
    _UNEMBEDDED = ("FROM files f WHERE f.status = ? AND f.hash IN (SELECT i.hash FROM items i WHERE NOT EXISTS "
                   "(SELECT 1 FROM embeddings e WHERE e.item_id = i.id AND e.model_id = ?))")

    def count_unembedded(self, model_id: str) -> int:
        """Indexed files whose content has no vector of this model yet (a model switch in
        progress). One count query when every item has its vector."""
        items = int(self.conn.execute("SELECT count(*) FROM items").fetchone()[0])
        if self.embedding_key_summary(model_id)[0] >= items:
            return 0
        sql = f"SELECT count(*) {self._UNEMBEDDED}"
        return int(self.conn.execute(sql, (STATUS_INDEXED, model_id)).fetchone()[0])

    def iter_unembedded(self, model_id: str, chunk: int = 256) -> Iterator[list[FileRecord]]:
        """Indexed files whose content has no vector of this model, in id order, a chunk at
        a time. They stay indexed (searchable by the model that made their vectors) while the
        new model embeds them; each commit takes them off this list (resumable)."""
        last = -1
        while True:
            rows = self._named(
                f"SELECT {', '.join('f.' + c for c in FILE_FIELDS)} {self._UNEMBEDDED} AND f.id > ? "
                "ORDER BY f.id LIMIT ?", (STATUS_INDEXED, model_id, last, chunk),
            ).fetchall()
            if not rows:
                return
            last = int(rows[-1]["id"])
            yield [_file(r) for r in rows]

    def model_vector_bytes(self) -> dict[str, tuple[int, int]]:
        """model id -> (vectors, bytes of them in the catalog), for every model with vectors."""
        # counted on the model_id index; a model's vectors are all one size, so one row gives
        # the bytes (summing length(vector) reads every row: 2 GB of pages at 1M vectors)
        counts = self.conn.execute("SELECT model_id, count(*) FROM embeddings INDEXED BY idx_embeddings_model_id "
                                   "GROUP BY model_id").fetchall()
        out = {}
        for model_id, count in counts:
            row = self.conn.execute("SELECT length(vector) FROM embeddings WHERE model_id = ? LIMIT 1",
                                    (model_id,)).fetchone()
            out[str(model_id)] = (int(count), int(count) * int(row[0] if row and row[0] else 0))
        return out

    def delete_model_vectors(self, model_id: str) -> int:
        """Drop every vector and hub score of a model (its switch is over); returns how many."""
        with self.conn:
            cur = self.conn.execute("DELETE FROM embeddings WHERE model_id = ?", (model_id,))
            self.conn.execute("DELETE FROM hub_scores WHERE model_id = ?", (model_id,))
        return int(cur.rowcount)

    def legacy_sizes(self) -> set[int]:
        """The file sizes of content the catalog knows by its old hash (blake2b, before
        "x3:"): only a file of one of these sizes can be such content."""
        return {int(r[0]) for r in self.conn.execute("SELECT DISTINCT size FROM items WHERE size IS NOT NULL")}

    def item_for_hash(self, content_hash: str, model_id: str) -> int | None:
        """The item of this content if it already has a vector for the model."""
        r = self.conn.execute(
            "SELECT i.id FROM items i JOIN embeddings e ON e.item_id = i.id "
            "WHERE i.hash = ? AND i.frame_ms = 0 AND e.model_id = ?",
            (content_hash, model_id),
        ).fetchone()
        return int(r[0]) if r else None

    def commit_files(self, done: Sequence[FileDone], model_id: str) -> list[tuple[int, np.ndarray]]:
        """One transaction: items + embeddings for new content, metadata + status for files.

        Returns the (item id, vector) pairs that are new for the vector index.
        """
        new_vectors: list[tuple[int, np.ndarray]] = []
        now = time.time()
        with self.conn:
            for d in done:
                frames = d.frames or ((0, d.vector),)
                for frame_ms, vector in frames:
                    self.conn.execute("INSERT OR IGNORE INTO items (hash, frame_ms) VALUES (?, ?)", (d.hash, frame_ms))
                    if vector is None:
                        continue
                    item_id = int(self.conn.execute(
                        "SELECT id FROM items WHERE hash = ? AND frame_ms = ?", (d.hash, frame_ms)
                    ).fetchone()[0])
                    cur = self.conn.execute(
                        "INSERT OR IGNORE INTO embeddings (item_id, model_id, vector) VALUES (?, ?, ?)",
                        (item_id, model_id, vector.astype(np.float16).tobytes()),
                    )
                    if cur.rowcount:
                        new_vectors.append((item_id, vector))
                self.conn.execute(
                    f"UPDATE files SET hash=?, status=?, error=NULL, indexed_at=?, {_META_SET} WHERE id=?",
                    (d.hash, STATUS_INDEXED, now, *(getattr(d.meta, c) for c in META_FIELDS), d.file_id),
                )
        return new_vectors

    def item_frames(self, item_ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        """item id -> (content hash, frame_ms): the frames of one video share the hash."""
        out: dict[int, tuple[str, int]] = {}
        for chunk in _chunks([int(i) for i in item_ids], 900):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT id, hash, frame_ms FROM items WHERE id IN ({marks})", chunk)
            out.update((int(i), (h, int(ms or 0))) for i, h, ms in rows)
        return out

    def frame_times(self, content_hashes: Sequence[str]) -> dict[str, tuple[int, ...]]:
        """content hash -> the frame_ms of its items, in order (a video's sampled moments)."""
        out: dict[str, list[int]] = {}
        hashes = list(dict.fromkeys(content_hashes))
        for i in range(0, len(hashes), 900):
            chunk = hashes[i : i + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT hash, frame_ms FROM items WHERE hash IN ({marks}) ORDER BY hash, frame_ms", chunk
            )
            for h, ms in rows:
                out.setdefault(h, []).append(int(ms or 0))
        return {h: tuple(v) for h, v in out.items()}

    def orphan_items(self) -> list[int]:
        """Items no file refers to any more (their vectors can go)."""
        rows = self.conn.execute(
            "SELECT i.id FROM items i WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.hash = i.hash)"
        )
        return [int(r[0]) for r in rows]

    def delete_items(self, item_ids: Sequence[int]) -> None:
        """Items leave with everything derived from them: vectors, hub scores, analyses and
        every analyzer's per-item rows."""
        tables = self._item_tables()
        with self.conn:
            for chunk in _chunks(list(item_ids), 900):
                marks = ",".join("?" * len(chunk))
                for table, key in tables:
                    self.conn.execute(f"DELETE FROM [{table}] WHERE {key} IN ({marks})", chunk)
                self.conn.execute(f"DELETE FROM items WHERE id IN ({marks})", chunk)

    def _item_tables(self) -> list[tuple[str, str]]:
        """The tables with an item_id column (embeddings, hub_scores, analyses, analyzers',
        text in pictures) and the column to delete by: an FTS5 table's rowid is its item id
        (its item_id column is not indexed)."""
        fts = {r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'")}
        return [(t, "rowid" if t in fts else "item_id") for t in self.db.table_names()
                if t != "items" and "item_id" in self.db[t].columns_dict]

    # -- analyzers --------------------------------------------------------------------------
    def ensure_item_table(self, name: str, columns: dict[str, type]) -> None:
        """An analyzer's own table: one row per item (`item_id` is added as the key)."""
        if not _IDENTIFIER.fullmatch(name) or not all(_IDENTIFIER.fullmatch(c) for c in columns):
            raise CatalogError(f"not a valid table or column name: {name} {list(columns)}")
        table = self.db.table(name)
        if not table.exists():
            table.create({"item_id": int, **columns}, pk="item_id", foreign_keys=[("item_id", "items", "id")])
        else:
            table.add_missing_columns([{c: t() for c, t in columns.items()}])  # type: ignore[misc]

    def replace_item_rows(self, name: str, rows: Sequence[dict[str, object]]) -> None:
        """Insert or replace an analyzer's rows (each with its item_id)."""
        if rows:
            with self.conn:
                self.db.table(name).upsert_all(rows, pk="item_id")

    def _unanalyzed_sql(self, select: str) -> str:
        return (
            f"SELECT {select} FROM embeddings e JOIN items i ON i.id = e.item_id "
            "LEFT JOIN analyses a ON a.analyzer = ? AND a.item_id = e.item_id AND a.version = ? "
            "WHERE e.model_id = ? AND a.item_id IS NULL "
            "AND EXISTS (SELECT 1 FROM files f WHERE f.hash = i.hash AND f.status = 'indexed')"
        )

    def count_unanalyzed(self, analyzer: str, version: str, model_id: str) -> int:
        """Items with a vector of this model that this analyzer has not done at this version.

        Every index run and live batch asks, so the common answer (all done) comes from two
        index counts instead of the join over every item."""
        done = int(self.conn.execute("SELECT count(*) FROM analyses WHERE analyzer = ? AND version = ?",
                                     (analyzer, version)).fetchone()[0])
        if done >= self.embedding_key_summary(model_id)[0]:
            return 0
        sql = self._unanalyzed_sql("count(*)")
        return int(self.conn.execute(sql, (analyzer, version, model_id)).fetchone()[0])

    def unanalyzed_items(self, analyzer: str, version: str, model_id: str, limit: int) -> list[AnalyzerItem]:
        sql = self._unanalyzed_sql(
            "i.id, i.frame_ms, (SELECT f.path FROM files f WHERE f.hash = i.hash AND f.status = 'indexed' "
            "ORDER BY f.id LIMIT 1), (SELECT f.media_type FROM files f WHERE f.hash = i.hash "
            "AND f.status = 'indexed' ORDER BY f.id LIMIT 1)"
        ) + " ORDER BY e.item_id LIMIT ?"
        rows = self.conn.execute(sql, (analyzer, version, model_id, limit))
        return [AnalyzerItem(int(r[0]), str(r[2]), int(r[1] or 0), r[3]) for r in rows]

    def mark_analyzed(self, analyzer: str, version: str, item_ids: Sequence[int],
                      errors: dict[int, str] | None = None) -> None:
        """These items are done at this version; `errors` says why some could not be."""
        errors = errors or {}
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO analyses (analyzer, item_id, version, error) VALUES (?, ?, ?, ?)",
                [(analyzer, int(i), version, errors.get(int(i))) for i in item_ids],
            )

    def analysis_errors(self, limit: int = 1000) -> tuple[int, list[tuple[str, str, str]]]:
        """(how many, [(path, analyzer, reason)]) of the items an analyzer failed on."""
        total = int(self.conn.execute("SELECT count(*) FROM analyses WHERE error IS NOT NULL").fetchone()[0])
        rows = self.conn.execute(
            "SELECT (SELECT f.path FROM items i JOIN files f ON f.hash = i.hash WHERE i.id = a.item_id "
            "ORDER BY f.id LIMIT 1), a.analyzer, a.error FROM analyses a WHERE a.error IS NOT NULL "
            "ORDER BY a.item_id LIMIT ?", (limit,))
        return total, [(str(p), str(a), str(e)) for p, a, e in rows if p]

    def embedding_key_summary(self, model_id: str) -> tuple[int, int, int]:
        """(count, sum, max) of the item ids with a vector of this model (one aggregate query)."""
        row = self.conn.execute(
            # +model_id: scan the covering primary-key index (0.1 s at 1M) instead of looking up
            # every row through idx_embeddings_model_id (0.6-2.6 s)
            "SELECT count(*), coalesce(sum(item_id), 0), coalesce(max(item_id), 0) FROM embeddings "
            "WHERE +model_id = ?",
            (model_id,),
        ).fetchone()
        return (int(row[0]), int(row[1]), int(row[2]))

    def embedding_keys(self, model_id: str) -> np.ndarray:
        rows = self.conn.execute("SELECT item_id FROM embeddings WHERE +model_id = ? ORDER BY item_id", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.uint64)

    def vectors(self, item_ids: Sequence[int], model_id: str) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        for chunk in _chunks([int(i) for i in item_ids], 900):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT item_id, vector FROM embeddings WHERE model_id = ? AND item_id IN ({marks})",
                (model_id, *chunk),
            )
            for item_id, blob in rows:
                out[int(item_id)] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return out

    def iter_vectors(self, model_id: str, batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All (keys, float32 vectors) of a model, in batches."""
        cur = self.conn.execute("SELECT item_id, vector FROM embeddings WHERE model_id = ?", (model_id,))
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                return
            keys = np.array([r[0] for r in rows], dtype=np.uint64)
            vecs = np.stack([np.frombuffer(r[1], dtype=np.float16) for r in rows]).astype(np.float32)
            yield keys, vecs

    # -- hubness statistics ---------------------------------------------------------------
    def hub_scores(self, item_ids: Sequence[int], model_id: str, bank: str) -> dict[int, float]:
        """Stored scores of these items for this model and query bank (missing ones absent)."""
        out: dict[int, float] = {}
        for chunk in _chunks([int(i) for i in item_ids], 900):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT item_id, score FROM hub_scores WHERE model_id = ? AND bank = ? AND item_id IN ({marks})",
                (model_id, bank, *chunk),
            )
            out.update((int(i), float(s)) for i, s in rows)
        return out

    def set_hub_scores(self, model_id: str, bank: str, item_ids: Sequence[int], scores: Sequence[float]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO hub_scores (item_id, model_id, bank, score) VALUES (?, ?, ?, ?)",
                [(int(i), model_id, bank, float(s)) for i, s in zip(item_ids, scores, strict=True)],
            )

    def count_hub_scores(self, model_id: str, bank: str) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM hub_scores WHERE model_id = ? AND bank = ?", (model_id, bank)
        ).fetchone()[0])

    def hub_score_sample(self, model_id: str, bank: str, limit: int) -> np.ndarray:
        """Up to about `limit` stored scores, evenly spread over the table."""
        step = max(1, self.count_hub_scores(model_id, bank) // max(limit, 1))
        rows = self.conn.execute(
            "SELECT score FROM hub_scores WHERE model_id = ? AND bank = ? AND rowid % ? = 0", (model_id, bank, step)
        )
        return np.fromiter((r[0] for r in rows), dtype=np.float32)

    def count_embeddings(self, model_id: str) -> int:
        return int(self.conn.execute("SELECT count(*) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()[0])

    def people_in_items(self, item_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """Who is in each item: named people, then the others as "Person 12"; hidden ones not."""
        out: dict[int, list[str]] = {}
        for chunk in _chunks([int(i) for i in item_ids], 900):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT DISTINCT f.item_id, coalesce(p.name, 'Person ' || p.id), p.name IS NULL FROM faces f "
                f"JOIN people p ON p.id = f.person_id WHERE p.hidden = 0 AND f.item_id IN ({marks}) "
                "ORDER BY f.item_id, 3, 2", chunk)
            for item_id, label, _ in rows:
                out.setdefault(int(item_id), []).append(str(label))
        return {k: tuple(v) for k, v in out.items()}

    def item_ids_matching(self, filters: Filters, items: Iterable[int] | None = None) -> np.ndarray:
        """Item ids of indexed files that pass the query filters, among `items` when given
        (a text: filter's matches, core/ocr/store.py). Parameterised SQL: user text never
        enters the statement."""
        where, params = _filter_sql(filters)
        among = ""
        if items is not None:
            among = " AND i.id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(int(i) for i in items)))
        rows = self.conn.execute(
            "SELECT DISTINCT i.id FROM items i JOIN files f ON f.hash = i.hash "
            f"WHERE f.status = ? AND ({where}){among}",
            (STATUS_INDEXED, *params),
        )
        return np.fromiter((r[0] for r in rows), dtype=np.uint64)


@dataclass(frozen=True)
class FileDone:
    """A processed file ready to be committed: its hash, metadata and (new) vector, or for
    a video its frames' (frame_ms, vector) (the first at 0 ms)."""

    file_id: int
    hash: str
    meta: MediaMeta
    vector: np.ndarray | None
    frames: tuple[tuple[int, np.ndarray], ...] = ()


def _filter_sql(filters: Filters) -> tuple[str, list[object]]:
    """A parameterised SQL condition on `files f` (user text never enters the SQL)."""
    clauses: list[str] = []
    params: list[object] = []
    if filters.folder:
        clauses.append("(f.path LIKE ? ESCAPE '\\' OR f.path LIKE ? ESCAPE '\\')")
        esc = filters.folder.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [f"{esc}%", f"%/{esc}/%"]
    if filters.after is not None:
        clauses.append("f.taken_at >= ?")
        params.append(filters.after)
    if filters.before is not None:
        clauses.append("f.taken_at < ?")
        params.append(filters.before)
    if filters.media_type:
        clauses.append("f.media_type = ?")
        params.append(filters.media_type)
    if filters.camera:
        clauses.append("(lower(coalesce(f.camera_make,'') || ' ' || coalesce(f.camera_model,'')) LIKE ?)")
        params.append(f"%{filters.camera.lower()}%")
    if filters.yearly:  # "march", "on this day": the month-day in local time, any year
        first, end = filters.yearly
        md = "strftime('%m-%d', f.taken_at, 'unixepoch', 'localtime')"
        clauses.append(f"({md} >= ? {'AND' if first <= end else 'OR'} {md} < ?)")
        params += [first, end]
    for ids in filters.places:  # "#3,7": place ids, resolved from names by the query (core/places)
        place_ids = [int(p) for p in ids.lstrip("#").split(",") if p.strip()]
        clauses.append("i.id IN (SELECT ip.item_id FROM item_places ip WHERE ip.place_id IN "
                       "(SELECT value FROM json_each(?)))")
        params.append(json.dumps(place_ids))
    for person in filters.people:  # ids, resolved from names by the query (core/faces)
        clauses.append("i.id IN (SELECT fa.item_id FROM faces fa WHERE fa.person_id = ?)")
        params.append(int(person))
    return " AND ".join(clauses) or "1", params


def _damage(exc: BaseException) -> bool:
    """Whether SQLite's error says the file is damaged (not locked, not missing)."""
    text = str(exc).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "disk image"))


def _chunks(seq: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]
