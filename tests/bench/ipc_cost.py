"""What a decoded picture costs to come back from a decode worker: float32 tensor or uint8.

The indexer's decode workers return the model-size float32 tensor (3 x S x S, normalised);
the alternative is uint8 pixels (S x S x 3, a quarter of the bytes) normalised in the
indexing process, where the image tower runs. Both through the same forkserver pool as
the indexer's, rounds interleaved: the indexing process's CPU per picture (unpickling,
plus the normalisation for uint8) and the wall time per picture.

    python tests/bench/ipc_cost.py [--quick] [--size 256]
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import base_parser, end_state, machine_info, print_machine  # noqa: E402

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)


def make(kind: str, size: int) -> np.ndarray:
    """In the worker: what it would send back for one picture."""
    if kind == "float32":
        return np.full((3, size, size), 0.5, np.float32)
    return np.full((size, size, 3), 7, np.uint8)


def normalise(arr: np.ndarray) -> np.ndarray:
    x = (arr.astype(np.float32) / np.float32(255.0) - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def one_round(pool: ProcessPoolExecutor, kind: str, size: int, n: int) -> tuple[float, float]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    out = [f.result() for f in [pool.submit(make, kind, size) for _ in range(n)]]
    if kind == "uint8":
        out = [normalise(a) for a in out]
    return (time.process_time() - cpu0) / n * 1000, (time.perf_counter() - t0) / n * 1000


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Cost of a decoded picture coming back from a decode worker.")
    p.add_argument("--size", type=int, default=256)
    args = p.parse_args(argv)
    print_machine(machine_info(), "decode worker -> indexer transfer")
    n, rounds = (20, 1) if args.smoke else (200, 3) if args.quick else (400, 5)
    size = 32 if args.smoke else args.size
    got: dict[str, list[tuple[float, float]]] = {"float32": [], "uint8": []}
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        list(pool.map(make, ["float32"] * 10, [size] * 10))
        for _ in range(rounds):
            for kind in got:
                got[kind].append(one_round(pool, kind, size, n))
    figures = {}
    for kind, runs in got.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        spread = f"{min(c for c, _ in runs):.2f}-{max(c for c, _ in runs):.2f}"
        print(f"{kind:>8} ({size} px): indexing-process CPU {cpu:.2f} ms a picture (range {spread}, {rounds} rounds), "
              f"wall {wall:.2f} ms")
        figures[kind] = cpu
    print(end_state())
    print(f"float32_cpu_ms={figures['float32']:.3f} uint8_cpu_ms={figures['uint8']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
