"""People: faces in the catalog, grouped into people the user names and corrects.

New faces join the person most of their close neighbours belong to; faces that match
nobody are grouped among themselves, and a group of MIN_FACES or more becomes a new
(unnamed) person. The user's word is final: a face they assign is pinned, a "not this
person" is remembered, and a name stays with its person through every regrouping
(`regroup()` rebuilds the automatic part from scratch around those).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..catalog import Catalog
from ..errors import PhotolensError, QueryError
from ..names import name_key
from .cluster import THRESHOLD, chinese_whispers, knn_within, pairwise_within, vote
from .detect import DESCRIPTOR_DIM, FoundFace

log = logging.getLogger(__name__)

MIN_FACES = 2  # a group of unknown faces becomes a person from this size (one stranger is not)
MAX_NAME = 100


class PersonNotFoundError(QueryError):
    """No person has this name or number."""


@dataclass(frozen=True)
class Face:
    id: int
    item_id: int
    box: tuple[float, float, float, float]  # left, top, width, height (fractions of the picture)
    person_id: int | None
    person: str | None  # the person's label, when there is one
    pinned: bool
    quality: float


@dataclass(frozen=True)
class Person:
    id: int
    name: str | None
    hidden: bool
    faces: int
    photos: int  # files (a video counts once)
    cover: Face | None  # the best face, for the thumbnail

    @property
    def label(self) -> str:
        return self.name or f"Person {self.id}"


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise PhotolensError("A name cannot be empty")
    if len(cleaned) > MAX_NAME:
        raise PhotolensError(f"A name has at most {MAX_NAME} characters")
    if cleaned.startswith("#") or cleaned.isdigit():
        raise PhotolensError("A name cannot be a number (numbers refer to unnamed people: person:#12)")
    return cleaned


_FACE_SELECT = (
    "SELECT f.id, f.item_id, f.left, f.top, f.width, f.height, f.person_id, "
    "coalesce(p.name, CASE WHEN p.id IS NOT NULL THEN 'Person ' || p.id END), f.pinned, f.quality "
    "FROM faces f LEFT JOIN people p ON p.id = f.person_id"
)


def _face(r: Sequence[Any]) -> Face:
    return Face(int(r[0]), int(r[1]), (float(r[2]), float(r[3]), float(r[4]), float(r[5])),
                None if r[6] is None else int(r[6]), r[7], bool(r[8]), float(r[9] or 0.0))


class People:
    """The faces and people of one catalog. Writes hold one lock: the indexing thread adds
    faces while the GUI renames and corrects."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.conn = catalog.conn
        self._lock = threading.RLock()
        self._cache: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros((0, DESCRIPTOR_DIM), np.float32))

    # -- reading ---------------------------------------------------------------------------
    def everyone(self, *, include_hidden: bool = False) -> list[Person]:
        """Named people first (by name), then the others by how many photos they are in."""
        rows = self.conn.execute(
            "SELECT p.id, p.name, p.hidden, count(f.id), "
            "(SELECT count(DISTINCT fi.hash) FROM faces g JOIN items i ON i.id = g.item_id "
            " JOIN files fi ON fi.hash = i.hash AND fi.status = 'indexed' WHERE g.person_id = p.id) "
            "FROM people p LEFT JOIN faces f ON f.person_id = p.id "
            + ("" if include_hidden else "WHERE p.hidden = 0 ") +
            "GROUP BY p.id"
        ).fetchall()
        covers = self._covers([int(r[0]) for r in rows])
        people = [Person(int(r[0]), r[1], bool(r[2]), int(r[3]), int(r[4]), covers.get(int(r[0]))) for r in rows]
        people = [p for p in people if p.faces or p.name]
        return sorted(people, key=lambda p: (p.name is None, name_key(p.name or ""), -p.photos, p.id))

    def _covers(self, ids: list[int]) -> dict[int, Face]:
        out: dict[int, Face] = {}
        if ids:
            rows = self.conn.execute(
                _FACE_SELECT + " WHERE f.id IN (SELECT (SELECT g.id FROM faces g WHERE g.person_id = p2.id "
                "ORDER BY g.pinned DESC, g.quality DESC, g.id LIMIT 1) FROM people p2)"
            )
            for r in rows:
                face = _face(r)
                if face.person_id is not None:
                    out[face.person_id] = face
        return out

    def get(self, ref: str | int) -> Person:
        """A person by number (12, "12" or "#12") or by name (any case or accents)."""
        pid = self.resolve(ref)
        row = self.conn.execute(
            "SELECT p.name, p.hidden, (SELECT count(*) FROM faces g WHERE g.person_id = p.id), "
            "(SELECT count(DISTINCT fi.hash) FROM faces g JOIN items i ON i.id = g.item_id "
            " JOIN files fi ON fi.hash = i.hash AND fi.status = 'indexed' WHERE g.person_id = p.id) "
            "FROM people p WHERE p.id = ?", (pid,)).fetchone()
        cover = self.conn.execute(_FACE_SELECT + " WHERE f.person_id = ? ORDER BY f.pinned DESC, f.quality DESC, "
                                  "f.id LIMIT 1", (pid,)).fetchone()
        return Person(pid, row[0], bool(row[1]), int(row[2]), int(row[3]), _face(cover) if cover else None)

    def resolve(self, ref: str | int) -> int:
        text = str(ref).strip()
        if text.lstrip("#").isdigit():
            row = self.conn.execute("SELECT id FROM people WHERE id = ?", (int(text.lstrip("#")),)).fetchone()
            if row:
                return int(row[0])
            raise PersonNotFoundError(f"There is no person #{text.lstrip('#')}")
        row = self.conn.execute("SELECT id FROM people WHERE name_key = ?", (name_key(text),)).fetchone()
        if row:
            return int(row[0])
        named = [r[0] for r in self.conn.execute("SELECT name FROM people WHERE name IS NOT NULL ORDER BY name_key")]
        hint = f" (named so far: {', '.join(named[:10])}{'…' if len(named) > 10 else ''})" if named else \
            " (nobody is named yet: name people in the People view or with `photolens people name`)"
        raise PersonNotFoundError(f"Nobody is named {text!r}{hint}")

    def faces_in_item(self, item_id: int) -> list[Face]:
        return [_face(r) for r in self.conn.execute(_FACE_SELECT + " WHERE f.item_id = ? ORDER BY f.left", (item_id,))]

    def faces_of(self, person: str | int) -> list[Face]:
        pid = self.resolve(person)
        return [_face(r) for r in self.conn.execute(
            _FACE_SELECT + " WHERE f.person_id = ? ORDER BY f.quality DESC, f.id", (pid,))]

    def face(self, face_id: int) -> Face:
        row = self.conn.execute(_FACE_SELECT + " WHERE f.id = ?", (int(face_id),)).fetchone()
        if row is None:
            raise PhotolensError(f"There is no face #{face_id} (its picture may have been removed)")
        return _face(row)

    def count_faces(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM faces").fetchone()[0])

    # -- the analyzer's side ---------------------------------------------------------------
    def add_faces(self, found: dict[int, list[FoundFace]]) -> list[int]:
        """Store the faces found in these items (replacing what an older analysis found:
        a face at the same place keeps its person), then give the new faces their people."""
        with self._lock, self.conn:
            new_ids: list[int] = []
            for item_id, faces in found.items():
                kept = self._replace_item_faces(item_id, faces)
                new_ids += kept
            self._assign(new_ids)
        return new_ids

    def _replace_item_faces(self, item_id: int, faces: list[FoundFace]) -> list[int]:
        old = self.faces_in_item(item_id)
        self.conn.execute("DELETE FROM faces WHERE item_id = ?", (item_id,))
        new: list[int] = []
        for f in faces:
            prior = next((o for o in old if _same_place(o.box, f.box)), None)
            cur = self.conn.execute(
                "INSERT INTO faces (item_id, left, top, width, height, landmarks, descriptor, score, quality, "
                "person_id, pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (item_id, *f.box, json.dumps([list(p) for p in f.landmarks]),
                 np.asarray(f.descriptor, dtype=np.float32).tobytes(), f.score, f.quality,
                 prior.person_id if prior and prior.pinned else None, int(bool(prior and prior.pinned))),
            )
            if not (prior and prior.pinned):
                new.append(int(cur.lastrowid or 0))
        return new

    def _descriptors(self) -> tuple[np.ndarray, list[int | None], np.ndarray]:
        """Every face's id, person and descriptor, in id order. A face's descriptor never
        changes, so they stay in memory between calls and only new faces' are read (each
        analyzer batch otherwise read all of them: 51 MB at 100k faces)."""
        rows = self.conn.execute("SELECT id, person_id FROM faces ORDER BY id").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        people: list[int | None] = [None if r[1] is None else int(r[1]) for r in rows]
        cached_ids, cached = self._cache
        keep = np.isin(cached_ids, ids)
        cached_ids, cached = cached_ids[keep], cached[keep]
        missing = ids[~np.isin(ids, cached_ids)]
        blobs: list[bytes] = []
        for start in range(0, len(missing), 900):
            chunk = [int(i) for i in missing[start:start + 900]]
            marks = ",".join("?" * len(chunk))
            found = dict(self.conn.execute(f"SELECT id, descriptor FROM faces WHERE id IN ({marks})", chunk))
            blobs += [found[i] for i in chunk]
        fresh = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(-1, DESCRIPTOR_DIM)
        all_ids = np.concatenate([cached_ids, missing])
        order = np.argsort(all_ids, kind="stable")
        desc = np.concatenate([cached, fresh])[order]
        self._cache = (all_ids[order], desc)
        return ids, people, desc

    def _refusals(self) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for fid, pid in self.conn.execute("SELECT face_id, person_id FROM face_rejections"):
            out[int(fid)].add(int(pid))
        return out

    def _assign(self, new_ids: list[int]) -> None:
        """New faces: join the people of their neighbours, or group with other unknown faces."""
        if not new_ids:
            return
        ids, people, desc = self._descriptors()
        row_of = {int(f): i for i, f in enumerate(ids)}
        new_rows = [row_of[f] for f in new_ids if f in row_of]
        refused = self._refusals()
        known = [i for i, p in enumerate(people) if p is not None]
        if known:
            near = pairwise_within(desc[new_rows], desc[known])
            for r, neighbours in zip(new_rows, near, strict=True):
                pid = vote([(known[j], d) for j, d in neighbours], people, refused.get(int(ids[r]), set()))
                if pid is not None:
                    people[r] = pid
                    self.conn.execute("UPDATE faces SET person_id = ? WHERE id = ?", (pid, int(ids[r])))
        # the rest: grouped with every face nobody has yet (old strangers seen again)
        unknown = [i for i, p in enumerate(people) if p is None]
        fresh = [r for r in new_rows if people[r] is None]
        if not fresh:
            return
        near = pairwise_within(desc[fresh], desc[unknown])
        nodes = sorted({r for r in fresh} | {unknown[j] for row in near for j, _ in row})
        local = {r: i for i, r in enumerate(nodes)}
        edges = [(local[r], local[unknown[j]], d) for r, row in zip(fresh, near, strict=True) for j, d in row
                 if unknown[j] != r]
        labels = chinese_whispers(len(nodes), edges)
        groups: dict[int, list[int]] = defaultdict(list)
        for r, label in zip(nodes, labels, strict=True):
            groups[label].append(r)
        for members in groups.values():
            if len(members) >= MIN_FACES:
                pid = self._new_person()
                self.conn.executemany("UPDATE faces SET person_id = ? WHERE id = ?",
                                      [(pid, int(ids[r])) for r in members])

    def _new_person(self, name: str | None = None) -> int:
        cur = self.conn.execute("INSERT INTO people (name, name_key, hidden, created_at) VALUES (?, ?, 0, ?)",
                                (name, name_key(name) if name else None, time.time()))
        return int(cur.lastrowid or 0)

    # -- the user's corrections ------------------------------------------------------------
    def rename(self, person: str | int, name: str | None) -> Person:
        """Name a person (None or "" clears the name). Names are unique, whatever their case."""
        pid = self.resolve(person)
        with self._lock, self.conn:
            if name is None or not name.strip():
                self.conn.execute("UPDATE people SET name = NULL, name_key = NULL WHERE id = ?", (pid,))
            else:
                cleaned = _clean_name(name)
                other = self.conn.execute("SELECT id, name FROM people WHERE name_key = ? AND id != ?",
                                          (name_key(cleaned), pid)).fetchone()
                if other:
                    raise PhotolensError(f"{other[1]} is another person (#{other[0]}): merge the two instead")
                self.conn.execute("UPDATE people SET name = ?, name_key = ? WHERE id = ?",
                                  (cleaned, name_key(cleaned), pid))
        return self.get(pid)

    def merge(self, into: str | int, *others: str | int) -> Person:
        """Everyone in `others` becomes `into` (their faces, pinned ones too); a name moves
        over when `into` has none."""
        target = self.resolve(into)
        sources = [self.resolve(o) for o in others]
        if target in sources:
            raise PhotolensError("Cannot merge a person into themselves")
        with self._lock, self.conn:
            for src in sources:
                name = self.conn.execute("SELECT name FROM people WHERE id = ?", (src,)).fetchone()[0]
                self.conn.execute("UPDATE faces SET person_id = ? WHERE person_id = ?", (target, src))
                self.conn.execute("UPDATE OR IGNORE face_rejections SET person_id = ? WHERE person_id = ?",
                                  (target, src))
                self.conn.execute("DELETE FROM people WHERE id = ?", (src,))
                has_name = self.conn.execute("SELECT name FROM people WHERE id = ?", (target,)).fetchone()[0]
                if name and not has_name:
                    self.conn.execute("UPDATE people SET name = ?, name_key = ? WHERE id = ?",
                                      (name, name_key(name), target))
        return self.get(target)

    def split(self, face_ids: Sequence[int], name: str | None = None) -> Person:
        """These faces are someone else: a new person (named, if a name is given), pinned."""
        if not face_ids:
            raise PhotolensError("Choose the faces that are someone else")
        faces = [self.face(f) for f in face_ids]
        with self._lock, self.conn:
            if name:
                cleaned = _clean_name(name)
                if self.conn.execute("SELECT 1 FROM people WHERE name_key = ?", (name_key(cleaned),)).fetchone():
                    raise PhotolensError(f"{cleaned} is already a person: assign the faces to them instead")
            pid = self._new_person(_clean_name(name) if name else None)
            for f in faces:
                if f.person_id is not None:
                    self.conn.execute("INSERT OR IGNORE INTO face_rejections VALUES (?, ?)", (f.id, f.person_id))
                self.conn.execute("UPDATE faces SET person_id = ?, pinned = 1 WHERE id = ?", (pid, f.id))
        return self.get(pid)

    def assign(self, face_id: int, person: str | int) -> Person:
        """This face is this person (a name nobody has yet makes a new person). Pinned."""
        face = self.face(face_id)
        with self._lock, self.conn:
            try:
                pid = self.resolve(person)
            except PersonNotFoundError:
                if str(person).strip().lstrip("#").isdigit():
                    raise
                pid = self._new_person(_clean_name(str(person)))
            self.conn.execute("DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?", (face.id, pid))
            self.conn.execute("UPDATE faces SET person_id = ?, pinned = 1 WHERE id = ?", (pid, face.id))
        return self.get(pid)

    def reject(self, face_id: int) -> None:
        """"Not this person": the face leaves its person and never joins them again."""
        face = self.face(face_id)
        if face.person_id is None:
            return
        with self._lock, self.conn:
            self.conn.execute("INSERT OR IGNORE INTO face_rejections VALUES (?, ?)", (face.id, face.person_id))
            self.conn.execute("UPDATE faces SET person_id = NULL, pinned = 0 WHERE id = ?", (face.id,))

    def hide(self, person: str | int, hidden: bool = True) -> Person:
        """Hidden people leave the People view and the suggestions; their faces stay theirs."""
        pid = self.resolve(person)
        with self._lock, self.conn:
            self.conn.execute("UPDATE people SET hidden = ? WHERE id = ?", (int(hidden), pid))
        return self.get(pid)

    # -- regrouping ------------------------------------------------------------------------
    def regroup(self) -> int:
        """Group every face again from scratch, keeping the user's corrections: pinned faces
        stay, refused people stay refused, and a group takes over the person (and name) most
        of its faces had. Returns the number of people afterwards."""
        with self._lock, self.conn:
            ids, people, desc = self._descriptors()
            pinned = {int(r[0]) for r in self.conn.execute("SELECT id FROM faces WHERE pinned = 1")}
            refused = self._refusals()
            near = knn_within(desc)
            edges = [(i, j, d) for i, row in enumerate(near) for j, d in row if i < j]
            labels = chinese_whispers(len(ids), edges)
            groups: dict[int, list[int]] = defaultdict(list)
            for i, label in enumerate(labels):
                groups[label].append(i)
            claimed: set[int] = set()
            result: list[int | None] = [None] * len(ids)
            # groups holding pinned faces first: they decide who the group is
            order = sorted(groups.values(), key=lambda g: (-sum(int(ids[i]) in pinned for i in g), -len(g)))
            for members in order:
                votes = Counter(people[i] for i in members if int(ids[i]) in pinned and people[i] is not None)
                if not votes:
                    votes = Counter(people[i] for i in members if people[i] is not None and people[i] not in claimed)
                pid = votes.most_common(1)[0][0] if votes else None
                if pid is None and len(members) >= MIN_FACES:
                    pid = self._new_person()
                if pid is not None:
                    claimed.add(pid)
                for i in members:
                    fid = int(ids[i])
                    if fid in pinned:
                        result[i] = people[i]
                    elif pid is not None and pid not in refused.get(fid, set()):
                        result[i] = pid
            self.conn.executemany("UPDATE faces SET person_id = ? WHERE id = ?",
                                  [(p, int(f)) for f, p in zip(ids, result, strict=True)])
            self.conn.execute("DELETE FROM people WHERE name IS NULL AND id NOT IN "
                              "(SELECT DISTINCT person_id FROM faces WHERE person_id IS NOT NULL)")
            count = int(self.conn.execute("SELECT count(*) FROM people").fetchone()[0])
        log.info("regrouped %d faces into %d people", len(ids), count)
        return count

    def forget_empty(self) -> None:
        """Unnamed people whose faces have all gone (their pictures were deleted) go too."""
        with self._lock, self.conn:
            self.conn.execute("DELETE FROM people WHERE name IS NULL AND id NOT IN "
                              "(SELECT DISTINCT person_id FROM faces WHERE person_id IS NOT NULL)")


def _same_place(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return abs((ax + aw / 2) - (bx + bw / 2)) < aw / 2 and abs((ay + ah / 2) - (by + bh / 2)) < ah / 2


__all__ = ["MIN_FACES", "THRESHOLD", "Face", "People", "Person", "PersonNotFoundError", "name_key"]
