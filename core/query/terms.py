"""LibraryTerms: the names a library knows (people, places, folders, cameras), for the
query planner to look a query's words up in. Read from the catalog in a few small queries,
and kept by TermsCache until the catalog changes."""

from __future__ import annotations

import logging
import posixpath
import threading
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
        for (path,) in conn.execute("SELECT DISTINCT rtrim(path, replace(path, '/', '')) FROM files "
                                    "WHERE status = 'indexed'"):
            parent = str(path).rstrip("/")
            under = next((r for r in roots if parent.startswith(r + "/")), None)
            while under and len(parent) > len(under):
                folders.setdefault(name_key(posixpath.basename(parent)), posixpath.basename(parent))
                parent = posixpath.dirname(parent)
        cameras: dict[str, str] = {}
        for make, model in conn.execute("SELECT DISTINCT camera_make, camera_model FROM files "
                                        "WHERE camera_make IS NOT NULL OR camera_model IS NOT NULL"):
            for value in (make, model):
                if value and len(str(value).strip()) >= 3:
                    cameras.setdefault(name_key(str(value)), str(value).strip())
        folders.pop("", None)
        longest = max((len(k.split(" ")) for d in (people, places, folders, cameras) for k in d), default=1)
        return cls(people, places, folders, cameras, min(longest, 5))


class TermsCache:
    """The library's terms, read again only when the catalog has changed (SQLite's
    data_version for other connections' writes, total_changes for this one's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._terms: LibraryTerms | None = None

    def get(self, catalog: Catalog) -> LibraryTerms:
        stamp = (int(catalog.conn.execute("PRAGMA data_version").fetchone()[0]), catalog.conn.total_changes)
        with self._lock:
            if self._terms is None or stamp != self._stamp:
                self._terms = LibraryTerms.read(catalog)
                self._stamp = stamp
            return self._terms
