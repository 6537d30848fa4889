"""Content hash per file: blake2b-128 (libraries before xxh3) against xxh3-128 (today's).

Setup (not timed): N files of S bytes (default 48 of 3.2 MB, the size of the benchmark's
12-MP JPEGs; the content does not change a hash's speed), read once so they are in the
page cache: what is timed is the hash, as the indexer's hashing worker pays it for a file
it has just been handed. Timed, one core, each file in turn: `legacy_content_hash`
(blake2b), `content_hash` (xxh3, the default), and `content_hashes(legacy=True)` (both in
one read: what a file of the size of content known by its old hash costs). Rounds repeat
until two in a row agree within 10% on every figure (at most 10 rounds), or it says so;
the figures are the medians over all rounds, with their spread.

    python tests/bench/hash_speed.py [--files N] [--mb S] [--json FILE]

The last line is `blake2b_ms=... xxh3_ms=... both_ms=... speedup=...` (medians per file).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    base_parser,
    end_state,
    machine_info,
    median,
    print_machine,
    write_json,
)

AGREE = 0.10
MAX_ROUNDS = 10


def _per_file_ms(fn: Callable[[Path], object], files: list[Path]) -> float:
    times = []
    for f in files:
        t = time.perf_counter()
        fn(f)
        times.append(time.perf_counter() - t)
    return median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--files", type=int, default=48)
    p.add_argument("--mb", type=float, default=3.2, help="file size in MB (10^6 bytes)")
    args = p.parse_args(argv)
    if args.smoke:
        args.files, args.mb = 4, 0.25
    from photolens.core.media.hashing import content_hash, content_hashes, legacy_content_hash

    info = machine_info()
    print_machine(info, "content hash per file")
    size = int(args.mb * 1e6)
    ways: dict[str, Callable[[Path], object]] = {
        "blake2b": legacy_content_hash,
        "xxh3": content_hash,
        "both": lambda f: content_hashes(f, legacy=True),
    }
    with tempfile.TemporaryDirectory(prefix="photolens-hash-") as tmp:
        files = []
        for i in range(args.files):
            path = Path(tmp) / f"f{i:03d}.bin"
            path.write_bytes(os.urandom(size))
            files.append(path)
        for f in files:
            f.read_bytes()  # in the page cache
        rounds: list[dict[str, float]] = []
        agreed = False
        while len(rounds) < MAX_ROUNDS and not agreed:
            rounds.append({name: _per_file_ms(fn, files) for name, fn in ways.items()})
            print("round " + str(len(rounds)) + ": " + ", ".join(f"{k} {v:.2f} ms" for k, v in rounds[-1].items()))
            if len(rounds) >= 2:
                a, b = rounds[-2], rounds[-1]
                agreed = all(abs(a[k] - b[k]) <= AGREE * max(a[k], b[k]) for k in ways)
    if not agreed:
        print(f"the last two rounds did not agree within {AGREE:.0%} after {MAX_ROUNDS} rounds: figures are noisy")
    final = {k: median([r[k] for r in rounds]) for k in ways}
    spread = {k: (min(r[k] for r in rounds), max(r[k] for r in rounds)) for k in ways}
    print(f"{args.files} files of {size / 1e6:.1f} MB; spread over {len(rounds)} rounds: "
          + ", ".join(f"{k} {lo:.2f}-{hi:.2f} ms" for k, (lo, hi) in spread.items()))
    print(end_state())
    write_json(args.json, {"machine": info, "rounds": rounds, "final": final, "agreed": agreed,
                           "files": args.files, "bytes": size})
    print(f"blake2b_ms={final['blake2b']:.2f} xxh3_ms={final['xxh3']:.2f} both_ms={final['both']:.2f} "
          f"speedup={final['blake2b'] / final['xxh3']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
