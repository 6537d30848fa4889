"""LibraryTerms: the names a library knows (people, places, folders, cameras), for the
query planner to look a query's words up in. Read from the catalog in a few small queries,
and kept by TermsCache until the catalog changes."""

from __future__ import annotations

import logging
import posixpath
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..catalog import Catalog
from ..names import name_key
from ..places.store import PlaceIndex, PlaceMatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NamedPerson:
    id: int
    name: str
    photos: int


@dataclass(frozen=True)
class LibraryTerms:
    """name_key -> what it names. Folder and camera names map to the value their filter takes."""

    people: dict[str, NamedPerson] = field(default_factory=dict)
    places: dict[str, PlaceMatch] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=dict)  # key -> the folder's name as on disk
    cameras: dict[str, str] = field(default_factory=dict)  # key -> make or model as the camera writes it
    longest: int = 1  # words in the longest name

    @classmethod
    def read(cls, catalog: Catalog) -> LibraryTerms:
        conn = catalog.conn
        people: dict[str, NamedPerson] = {}
        firsts: dict[str, list[NamedPerson]] = {}
        rows = conn.execute(
            "SELECT p.id, p.name, (SELECT count(DISTINCT i.hash) FROM faces g JOIN items i ON i.id = g.item_id "
            "WHERE g.person_id = p.id) FROM people p WHERE p.name IS NOT NULL AND p.hidden = 0")
        for pid, name, photos in rows:
            person = NamedPerson(int(pid), str(name), int(photos or 0))
            people[name_key(person.name)] = person
            first = name_key(person.name).split(" ")[0]
            firsts.setdefault(first, []).append(person)
        for first, named in firsts.items():  # "Anna" for Anna Smith, if she is the only Anna
            if len(named) == 1 and first not in people:
                people[first] = named[0]
        places = PlaceIndex(catalog).names(codes=False)  # "us", "it": codes only as place:US
        folders: dict[str, str] = {}
        roots = sorted((f.path.rstrip("/") for f in catalog.folders()), key=len, reverse=True)
        for root in roots:
            folders.setdefault(name_key(posixpath.basename(root)), posixpath.basename(root))
        # every folder that holds indexed files, and its parents up to the root (file_dirs: kept by
        # triggers); a parent seen once has had its own parents seen too
        seen: set[str] = set()
        for (parent,) in conn.execute("SELECT dir FROM file_dirs"):
            under = next((r for r in roots if parent.startswith(r + "/")), None)
            while under and len(parent) > len(under) and parent not in seen:
                seen.add(parent)
                name = posixpath.basename(parent)
                folders.setdefault(name_key(name), name)
                parent = posixpath.dirname(parent)
        cameras: dict[str, str] = {}
        for make, model in conn.execute("SELECT make, model FROM file_cameras"):
            for value in (make, model):
                if value and len(str(value).strip()) >= 3:
                    cameras.setdefault(name_key(str(value)), str(value).strip())
        folders.pop("", None)
        longest = max((len(k.split(" ")) for d in (people, places, folders, cameras) for k in d), default=1)
        return cls(people, places, folders, cameras, min(longest, 5))


class TermsCache:
    """The library's terms, read again when the names may have changed: at once when a
    person or a place was added, renamed, hidden or merged (a cheap signature of those two
    small tables), and otherwise at most every MAX_AGE_S while the catalog changes (while
    indexing, every batch changes it)."""

    MAX_AGE_S = 30.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._stamp: tuple[object, ...] | None = None
        self._names: tuple[object, ...] | None = None
        self._read_at = 0.0
        self._terms: LibraryTerms | None = None

    def get(self, catalog: Catalog) -> LibraryTerms:
        conn = catalog.conn
        stamp = (int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes)
        with self._lock:
            if self._terms is not None and stamp == self._stamp:
                return self._terms
            names = _names_signature(catalog)
            fresh = self._terms is not None and names == self._names and \
                self._clock() - self._read_at < self.MAX_AGE_S
            if not fresh:  # (else the stamp stays old: the next search looks again)
                self._terms = LibraryTerms.read(catalog)
                self._names, self._read_at, self._stamp = names, self._clock(), stamp
            assert self._terms is not None
            return self._terms


def _names_signature(catalog: Catalog) -> tuple[object, ...]:
    """Changes whenever a person is named, renamed, hidden or merged, a place appears, or a
    folder or camera gets its first indexed file or loses its last."""
    people = catalog.conn.execute(  # a few thousand short rows at most: microseconds
        "SELECT count(*), group_concat(id || ':' || coalesce(name, '') || ':' || hidden, '|') "
        "FROM (SELECT id, name, hidden FROM people ORDER BY id)").fetchone()
    places = catalog.conn.execute("SELECT count(*), coalesce(max(id), 0) FROM places").fetchone() \
        if PlaceIndex(catalog).available else (0, 0)
    names = catalog.conn.execute(  # a folder or camera first or last seen (rows kept by triggers)
        "SELECT (SELECT count(*) FROM file_dirs), (SELECT count(*) FROM file_cameras)").fetchone()
    return (*people, *places, *names)
