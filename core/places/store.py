"""PlaceIndex: the library's places (tables of migration m010_places) and how names find them.

A name finds the places that carry it at the most specific level where any does: a
city (or the big city a district belongs to) first, then a county, a region, a country,
a country code. So `place:Lisbon` is the city of Lisbon (its districts included), not
the whole Lisbon region, while `place:Portugal` is every place in Portugal. Names compare
without case or accents ("lisboa", "Zürich" = "zurich").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..catalog import Catalog
from ..errors import QueryError
from ..names import name_key
from .geocode import Place

log = logging.getLogger(__name__)

LEVELS = ("city", "metro", "county", "region", "country", "country_code")
_RANK = {"city": 0, "metro": 0, "county": 1, "region": 2, "country": 3, "country_code": 4}
LEVEL_WORDS = {0: "city", 1: "county", 2: "region", 3: "country", 4: "country"}


class PlaceNotFoundError(QueryError):
    """No picture of the library was taken in a place of that name."""


@dataclass(frozen=True)
class PlaceMatch:
    """The places a name stands for, at one level ("city", "region", "country")."""

    name: str  # as the library spells it ("Lisbon")
    level: str
    place_ids: tuple[int, ...]
    photos: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.level})"


@dataclass(frozen=True)
class PlaceCount:
    """A place of the Places list: its name, country, and how many pictures were taken there."""

    name: str
    country: str | None
    photos: int
    place_ids: tuple[int, ...]

    @property
    def label(self) -> str:
        return self.name if not self.country or self.country == self.name else f"{self.name}, {self.country}"


@dataclass(frozen=True)
class ItemPlace:
    """Where one item was taken: the place and the position."""

    place: Place
    lat: float
    lon: float


def place_key(place: Place) -> str:
    return "|".join(getattr(place, level) or "" for level in LEVELS)


class PlaceIndex:
    """Reads and writes places through a catalog's connection (writes: the indexing thread)."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.conn = catalog.conn

    @property
    def available(self) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'item_places'").fetchone() is not None

    def store(self, rows: Sequence[tuple[int, Place | None, float, float]]) -> None:
        """Each item's place (None: no place; an earlier one is removed)."""
        with self.conn:
            for item_id, place, lat, lon in rows:
                if place is None:
                    self.conn.execute("DELETE FROM item_places WHERE item_id = ?", (item_id,))
                    continue
                pid = self._place_id(place)
                self.conn.execute("INSERT OR REPLACE INTO item_places (item_id, place_id, lat, lon) VALUES (?, ?, ?, ?)",
                                  (item_id, pid, lat, lon))
            self.conn.execute("DELETE FROM places WHERE id NOT IN (SELECT place_id FROM item_places)")

    def _place_id(self, place: Place) -> int:
        key = place_key(place)
        row = self.conn.execute("SELECT id FROM places WHERE key = ?", (key,)).fetchone()
        if row:
            return int(row[0])
        cur = self.conn.execute(
            "INSERT INTO places (city, metro, county, region, country, country_code, key) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*(getattr(place, level) for level in LEVELS), key))
        return int(cur.lastrowid or 0)

    def _rows(self) -> list[tuple[int, Place, int]]:
        """Every place with the number of pictures (distinct contents, a video once) in it."""
        if not self.available:
            return []
        rows = self.conn.execute(
            "SELECT p.id, p.city, p.metro, p.county, p.region, p.country, p.country_code, count(DISTINCT i.hash) "
            "FROM places p JOIN item_places ip ON ip.place_id = p.id JOIN items i ON i.id = ip.item_id "
            "WHERE EXISTS (SELECT 1 FROM files f WHERE f.hash = i.hash AND f.status = 'indexed') "
            "GROUP BY p.id")
        return [(int(r[0]), Place(*r[1:7]), int(r[7])) for r in rows]

    def everywhere(self) -> list[PlaceCount]:
        """The Places list: each city (districts in their city) with its picture count,
        most pictures first; places known only by region are listed by region."""
        groups: dict[tuple[str, str | None], list[tuple[int, int]]] = defaultdict(list)
        for pid, place, photos in self._rows():
            name = place.metro or place.city or place.county or place.region or place.country or "?"
            groups[(name, place.country)].append((pid, photos))
        out = [PlaceCount(name, country, sum(n for _, n in members), tuple(sorted(p for p, _ in members)))
               for (name, country), members in groups.items()]
        return sorted(out, key=lambda c: (-c.photos, name_key(c.name)))

    def countries(self) -> list[PlaceCount]:
        groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for pid, place, photos in self._rows():
            groups[place.country or "?"].append((pid, photos))
        return sorted((PlaceCount(c, None, sum(n for _, n in m), tuple(sorted(p for p, _ in m)))
                       for c, m in groups.items()), key=lambda c: (-c.photos, name_key(c.name)))

    def names(self, *, codes: bool = True) -> dict[str, PlaceMatch]:
        """Every name a place of the library answers to (name_key -> its match): what the
        query planner looks words up in (without country codes: "us", "it" are words)."""
        found: dict[str, dict[int, list[tuple[int, str, int]]]] = defaultdict(lambda: defaultdict(list))
        for pid, place, photos in self._rows():
            for level in LEVELS if codes else LEVELS[:-1]:
                value = getattr(place, level)
                if value:
                    found[name_key(value)][_RANK[level]].append((pid, value, photos))
        out: dict[str, PlaceMatch] = {}
        for key, by_rank in found.items():
            rank = min(by_rank)
            members = by_rank[rank]
            spelt = max(members, key=lambda m: m[2])[1]
            ids = tuple(sorted({m[0] for m in members}))
            out[key] = PlaceMatch(spelt, LEVEL_WORDS[rank], ids, sum(m[2] for m in members))
        return out

    def resolve(self, name: str) -> PlaceMatch:
        """place:Lisbon -> the places called Lisbon (PlaceNotFoundError names the known ones)."""
        key = name_key(name)
        known = self.names()
        if key in known:
            return known[key]
        top = [c.label for c in self.everywhere()[:8]]
        hint = f" (places in this library: {'; '.join(top)}{'…' if len(top) == 8 else ''})" if top else \
            " (no picture of this library has a GPS position yet)"
        raise PlaceNotFoundError(f"No picture was taken in a place called {name!r}{hint}")

    def for_items(self, item_ids: Iterable[int]) -> dict[int, ItemPlace]:
        ids = sorted({int(i) for i in item_ids})
        if not ids or not self.available:
            return {}
        out: dict[int, ItemPlace] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT ip.item_id, ip.lat, ip.lon, p.city, p.metro, p.county, p.region, p.country, p.country_code "
                f"FROM item_places ip JOIN places p ON p.id = ip.place_id WHERE ip.item_id IN ({marks})", chunk)
            for r in rows:
                out[int(r[0])] = ItemPlace(Place(*r[3:9]), float(r[1]), float(r[2]))
        return out

    def positions(self, item_ids: Sequence[int]) -> dict[int, tuple[float, float]]:
        """The GPS position of each item's file (items without one are left out)."""
        out: dict[int, tuple[float, float]] = {}
        for start in range(0, len(item_ids), 900):
            chunk = [int(i) for i in item_ids[start:start + 900]]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT i.id, f.gps_lat, f.gps_lon FROM items i JOIN files f ON f.hash = i.hash "
                f"WHERE i.id IN ({marks}) AND f.gps_lat IS NOT NULL AND f.gps_lon IS NOT NULL "
                "ORDER BY f.id", chunk)
            for item_id, lat, lon in rows:
                out.setdefault(int(item_id), (float(lat), float(lon)))
        return out

    def count(self) -> int:
        if not self.available:
            return 0
        return int(self.conn.execute("SELECT count(DISTINCT i.hash) FROM item_places ip "
                                     "JOIN items i ON i.id = ip.item_id").fetchone()[0])
