"""People: what finding faces costs, how long grouping takes, how fast person: answers.

    python tests/bench/faces_bench.py [--quick] [--json FILE]

1. Faces in 12-MP photos (4000x3000 JPEGs made from the test photos: none, one and three
   faces), one process: ms per picture (decode included) and faces per second.
2. The analyzer on 2 cores: the indexer's analyzer stage with 2 worker processes over 24
   such photos (8 of each kind): pictures per second.
3. Grouping 100k faces (synthetic 128-d descriptors: 10k people x 10 faces, spread like
   dlib's: ~0.35 within a person, ~0.85 between): a full regroup, and adding one batch of 8
   new faces to a library that already has them all (what each analyzer batch costs).
4. person: at 100k pictures (a face each, 10k people): the filter's SQL and the whole
   browse query ("person:#ID" alone).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import base_parser, machine_info, print_machine, write_json  # noqa: E402


def _photos(folder: Path, count: int = 8, size: tuple[int, int] = (4000, 3000)) -> dict[str, list[Path]]:
    from PIL import Image

    from tests.faces_photos import photo

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    kinds: dict[str, list[Path]] = {"none": [], "one": [], "three": []}
    people = [photo(n) for n in ("obama.jpg", "biden.jpg", "obama2.jpg")]
    w, h = size
    k = w / 4000
    for i in range(count):
        base = photo("coffee.jpg").resize(size)
        noise = Image.fromarray(rng.integers(0, 40, (h, w, 3), dtype=np.uint8))
        base = Image.blend(base, noise, 0.15)
        base.save(folder / f"none{i}.jpg", quality=90)
        kinds["none"].append(folder / f"none{i}.jpg")
        one = base.copy()
        one.paste(_tall(people[i % 3], int(1750 * k)), (int((1300 + i * 20) * k), int(600 * k)))
        one.save(folder / f"one{i}.jpg", quality=90)
        kinds["one"].append(folder / f"one{i}.jpg")
        three = base.copy()
        for j, p in enumerate(people):
            three.paste(_tall(p, int(1250 * k)), (int((200 + j * 1300) * k), int(900 * k)))
        three.save(folder / f"three{i}.jpg", quality=90)
        kinds["three"].append(folder / f"three{i}.jpg")
    return kinds


def _tall(image, height: int):  # noqa: ANN001, ANN202 - PIL images
    """Scaled to this height, its proportions kept (a stretched face is no face to HOG)."""
    return image.resize((max(1, image.width * height // image.height), height))


def faces_per_picture(kinds: dict[str, list[Path]], reps: int) -> dict[str, object]:
    from photolens.core.catalog import AnalyzerItem
    from photolens.core.faces.detect import _models, faces_in_item

    _models()  # loading the models (once per worker process) is counted apart
    out: dict[str, object] = {}
    for kind, paths in kinds.items():
        times, faces = [], 0
        for _ in range(reps):
            for p in paths[:4]:
                t = time.perf_counter()
                found = faces_in_item(AnalyzerItem(1, str(p), 0, "image"))
                times.append(time.perf_counter() - t)
                faces += len(found)
        ms = statistics.median(times) * 1000
        out[kind] = {"ms_per_picture": round(ms, 1), "faces_per_picture": faces / len(times)}
        print(f"  {kind:>5} face(s): {ms:7.1f} ms a 12-MP picture (median of {len(times)}), "
              f"{faces / len(times):.1f} faces found", flush=True)
    t = time.perf_counter()
    from photolens.core.faces import detect

    detect._models.cache_clear()
    detect._models()
    out["model_load_s"] = round(time.perf_counter() - t, 2)
    three = out["three"]
    assert isinstance(three, dict)
    out["faces_per_second_one_core"] = round(three["faces_per_picture"] / (three["ms_per_picture"] / 1000), 2)
    print(f"  models load in {out['model_load_s']} s per process; "
          f"{out['faces_per_second_one_core']} faces/s on one core (3-face pictures)", flush=True)
    return out


def analyzer_on_two_cores(kinds: dict[str, list[Path]], work: Path) -> dict[str, object]:
    """The real stage: catalog items for the photos, the FaceAnalyzer, 2 worker processes."""
    from photolens.core.analyzers import AnalyzerStage
    from photolens.core.catalog import Catalog
    from photolens.core.faces.analyzer import FaceAnalyzer
    from photolens.core.faces.people import People
    from photolens.core.progress import Controls

    catalog = Catalog(work / "stage.db")
    paths = [p for ps in kinds.values() for p in ps]
    folder = catalog.add_folder(str(paths[0].parent))
    with catalog.conn:
        for i, p in enumerate(paths, 1):
            catalog.conn.execute("INSERT INTO files (id, folder_id, path, size, mtime_ns, hash, media_type, status) "
                                 "VALUES (?, ?, ?, 0, 0, ?, 'image', 'indexed')", (i, folder, str(p), f"h{i}"))
            catalog.conn.execute("INSERT INTO items (id, hash, frame_ms) VALUES (?, ?, 0)", (i, f"h{i}"))
            catalog.conn.execute("INSERT INTO embeddings (item_id, model_id, vector) VALUES (?, 'm', x'00')", (i,))
    stage = AnalyzerStage(catalog, "m", [FaceAnalyzer(People(catalog))], workers=2, low_priority=False)
    t = time.perf_counter()
    report = stage.run(lambda _p: None, Controls.new())
    wall = time.perf_counter() - t
    faces = People(catalog).count_faces()
    catalog.close()
    out = {"pictures": len(paths), "faces": faces, "wall_s": round(wall, 2),
           "pictures_per_s": round(len(paths) / wall, 2), "analyzed": report.analyzed}
    print(f"  analyzer stage, 2 workers: {len(paths)} pictures ({faces} faces) in {wall:.1f} s = "
          f"{out['pictures_per_s']} pictures/s (starting the workers and loading their models included)",
          flush=True)
    return out


def synthetic_faces(people: int, per: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 0.85 / np.sqrt(2 * 128), (people, 128)).astype(np.float32)
    noise = rng.normal(0, 0.35 / np.sqrt(2 * 128), (people, per, 128)).astype(np.float32)
    return (centres[:, None, :] + noise).reshape(-1, 128)


def _fill(catalog, desc: np.ndarray, per: int) -> None:  # noqa: ANN001
    n = len(desc)
    folder = catalog.add_folder("/bench")
    with catalog.conn:
        catalog.conn.executemany(
            "INSERT INTO files (id, folder_id, path, size, mtime_ns, hash, media_type, taken_at, status) "
            "VALUES (?, ?, ?, 0, 0, ?, 'image', ?, 'indexed')",
            ((i, folder, f"/bench/{i // 1000:03d}/IMG_{i:06d}.jpg", f"h{i}", 1.3e9 + i * 60) for i in range(1, n + 1)))
        catalog.conn.executemany("INSERT INTO items (id, hash, frame_ms) VALUES (?, ?, 0)",
                                 ((i, f"h{i}") for i in range(1, n + 1)))
        catalog.conn.executemany(
            "INSERT INTO faces (item_id, left, top, width, height, landmarks, descriptor, score, quality) "
            "VALUES (?, 0.4, 0.3, 0.2, 0.25, '[]', ?, 1.0, 0.8)",
            ((i + 1, desc[i].tobytes()) for i in range(n)))


def grouping(n_people: int, per: int, work: Path) -> dict[str, object]:
    from photolens.core.catalog import Catalog
    from photolens.core.faces.detect import FoundFace
    from photolens.core.faces.people import People

    desc = synthetic_faces(n_people, per)
    catalog = Catalog(work / "group.db")
    _fill(catalog, desc, per)
    people = People(catalog)
    t = time.perf_counter()
    count = people.regroup()
    regroup_s = time.perf_counter() - t
    truth = np.repeat(np.arange(n_people), per)
    rows = catalog.conn.execute("SELECT item_id, person_id FROM faces ORDER BY item_id").fetchall()
    assigned = np.array([-1 if p is None else p for _, p in rows])
    # purity: for each found person, the share of its faces from its main true identity
    pure, total = 0, 0
    for pid in set(assigned.tolist()) - {-1}:
        members = truth[assigned == pid]
        pure += np.bincount(members).max()
        total += len(members)
    grouped = total / len(desc)
    purity = pure / max(total, 1)
    # one analyzer batch on top: 8 new pictures of known people
    extra = synthetic_faces(n_people, per + 1)[per::per + 1][:8]
    with catalog.conn:
        start = len(desc) + 1
        catalog.conn.executemany("INSERT INTO items (id, hash, frame_ms) VALUES (?, ?, 0)",
                                 ((start + i, f"x{i}") for i in range(8)))
    found = {start + i: [FoundFace((0.4, 0.3, 0.2, 0.25), (), extra[i], 1.0, 0.8)] for i in range(8)}
    t = time.perf_counter()
    people.add_faces(found)
    batch_s = time.perf_counter() - t
    catalog.close()
    out = {"faces": len(desc), "people_true": n_people, "people_found": count, "regroup_s": round(regroup_s, 1),
           "grouped_share": round(grouped, 4), "purity": round(purity, 4), "add_batch_of_8_s": round(batch_s, 3)}
    print(f"  regroup {len(desc):,} faces: {regroup_s:.1f} s -> {count:,} people (true {n_people:,}); "
          f"{grouped:.1%} of faces in a person, purity {purity:.1%}; a batch of 8 new faces: {batch_s * 1000:.0f} ms",
          flush=True)
    return out


def person_query(n_people: int, per: int, work: Path, reps: int) -> dict[str, object]:
    from photolens.core.catalog import Catalog
    from photolens.core.faces.people import People
    from photolens.core.query.model import Filters, SearchQuery
    from photolens.core.query.search import _resolve_people, list_newest

    catalog = Catalog(work / "group.db")
    people = People(catalog)
    pid = people.everyone()[len(people.everyone()) // 2].id
    people.rename(pid, "Anna")
    sql, whole = [], []
    for _ in range(reps):
        t = time.perf_counter()
        filters = _resolve_people(Filters(people=("anna",)), catalog)
        ids = catalog.item_ids_matching(filters)
        sql.append(time.perf_counter() - t)
        t = time.perf_counter()
        res = list_newest(SearchQuery(text="person:anna", limit=50), filters, catalog, time.perf_counter())
        whole.append(time.perf_counter() - t + sql[-1])
    catalog.close()
    out = {"pictures": n_people * per, "matches": len(ids), "hits": len(res.hits),
           "filter_ms": round(statistics.median(sql) * 1000, 2), "browse_ms": round(statistics.median(whole) * 1000, 2)}
    print(f"  person:anna at {n_people * per:,} pictures: filter SQL {out['filter_ms']} ms, whole browse query "
          f"{out['browse_ms']} ms ({len(ids)} pictures) (median of {reps})", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    args = parser.parse_args(argv)
    quick, smoke = args.quick, args.smoke
    print_machine(machine_info(), "faces benchmark")
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="photolens-faces-bench-") as tmp:
        work = Path(tmp)
        print("building 12-MP photos…", flush=True)
        kinds = _photos(work / "photos", 1 if smoke else 8, (1200, 900) if smoke else (4000, 3000))
        print("1. faces per picture, one process", flush=True)
        results["per_picture"] = faces_per_picture(kinds, 1 if quick or smoke else 3)
        print("2. the analyzer stage, 2 worker processes", flush=True)
        results["stage"] = analyzer_on_two_cores(kinds, work)
        n_people = 50 if smoke else 1000 if quick else 10_000
        print(f"3. grouping {n_people * 10:,} synthetic faces", flush=True)
        results["grouping"] = grouping(n_people, 10, work)
        print("4. person: queries", flush=True)
        results["person_query"] = person_query(n_people, 10, work, 3 if smoke else 5 if quick else 20)
    write_json(args.json, {"machine": machine_info(), "results": results})
    if os.environ.get("PHOTOLENS_BENCH_PRINT_JSON"):
        print(json.dumps(results, indent=2))
    per, stage, group, query = (results[k] for k in ("per_picture", "stage", "grouping", "person_query"))
    assert isinstance(per, dict) and isinstance(stage, dict) and isinstance(group, dict) and isinstance(query, dict)
    print(f"no_face_ms={per['none']['ms_per_picture']} three_faces_ms={per['three']['ms_per_picture']} "
          f"faces_per_s={per['faces_per_second_one_core']} stage_pictures_per_s={stage['pictures_per_s']} "
          f"regroup_s={group['regroup_s']} faces={group['faces']} purity={group['purity']} "
          f"person_query_ms={query['browse_ms']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
