"""Text query -> ranked results latency at 100k and 1M items, library open time and memory.

The library is synthetic: N rows in the catalog (folders, files, items, embeddings, as
core/catalog.py's schema defines them, inserted in bulk with SQL) and the same N vectors
in the engine's VectorStore (usearch, f16), built once and cached under
.cache/bench/libraries/. No picture is embedded; the vectors are clustered like CLIP's
(a shared mean direction, 1000 clusters, noise: unrelated items at cosine ~0.4, same
cluster ~0.8). The query path is the real one: `Library.search(text)` = text tower (ONNX,
int8 ViT-B-32) + vector search (exact up to vectors.EXACT_SEARCH_MAX, HNSW above) + file
lookup + ranking.

Each size is measured in a fresh child process: open time (`Library.open` + first access
to `lib.vectors`, which loads the index file and checks it against SQLite), the first
(cold) query, p50/p95 of warm queries, a breakdown (text tower, vector search, exact
search for comparison, file lookup, the video-frame lookup), recall of HNSW against exact search, and memory
(VmRSS / VmHWM from /proc). A second child opens the library read-only, as a second
instance does (the engine memory-maps the saved index either way).

An HNSW insertion study (random vs clustered data, f16 vs i8, connectivity, threads)
on a sample says what building the index costs and what the engine could change.

    python tests/bench/query_latency.py [--quick] [--sizes 100000,1000000] [--json FILE]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    REPO,
    base_parser,
    end_state,
    machine_info,
    memory_mib,
    percentile,
    print_machine,
    resolve_model,
    write_json,
)

CHILD_TAG = "BENCH_CHILD_RESULT "
CHUNK = 50_000
QUERIES = (
    "kids on the beach at sunset",
    "a dog running in the snow",
    "birthday cake with candles",
    "red car parked in front of a house",
    "mountains reflected in a lake",
    "grandma in the kitchen",
    "a plate of sushi",
    "fireworks over the city at night",
    "a cat sleeping on a sofa",
    "wedding photo in a garden",
    "screenshot of a spreadsheet",
    "receipt from a restaurant",
    "foggy forest in the morning",
    "people dancing at a party",
    "a bicycle leaning against a wall",
    "sunflowers in a field",
    "the eiffel tower",
    "a baby laughing",
    "old black and white family photo",
    "boat on a river",
)


# -- synthetic vectors ------------------------------------------------------------------------------
class VectorSource:
    """Deterministic unit vectors, a chunk at a time: 'clustered' (CLIP-like) or 'random'."""

    def __init__(self, dim: int, kind: str = "clustered", seed: int = 0, clusters: int = 1000):
        self.dim, self.kind, self.seed = dim, kind, seed
        rng = np.random.default_rng(seed)
        self.mean = _unit(rng.standard_normal(dim).astype(np.float32))
        self.centroids = _unit(rng.standard_normal((clusters, dim)).astype(np.float32))

    def chunk(self, start: int, count: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, start])
        noise = _unit(rng.standard_normal((count, self.dim), dtype=np.float32))
        if self.kind == "random":
            return noise
        c = rng.integers(len(self.centroids), size=count)
        return _unit(0.8 * self.mean + 0.8 * self.centroids[c] + 0.6 * noise)

    def queries(self, count: int, data_count: int) -> np.ndarray:
        """Perturbed copies of stored vectors (image-to-image style queries)."""
        rng = np.random.default_rng([self.seed, 999])
        picks = rng.integers(data_count, size=count)
        base = np.stack([self.chunk(int(p), 1)[0] for p in picks])
        return _unit(base + 0.5 * _unit(rng.standard_normal((count, self.dim), dtype=np.float32)))


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)).astype(np.float32)


# -- building a synthetic library -------------------------------------------------------------------
def library_dir(cache_dir: Path, model: Path, n: int) -> Path:
    from photolens.core.embed.model_files import ModelFolder

    cfg = ModelFolder.load(model).config
    tag = f"{cfg.name}-{cfg.dim}d-{'i8' if cfg.textual_quantized else 'f32'}"
    return Path(cache_dir) / "libraries" / f"synthetic-{n}-{tag}"


def ensure_library(cache_dir: Path, model: Path, n: int, *, max_build_s: float = 1e9,
                   verbose: bool = True) -> tuple[Path, dict]:
    """A cached synthetic library of n items for `model` (built when missing).

    Returns (data dir, build figures). If the HNSW build is projected to take longer than
    max_build_s, it stops at a chunk boundary: the figures then say how many were built.
    """
    data = library_dir(cache_dir, model, n)
    marker = data / "bench-build.json"
    if marker.is_file():
        figures = json.loads(marker.read_text())
        figures["cached"] = True
        return data, figures
    if data.exists():
        shutil.rmtree(data)
    figures = build_library(data, model, n, max_build_s=max_build_s, verbose=verbose)
    marker.write_text(json.dumps(figures, indent=2))
    figures["cached"] = False
    return data, figures


def build_library(data: Path, model: Path, n: int, *, max_build_s: float = 1e9, verbose: bool = True) -> dict:
    from photolens.core.catalog import STATUS_INDEXED
    from photolens.core.library import Library

    t_start = time.perf_counter()
    lib = Library.open(data, model_path=model, models_dir=data / "models")
    try:
        lib.save_settings(lib.settings.with_changes(model_path=str(Path(model).resolve())))
        model_id, dim = lib.embedder.model_id, lib.embedder.dim
        store = lib.vectors  # empty; the engine decides the file name
        root = str(data / "photos")
        folder_id = lib.catalog.add_folder(root)
        conn = lib.catalog.conn
        source = VectorSource(dim)
        sql_s = hnsw_s = 0.0
        progression: list[tuple[int, float]] = []
        built = 0
        now = time.time()
        while built < n:
            count = min(CHUNK, n - built)
            vecs = source.chunk(built, count)
            ids = range(built + 1, built + count + 1)
            t0 = time.perf_counter()
            with conn:
                conn.executemany(
                    "INSERT INTO files (id, folder_id, path, size, mtime_ns, inode, hash, media_type, width, height, "
                    "taken_at, camera_make, camera_model, status, indexed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'image', 4000, 3000, ?, 'Bench', ?, ?, ?)",
                    ((i, folder_id, f"{root}/{2000 + i % 25}/{i // 1000:04d}/IMG_{i:07d}.jpg", 3_000_000 + i % 997,
                      1_600_000_000_000_000_000 + i, i, f"{i:032x}", 1.3e9 + i * 60.0, f"Cam {i % 7}",
                      STATUS_INDEXED, now) for i in ids),
                )
                conn.executemany("INSERT INTO items (id, hash, frame_ms) VALUES (?, ?, 0)",
                                 ((i, f"{i:032x}") for i in ids))
                f16 = vecs.astype(np.float16)
                conn.executemany("INSERT INTO embeddings (item_id, model_id, vector) VALUES (?, ?, ?)",
                                 ((i, model_id, f16[j].tobytes()) for j, i in enumerate(ids)))
            t1 = time.perf_counter()
            store.add(np.arange(built + 1, built + count + 1, dtype=np.uint64), vecs)
            t2 = time.perf_counter()
            sql_s += t1 - t0
            hnsw_s += t2 - t1
            built += count
            progression.append((built, t2 - t1))
            rate_ms = (t2 - t1) / count * 1000
            projected = hnsw_s + rate_ms / 1000 * (n - built) * 1.1
            if verbose:
                print(f"  built {built:>8,}/{n:,}: SQL {t1 - t0:5.1f} s, index add {t2 - t1:6.1f} s "
                      f"({rate_ms:.3f} ms/vector), projected index total {projected / 60:.1f} min", flush=True)
            if built < n and projected > max_build_s:
                print(f"  stopping at {built:,}: the HNSW build would take ~{projected / 60:.0f} min "
                      f"(> --max-build-s {max_build_s:.0f})", flush=True)
                break
        t0 = time.perf_counter()
        store.save()
        save_s = time.perf_counter() - t0
    finally:
        lib.close()
    return {
        "requested": n, "built": built, "sql_s": sql_s, "index_add_s": hnsw_s, "save_s": save_s,
        "total_s": time.perf_counter() - t_start, "ms_per_vector": hnsw_s / max(built, 1) * 1000,
        "progression": progression, "catalog_mb": (data / "catalog.db").stat().st_size / 1e6,
        "index_mb": sum(f.stat().st_size for f in data.glob("vectors-*.usearch")) / 1e6,
    }


# -- measuring (child process) -------------------------------------------------------------------------
def _child_measure(job: dict) -> dict:
    # library first: importing usearch (core.vectors) before anything that loads the system
    # libstdc++ makes the later onnxruntime import segfault (see the report)
    from photolens.core.library import Library  # isort: skip
    from photolens.core import vectors as vmod

    out: dict[str, object] = {"rss_start_mib": memory_mib().get("VmRSS", 0.0)}
    t0 = time.perf_counter()
    lib = Library.open(job["data"], model_path=job["model"], read_only=True if job.get("view") else None)
    t1 = time.perf_counter()
    store = lib.vectors
    t2 = time.perf_counter()
    n = len(store)
    out.update({"items": n, "open_s": t2 - t0, "library_open_s": t1 - t0, "vectors_s": t2 - t1,
                "rss_after_open_mib": memory_mib().get("VmRSS", 0.0)})
    texts = list(QUERIES)
    t = time.perf_counter()
    first = lib.search(texts[0])
    out["first_query_ms"] = (time.perf_counter() - t) * 1000
    out["hits"] = len(first.hits)
    lat = []
    for i in range(job["queries"]):
        t = time.perf_counter()
        lib.search(texts[(i + 1) % len(texts)])
        lat.append((time.perf_counter() - t) * 1000)
    out.update({"p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95), "max_ms": max(lat),
                "queries": len(lat)})
    # breakdown
    emb = lib.embedder
    enc, vs, ex, fl, fr = [], [], [], [], []
    qvecs = []
    for text in texts:
        t = time.perf_counter()
        q = emb.embed_texts([text])[0]
        enc.append((time.perf_counter() - t) * 1000)
        qvecs.append(q)
        t = time.perf_counter()
        keys, _ = store.search(q, 100)
        vs.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        lib.catalog.files_for_items([int(k) for k in keys[:50]])
        fl.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        lib.catalog.item_frames([int(k) for k in keys])  # one result per video
        fr.append((time.perf_counter() - t) * 1000)
    reps = 3 if n > 200_000 else len(texts)
    for q in qvecs[:reps]:
        t = time.perf_counter()
        store.index.search(q, 100, exact=True)
        ex.append((time.perf_counter() - t) * 1000)
    out.update({"text_tower_ms": percentile(enc, 50), "vector_search_ms": percentile(vs, 50),
                "exact_search_ms": percentile(ex, 50), "file_lookup_ms": percentile(fl, 50),
                "frame_lookup_ms": percentile(fr, 50),
                "mode": "exact" if n <= vmod.EXACT_SEARCH_MAX else "hnsw"})
    if n > vmod.EXACT_SEARCH_MAX:  # HNSW: how many of exact search's top 50 does it return?
        recalls = []
        for q in qvecs[:reps]:
            approx = set(np.asarray(store.index.search(q, 50).keys).tolist())
            exact = set(np.asarray(store.index.search(q, 50, exact=True).keys).tolist())
            recalls.append(len(approx & exact) / max(len(exact), 1))
        out["hnsw_recall_at_50"] = float(np.mean(recalls))
        # queries near the data (a stored vector plus noise), as image queries and real text
        # queries are: the random-weights text vectors above are far from every item, so their
        # exact top 50 is a near-tie and any approximate order differs from it
        rng = np.random.default_rng(7)
        near = []
        for k in rng.integers(1, n + 1, 10):
            q = store.vectors(np.array([k], dtype=np.uint64))[0]
            q = q + 0.3 * rng.standard_normal(q.shape[0]).astype(np.float32) / np.sqrt(q.shape[0])
            approx = set(np.asarray(store.index.search(q, 50).keys).tolist())
            exact = set(np.asarray(store.index.search(q, 50, exact=True).keys).tolist())
            near.append(len(approx & exact) / max(len(exact), 1))
        out["hnsw_recall_at_50_near"] = float(np.mean(near))
    if job.get("profile"):  # where a warm query's time goes, by function (own time)
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for text in texts:
            lib.search(text)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
        out["profile"] = buf.getvalue()
    # open components, warm (second time), for the report
    t = time.perf_counter()
    lib.catalog.embedding_keys(emb.model_id)
    out["embedding_keys_s"] = time.perf_counter() - t
    t = time.perf_counter()
    store.keys()
    out["index_keys_s"] = time.perf_counter() - t
    mem = memory_mib()
    out.update({"rss_end_mib": mem.get("VmRSS", 0.0), "peak_rss_mib": mem.get("VmHWM", 0.0),
                "index_memory_mb": store.index.memory_usage / 1e6})
    lib.close()
    return out


def run_child(job: dict, *, in_process: bool = False) -> dict:
    if in_process:
        return _child_measure(dict(job))
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(job)],
                          cwd=REPO, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(CHILD_TAG):
            return json.loads(line[len(CHILD_TAG):])
    raise RuntimeError(f"measurement child failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


# -- HNSW insertion study ----------------------------------------------------------------------------
def hnsw_study(n: int, dim: int, verbose: bool = True) -> list[dict]:
    from usearch.index import Index

    configs = [  # label, data, dtype, connectivity, expansion_add, threads
        ("engine today: f16 M=16 ef_add=64, random data", "random", "f16", 16, 64, 0),
        ("engine today: f16 M=16 ef_add=64, clustered", "clustered", "f16", 16, 64, 0),
        ("f16 M=16 ef_add=64, clustered, 1 thread", "clustered", "f16", 16, 64, 1),
        ("i8 M=16 ef_add=64, clustered", "clustered", "i8", 16, 64, 0),
        ("f16 M=16 ef_add=32, clustered", "clustered", "f16", 16, 32, 0),
        ("i8 M=16 ef_add=32, clustered", "clustered", "i8", 16, 32, 0),
    ]
    out = []
    data_cache: dict[str, np.ndarray] = {}
    for label, kind, dtype, conn, ef_add, threads in configs:
        source = VectorSource(dim, kind)
        if kind not in data_cache:
            data_cache[kind] = np.concatenate([source.chunk(s, min(CHUNK, n - s)) for s in range(0, n, CHUNK)])
        vecs = data_cache[kind]
        keys = np.arange(1, n + 1, dtype=np.uint64)
        index = Index(ndim=dim, metric="cos", dtype=dtype, connectivity=conn, expansion_add=ef_add, expansion_search=128)
        t = time.perf_counter()
        index.add(keys, vecs, threads=threads)
        build = time.perf_counter() - t
        queries = source.queries(100, n)
        exact = index.search(queries, 10, exact=True)
        approx = index.search(queries, 10)
        ek, ak = np.asarray(exact.keys), np.asarray(approx.keys)
        recall = float(np.mean([len(set(ak[i]) & set(ek[i])) / 10 for i in range(len(queries))]))
        lat = []
        for q in queries[:50]:
            t = time.perf_counter()
            index.search(q, 100)
            lat.append((time.perf_counter() - t) * 1000)
        row = {"label": label, "n": n, "ms_per_vector": build / n * 1000, "build_s": build, "recall_at_10": recall,
               "search_ms_p50": percentile(lat, 50), "memory_mb": index.memory_usage / 1e6}
        out.append(row)
        if verbose:
            print(f"  {label:<48} {row['ms_per_vector']:.3f} ms/vector, recall@10 {recall:.3f}, "
                  f"search {row['search_ms_p50']:.2f} ms, {row['memory_mb']:.0f} MB", flush=True)
        del index
    return out


def exact_matrix_search_ms(n: int, dim: int, reps: int = 3) -> dict[str, float]:
    """Brute force at size n without a graph: usearch exact over f16 and i8, numpy f32 matmul."""
    from usearch.index import search as brute

    source = VectorSource(dim)
    data = np.concatenate([source.chunk(s, min(CHUNK, n - s)) for s in range(0, n, CHUNK)])
    q = source.queries(1, n)[0]
    out = {}
    for label, arr in (("usearch_exact_f32_ms", data), ("numpy_f32_matmul_ms", data)):
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            if label.startswith("numpy"):
                sims = arr @ q
                np.argpartition(-sims, 100)[:100]
            else:
                brute(arr, q, 100, metric="cos", exact=True)
            times.append((time.perf_counter() - t) * 1000)
        out[label] = percentile(times, 50)
    f16 = data.astype(np.float16)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        brute(f16, q.astype(np.float16), 100, metric="cos", exact=True)
        times.append((time.perf_counter() - t) * 1000)
    out["usearch_exact_f16_ms"] = percentile(times, 50)
    return out


# -- the benchmark ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    p = base_parser("Text query latency and library open time / memory at 100k and 1M items.")
    p.add_argument("--sizes", help="comma-separated item counts (default 100000,1000000; --quick 100000; --smoke 300)")
    p.add_argument("--queries", type=int, help="warm queries per size (default 60; --quick 30)")
    p.add_argument("--study-size", type=int, help="vectors in the HNSW insertion study (default 20000; --quick 10000; 0 = skip)")
    p.add_argument("--max-build-s", type=float, default=1800.0,
                   help="stop building a library's HNSW index when it is projected to take longer (default 1800)")
    p.add_argument("--no-view", action="store_true", help="skip the read-only (second instance) measurement")
    p.add_argument("--profile", action="store_true", help="cProfile the warm queries and print the top functions")
    p.add_argument("--child", help=__import__("argparse").SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(CHILD_TAG + json.dumps(_child_measure(json.loads(args.child))), flush=True)
        return 0

    info = machine_info()
    print_machine(info, "query latency")
    smoke = args.smoke
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [300] if smoke else [100_000] if args.quick else [100_000, 1_000_000])
    queries = args.queries or (5 if smoke else 30 if args.quick else 60)
    study = args.study_size if args.study_size is not None else (300 if smoke else 10_000 if args.quick else 20_000)
    model = resolve_model(args).resolve()
    from photolens.core.embed.model_files import ModelFolder
    from photolens.core.vectors import EXACT_SEARCH_MAX

    dim = ModelFolder.load(model).config.dim
    print(f"model: {model} ({dim}-d); engine: exact search up to {EXACT_SEARCH_MAX:,} items, HNSW above")
    results: dict[str, object] = {"machine": info, "model": str(model), "sizes": {}}

    if study:
        print(f"\nHNSW insertion study ({study:,} vectors of {dim} dims, usearch, 'cos'):", flush=True)
        results["hnsw_study"] = hnsw_study(study, dim)

    for n in sizes:
        print(f"\n-- {n:,} items --", flush=True)
        data, build = ensure_library(args.cache_dir, model, n, max_build_s=args.max_build_s)
        how = "reused from cache (figures from its build)" if build.get("cached") else "built now"
        print(f"library {data}: {how}: {build['built']:,} items, SQL insert {build['sql_s']:.1f} s, "
              f"HNSW add {build['index_add_s']:.1f} s ({build['ms_per_vector']:.3f} ms/vector), save {build['save_s']:.1f} s; "
              f"catalog {build['catalog_mb']:.0f} MB, index {build['index_mb']:.0f} MB", flush=True)
        job = {"data": str(data), "model": str(model), "queries": queries, "profile": args.profile}
        r = run_child(job, in_process=smoke)
        print(f"open (Library.open + first vectors access): {r['open_s'] * 1000:.0f} ms "
              f"(catalog {r['library_open_s'] * 1000:.0f} ms, vectors {r['vectors_s'] * 1000:.0f} ms; warm re-read of "
              f"SQLite keys {r['embedding_keys_s'] * 1000:.0f} ms, index keys {r['index_keys_s'] * 1000:.0f} ms)")
        print(f"first query (loads the text tower): {r['first_query_ms']:.0f} ms; {r['hits']} hits")
        print(f"warm queries ({r['queries']}, {r['mode']} search): p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, "
              f"max {r['max_ms']:.1f} ms")
        print(f"  breakdown (p50): text tower {r['text_tower_ms']:.1f} ms, vector search k=100 {r['vector_search_ms']:.2f} ms "
              f"(exact would be {r['exact_search_ms']:.1f} ms), file lookup of 50 {r['file_lookup_ms']:.2f} ms, "
              f"video frame lookup of 100 {r['frame_lookup_ms']:.2f} ms"
              + (f"; HNSW recall@50 vs exact {r['hnsw_recall_at_50']:.3f} (queries near the data: "
                 f"{r['hnsw_recall_at_50_near']:.3f})" if "hnsw_recall_at_50" in r else ""))
        print(f"memory: RSS after open {r['rss_after_open_mib']:.0f} MiB, at end {r['rss_end_mib']:.0f} MiB, "
              f"peak {r['peak_rss_mib']:.0f} MiB (index in memory {r['index_memory_mb']:.0f} MB)", flush=True)
        if r.get("profile"):
            print("profile of warm queries (own time per function):")
            print("\n".join("    " + ln for ln in r["profile"].splitlines() if ln.strip()[:1].isdigit() or "ncalls" in ln))
        entry: dict[str, object] = {"build": build, "measure": r}
        if not (smoke or args.no_view):
            v = run_child({**job, "view": True})
            entry["read_only_open"] = v
            print(f"read-only open (a second instance): open {v['open_s'] * 1000:.0f} ms, "
                  f"p50 {v['p50_ms']:.1f} ms, p95 {v['p95_ms']:.1f} ms, RSS at end {v['rss_end_mib']:.0f} MiB, "
                  f"peak {v['peak_rss_mib']:.0f} MiB", flush=True)
        if build["built"] < n:
            entry["note"] = f"only {build['built']:,} of {n:,} built (build time cap); figures are at that size"
            print(f"NOTE: {entry['note']}")
        results["sizes"][str(n)] = entry  # type: ignore[index]

    if not smoke and max(sizes) >= 1_000_000:
        print("\nbrute force at 1,000,000 (no graph; what exact search would cost at 1M):", flush=True)
        ex = exact_matrix_search_ms(1_000_000, dim)
        results["exact_1m"] = ex
        print("  " + ", ".join(f"{k} {v:.0f}" for k, v in ex.items()), flush=True)

    print(end_state())
    results["end_state"] = end_state()
    write_json(args.json, results)
    parts = []
    for n_str, entry in results["sizes"].items():  # type: ignore[union-attr]
        r = entry["measure"]
        label = f"{int(n_str) // 1000}k" if int(n_str) >= 1000 else n_str
        parts.append(f"p50_ms_{label}={r['p50_ms']:.1f} p95_ms_{label}={r['p95_ms']:.1f} open_ms_{label}={r['open_s'] * 1000:.0f} "
                     f"rss_mib_{label}={r['peak_rss_mib']:.0f}")
    print(" ".join(parts))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
