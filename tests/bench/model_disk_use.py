"""Time the per-model disk use that `photolens status` and the model dialog show, on a
catalog of N synthetic 512-d vectors of two models (the sum of blob lengths it replaced read
every row). Usage: python tests/bench/model_disk_use.py [--vectors 1000000] [--dir DIR]"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from photolens.core.catalog import Catalog


def _fill(catalog: Catalog, n: int) -> None:
    vector = np.zeros(512, np.float32).tobytes()
    conn = catalog.conn
    with conn:
        conn.executemany("INSERT INTO items (id, hash) VALUES (?, ?)", ((i, f"x3:{i:032x}") for i in range(1, n + 1)))
        conn.executemany("INSERT INTO embeddings (item_id, model_id, vector) VALUES (?, ?, ?)",
                         ((i, "old/model" if i % 4 else "new/model", vector) for i in range(1, n + 1)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args(argv)
    print(f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {args.vectors:,} vectors of 512 floats")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        catalog = Catalog(Path(tmp) / "catalog.db")
        _fill(catalog, args.vectors)
        for label, fn in (("count on the index (now)", catalog.model_vector_bytes),
                          ("sum(length(vector)) (before)", lambda: catalog.conn.execute(
                              "SELECT model_id, count(*), sum(length(vector)) FROM embeddings GROUP BY model_id"
                          ).fetchall())):
            times = []
            for _ in range(3):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            print(f"{label}: median {statistics.median(times) * 1000:.0f} ms ({min(times) * 1000:.0f}-"
                  f"{max(times) * 1000:.0f}), 3 runs, warm page cache")
        assert catalog.model_vector_bytes() == {"new/model": (args.vectors // 4, args.vectors // 4 * 2048),
                                                "old/model": (args.vectors - args.vectors // 4,
                                                              (args.vectors - args.vectors // 4) * 2048)}
        catalog.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
