"""Rescan of an unchanged library of 100k files, and 10k files moved (0 re-embeddings).

Setup (not timed): a temporary tree of N distinct tiny pictures (1-pixel BMPs, 100
folders, written in seconds), all marked indexed in the catalog directly (files with
their real stat and content hash, one item and one embedding each, the vector index
built from them), as if a previous `photolens index` had embedded them.

Timed:
- `Indexer.scan` alone and `Library.index()` with nothing to do (median of 3, in this
  process, after `Library.open` + first access to the vectors, which is timed apart);
- `photolens --data-dir D index` from the shell (median of 3: interpreter, imports,
  open, scan, nothing to embed);
- the walk (`scanner.walk_media`) and the catalog read (`Catalog.file_stats`) apart;
- then M files (10%) are moved to another folder and `Library.index()` runs again: it
  must find them by content hash (hash + metadata read, no decode, no embedding).

The model only lends its config (ids, dimension) here; by default the tiny test model,
so the vector index is small (for a 512-d index's load time see query_latency.py).

    python tests/bench/rescan.py [--quick] [--files N] [--moves M] [--json FILE]
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xxhash

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.cli_latency import photolens_command  # noqa: E402
from tests.bench.common import (  # noqa: E402
    REPO,
    base_parser,
    end_state,
    ensure_tiny_model,
    machine_info,
    median,
    print_machine,
    write_json,
)

PER_FOLDER = 1000


def _bmp_template() -> tuple[bytes, int]:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (0, 0, 0)).save(buf, "BMP")
    data = buf.getvalue()
    return data, len(data) - 4  # pixel (B, G, R) + 1 byte row padding at the end


def make_tree(root: Path, count: int) -> dict[str, str]:
    """count distinct 1-pixel BMPs under root/<folder>/; returns path -> content hash."""
    template, offset = _bmp_template()
    hashes: dict[str, str] = {}
    for i in range(count):
        folder = root / f"{2000 + (i // PER_FOLDER) % 25}" / f"roll{i // PER_FOLDER:04d}"
        if i % PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        data = template[:offset] + (i & 0xFFFFFF).to_bytes(3, "little") + template[offset + 3:]
        path = folder / f"IMG_{i:07d}.bmp"
        with open(path, "wb") as fh:
            fh.write(data)
        hashes[str(path)] = "x3:" + xxhash.xxh3_128(data).hexdigest()  # core/media/hashing.py
    return hashes


def mark_indexed(data: Path, model: Path, root: Path, hashes: dict[str, str]) -> dict[str, float]:
    """Catalog rows as a finished index run leaves them, plus the vector index."""
    from photolens.core.catalog import STATUS_INDEXED
    from photolens.core.library import Library
    from photolens.core.scanner import walk_media

    t0 = time.perf_counter()
    lib = Library.open(data, model_path=model, models_dir=data / "models")
    try:
        lib.save_settings(lib.settings.with_changes(model_path=str(model)))
        folder = lib.add_folder(root)
        model_id, dim = lib.embedder.model_id, lib.embedder.dim
        store = lib.vectors
        stats = list(walk_media(Path(folder.path)))
        now = time.time()
        conn = lib.catalog.conn
        with conn:
            conn.executemany(
                "INSERT INTO files (id, folder_id, path, size, mtime_ns, inode, hash, media_type, width, height, "
                "taken_at, status, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'image', 1, 1, ?, ?, ?)",
                ((i + 1, folder.id, fs.path, fs.size, fs.mtime_ns, fs.inode, hashes[fs.path], fs.mtime_ns / 1e9,
                  STATUS_INDEXED, now) for i, fs in enumerate(stats)),
            )
            conn.executemany("INSERT INTO items (id, hash, frame_ms) VALUES (?, ?, 0)",
                             ((i + 1, hashes[fs.path]) for i, fs in enumerate(stats)))
            rng = np.random.default_rng(0)
            vecs = rng.standard_normal((len(stats), dim), dtype=np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            f16 = vecs.astype(np.float16)
            conn.executemany("INSERT INTO embeddings (item_id, model_id, vector) VALUES (?, ?, ?)",
                             ((i + 1, model_id, f16[i].tobytes()) for i in range(len(stats))))
        t1 = time.perf_counter()
        store.add(np.arange(1, len(stats) + 1, dtype=np.uint64), vecs)
        store.save()
        t2 = time.perf_counter()
    finally:
        lib.close()
    return {"catalog_s": t1 - t0, "index_s": t2 - t1, "files": len(stats)}


def main(argv: list[str] | None = None) -> int:
    p = base_parser("No-change rescan of a 100k-file library, and moved files.")
    p.add_argument("--files", type=int, help="files in the library (default 100000; --quick 10000; --smoke 300)")
    p.add_argument("--moves", type=int, help="files moved for the second part (default 10%% of --files)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    info = machine_info()
    print_machine(info, "rescan")
    n = args.files or (300 if args.smoke else 10_000 if args.quick else 100_000)
    moves = args.moves if args.moves is not None else n // 10
    repeats = 1 if args.smoke else args.repeats
    model = Path(args.model_path).resolve() if args.model_path else ensure_tiny_model(args.cache_dir).resolve()
    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="rescan-", dir=cache))
    try:
        root, data = tmp / "photos", tmp / "library"
        t0 = time.perf_counter()
        hashes = make_tree(root, n)
        t1 = time.perf_counter()
        setup = mark_indexed(data, model, root, hashes)
        print(f"setup: {n:,} files written in {t1 - t0:.1f} s; catalog rows {setup['catalog_s']:.1f} s, "
              f"vector index {setup['index_s']:.1f} s (model {model.name})", flush=True)

        from photolens.core.indexer import IndexReport
        from photolens.core.library import Library
        from photolens.core.scanner import walk_media

        opens, scans, indexes, reports = [], [], [], []
        for _ in range(repeats):
            t = time.perf_counter()
            lib = Library.open(data, model_path=model)
            lib.vectors  # noqa: B018 - load the index, as index() would
            opens.append(time.perf_counter() - t)
            try:
                t = time.perf_counter()
                lib.indexer().scan(IndexReport(), lambda _p: None)
                scans.append(time.perf_counter() - t)
                t = time.perf_counter()
                report = lib.index()
                indexes.append(time.perf_counter() - t)
                reports.append(report)
            finally:
                lib.close()
        r = reports[-1]
        if r.unchanged != n or r.embedded or r.new or r.deleted:
            print(f"WARNING: expected {n} unchanged and nothing else, got {r}")
        t = time.perf_counter()
        walked = sum(1 for _ in walk_media(root.resolve()))
        walk_s = time.perf_counter() - t
        lib = Library.open(data, model_path=model)
        t = time.perf_counter()
        lib.catalog.file_stats(lib.folders()[0].id)
        stats_s = time.perf_counter() - t
        lib.close()
        cli = []
        for _ in range(repeats):
            t = time.perf_counter()
            proc = subprocess.run([*photolens_command(), "--data-dir", str(data), "index"], cwd=REPO,
                                  capture_output=True, text=True, check=False)
            cli.append(time.perf_counter() - t)
            if proc.returncode != 0:
                raise RuntimeError(f"photolens index failed ({proc.returncode}): {proc.stderr[-2000:]}")
        print(f"open (Library.open + vectors): median {median(opens) * 1000:.0f} ms")
        print(f"Indexer.scan, nothing changed: median {median(scans):.2f} s "
              f"(walk {walk_s:.2f} s for {walked:,} files, catalog read {stats_s:.2f} s)")
        print(f"Library.index(), nothing to do: median {median(indexes):.2f} s ({r.unchanged:,} unchanged, "
              f"{r.embedded} embedded)")
        print(f"`photolens index` from the shell, nothing to do: median {median(cli):.2f} s", flush=True)

        moved_s = float("nan")
        moved_report = None
        if moves:
            dest = root / "moved"
            dest.mkdir()
            victims = sorted(hashes)[:: max(1, n // moves)][:moves]
            for path in victims:
                os.rename(path, dest / Path(path).name)
            lib = Library.open(data, model_path=model)
            lib.vectors  # noqa: B018
            try:
                t = time.perf_counter()
                moved_report = lib.index()
                moved_s = time.perf_counter() - t
            finally:
                lib.close()
            mr = moved_report
            print(f"{moves:,} files moved: index() {moved_s:.2f} s: {mr.new} new paths, {mr.deleted} gone, "
                  f"{mr.reused} reused by content hash, {mr.embedded} re-embedded, {mr.errors} errors")
        print(end_state())
        results = {
            "machine": info, "files": n, "setup": setup, "open_s": opens, "scan_s": scans, "index_s": indexes,
            "walk_s": walk_s, "file_stats_s": stats_s, "cli_index_s": cli, "moves": moves, "moved_index_s": moved_s,
            "moved_reembedded": moved_report.embedded if moved_report else None,
            "moved_reused": moved_report.reused if moved_report else None, "end_state": end_state(),
        }
        write_json(args.json, results)
        print(f"rescan_s={median(indexes):.2f} scan_s={median(scans):.2f} cli_rescan_s={median(cli):.2f} files={n} "
              f"moved={moves} moved_reembedded={moved_report.embedded if moved_report else 0} moved_s={moved_s:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
