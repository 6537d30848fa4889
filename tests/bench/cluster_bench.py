"""Indexing through a local Ray cluster against in-process, and the figures for sizing.

On the same generated 12-MP JPEGs (tests/bench/make_jpegs.py) and the same model
(ViT-B-32 int8, random weights: same cost as real ones), each on a fresh library:

(a) in-process: `Library.index()`, what `photolens index` runs;
(b) local Ray, shared files: `index(cluster=local)`, the Ray workers read the files;
(c) local Ray, shipped pixels: the local decode workers decode, Ray embeds the pixels.

Only the CLIP pass is timed (PHOTOLENS_ANALYZERS empty: faces and text in pictures run
after it on this machine either way). Ray is started once (`ray.init(num_cpus=<cores>)`, its start-up reported apart) and each
cluster run's time includes its Ray Data jobs' start-up (actors, model load per window).
Then, for the sizing plan: the catalog's bytes per item and the commit rate, measured by
committing synthetic items (512-d vectors, real metadata columns) through
Catalog.commit_files into a real catalog, and the vector memory per item at f32/f16/i8.

    flock /tmp/bench.lock python tests/bench/cluster_bench.py [--quick] [--count N]

The last line is `inprocess_img_s=... ray_shared_img_s=... ray_ship_img_s=...
catalog_bytes_per_item=... commit_items_s=...`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    base_parser,
    end_state,
    machine_info,
    print_machine,
    resolve_model,
    write_json,
)
from tests.bench.make_jpegs import ensure_jpegs, temp_photo_folder  # noqa: E402

VIT_B_32_DIM = 512


def _index(photos: Path, model: Path, work: Path, cluster: object | None) -> dict[str, float]:
    from photolens.core.library import Library

    with Library.open(work, model_path=model, models_dir=work / "models") as lib:
        lib.add_folder(photos)
        t0 = time.perf_counter()
        report = lib.index(cluster=cluster)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        catalog = (work / "catalog.db").stat().st_size + sum(
            p.stat().st_size for p in work.glob("catalog.db-wal"))
    return {"embedded": report.embedded, "errors": report.errors, "seconds": seconds,
            "img_s": report.embedded / seconds, "catalog_bytes": catalog}


def _commit_rate(items: int, work: Path) -> dict[str, float]:
    """Commit `items` synthetic pictures in batches of 8 (the indexer's default)."""
    from photolens.core.catalog import Catalog, FileDone
    from photolens.core.media.metadata import MediaMeta

    work.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(work / "catalog.db")
    folder = catalog.add_folder("/home/someone/Pictures")
    stats = [(f"/home/someone/Pictures/2024/IMG_{i:07d}.jpg", 3_500_000 + i, 1_700_000_000_000_000_000 + i, 10_000 + i,
              1_700_000_000_000_000_000 + i) for i in range(items)]
    catalog.mark_pending(folder, stats)
    files = [f for chunk in catalog.iter_pending(chunk=10_000) for f in chunk]
    rng = np.random.default_rng(0)
    meta = MediaMeta("image", 4000, 3000, 1.7e9, "Canon", "EOS R6", 48.85, 2.35)
    t0 = time.perf_counter()
    for at in range(0, len(files), 8):
        vecs = rng.standard_normal((min(8, len(files) - at), VIT_B_32_DIM)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        done = [FileDone(f.id, f"{f.id:032x}", meta, v) for f, v in zip(files[at:at + 8], vecs, strict=True)]
        catalog.commit_files(done, "ViT-B-32/laion2b_s34b_b79k")
    seconds = time.perf_counter() - t0
    catalog.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    catalog.close()
    size = (work / "catalog.db").stat().st_size
    return {"items": items, "seconds": seconds, "items_s": items / seconds, "catalog_bytes_per_item": size / items}


def _index_bytes(items: int, work: Path) -> dict[str, float]:
    """usearch HNSW files (connectivity 16, as core/vectors.py) of `items` 512-d vectors, f16
    and i8: bytes per item on disk, which is what a memory-mapped (view) index maps."""
    from usearch.index import Index

    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    vecs = rng.standard_normal((items, VIT_B_32_DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    out: dict[str, float] = {}
    for dtype in ("f16", "i8"):
        index = Index(ndim=VIT_B_32_DIM, metric="cos", dtype=dtype, connectivity=16, expansion_add=64)
        t0 = time.perf_counter()
        index.add(np.arange(items, dtype=np.uint64), vecs)
        out[f"{dtype}_add_items_s"] = items / (time.perf_counter() - t0)
        path = work / f"{dtype}.usearch"
        index.save(str(path))
        out[f"{dtype}_bytes_per_item"] = path.stat().st_size / items
    return out


def main(argv: list[str] | None = None) -> int:
    import os

    # the CLIP pass only: faces and text in pictures run after it, here, whether the CLIP
    # pass ran on a cluster or not (the test run turns them off the same way)
    os.environ.setdefault("PHOTOLENS_ANALYZERS", "")
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=None, help="pictures (default 96; --quick 32; --smoke 6)")
    p.add_argument("--commit-items", type=int, default=None, help="synthetic items committed (default 50000)")
    p.add_argument("--index-items", type=int, default=None, help="vectors in the usearch size check (default 20000)")
    args = p.parse_args(argv)
    count = args.count or (6 if args.smoke else 32 if args.quick else 96)
    commit_items = args.commit_items or (500 if args.smoke else 10_000 if args.quick else 50_000)
    index_items = args.index_items or (500 if args.smoke else 5_000 if args.quick else 20_000)
    info = machine_info()
    print_machine(info, "indexing on a local Ray cluster against in-process")
    model = resolve_model(args)
    photos = temp_photo_folder(ensure_jpegs(count, args.cache_dir, verbose=True), args.cache_dir)
    results: dict[str, object] = {"count": count, "model": str(model)}
    tmp = Path(tempfile.mkdtemp(prefix="cluster-bench-", dir=args.cache_dir))
    try:
        results["inprocess"] = r0 = _index(photos, model, tmp / "inprocess", None)
        print(f"in-process:          {r0['img_s']:.1f} img/s ({r0['embedded']} in {r0['seconds']:.1f} s)", flush=True)

        import ray

        from photolens.core.cluster.options import ClusterOptions

        cores = os.cpu_count() or 2
        t0 = time.perf_counter()
        ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False, logging_level="warning")
        results["ray_init_s"] = ray_init = time.perf_counter() - t0
        print(f"ray.init(num_cpus={cores}): {ray_init:.1f} s (once per run of `index --cluster local`)", flush=True)
        for mode in ("shared", "ship"):
            r = _index(photos, model, tmp / mode, ClusterOptions("local", files=mode))
            results[f"ray_{mode}"] = r
            print(f"local Ray, {mode + ' files' if mode == 'shared' else 'shipped pixels'}: {r['img_s']:.1f} img/s "
                  f"({r['embedded']} in {r['seconds']:.1f} s; {r['img_s'] / r0['img_s']:.0%} of in-process)",
                  flush=True)
        ray.shutdown()
        results["commit"] = c = _commit_rate(commit_items, tmp / "commit")
        print(f"commit: {c['items_s']:.0f} items/s ({commit_items} synthetic 512-d items in batches of 8); "
              f"catalog {c['catalog_bytes_per_item']:.0f} bytes/item", flush=True)
        print(f"catalog of the in-process run: {r0['catalog_bytes'] / max(1, r0['embedded']):.0f} bytes/item "
              f"({r0['embedded']} items: fixed overhead included)")
        results["index"] = ix = _index_bytes(index_items, tmp / "index")
        print(f"usearch HNSW (M=16), {index_items} vectors: f16 {ix['f16_bytes_per_item']:.0f} bytes/item "
              f"({ix['f16_add_items_s']:.0f} adds/s), i8 {ix['i8_bytes_per_item']:.0f} bytes/item "
              f"({ix['i8_add_items_s']:.0f} adds/s)", flush=True)
        vec = {"f32": 4 * VIT_B_32_DIM, "f16": 2 * VIT_B_32_DIM, "i8": VIT_B_32_DIM}
        print("vector bytes per item (512-d): " + ", ".join(f"{k} {v}" for k, v in vec.items()))
        print(end_state())
        results["machine"] = info
        write_json(args.json, results)
        rs, rp = results["ray_shared"], results["ray_ship"]
        assert isinstance(rs, dict) and isinstance(rp, dict)
        print(f"inprocess_img_s={r0['img_s']:.1f} ray_shared_img_s={rs['img_s']:.1f} ray_ship_img_s={rp['img_s']:.1f} "
              f"catalog_bytes_per_item={c['catalog_bytes_per_item']:.0f} commit_items_s={c['items_s']:.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(photos.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
