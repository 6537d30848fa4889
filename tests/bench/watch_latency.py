"""How long after a picture is copied into a watched folder it is searchable.

A library watches a folder (`Library.watch`, the live indexer the GUI and `photolens watch`
run); pictures are then copied in one at a time, each written in chunks as a file manager
does, and the time from the copy's first byte to the picture being returned by
`Library.search` (its path among the hits) is measured. The figure includes the watcher's
debounce (DEBOUNCE_S: a file must be quiet that long, so half-written files are not
read), decode, embedding and the commit. A burst (a camera import) is measured too: N
files copied at once, time until the last one is searchable.

    python tests/bench/watch_latency.py [--quick] [--copies N] [--burst N] [--json FILE]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    base_parser,
    end_state,
    machine_info,
    median,
    percentile,
    print_machine,
    resolve_model,
    write_json,
)
from tests.bench.make_jpegs import render  # noqa: E402

CHUNK = 64 * 1024


def copy_in_chunks(src: Path, dst: Path, pause_s: float = 0.01) -> None:
    """Write `dst` in pieces with small pauses, as a copy from a card or a share arrives."""
    data = src.read_bytes()
    with open(dst, "wb") as fh:
        for i in range(0, len(data), CHUNK):
            fh.write(data[i:i + CHUNK])
            fh.flush()
            time.sleep(pause_s)


def wait_searchable(lib, paths: set[str], timeout_s: float) -> float:  # noqa: ANN001
    """Seconds until every path is in the catalog as indexed and comes back from a search."""
    from photolens.core.query.model import SearchQuery

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        hits = lib.search(SearchQuery(text="a picture", limit=100_000, collapse_duplicates=False))
        if paths <= {h.path for h in hits.hits}:
            return time.perf_counter() - t0
        time.sleep(0.2)  # polling costs CPU the indexer needs: keep it light
    raise TimeoutError(f"{len(paths)} copied files not searchable after {timeout_s:.0f} s")


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Copy-to-searchable latency of the folder watcher.")
    p.add_argument("--copies", type=int, help="single copies to time (default 10; --quick 5; --smoke 2)")
    p.add_argument("--burst", type=int, help="files copied at once (default 200; --quick 50; --smoke 4)")
    args = p.parse_args(argv)
    print_machine(machine_info(), "watch latency")
    copies = args.copies or (2 if args.smoke else 5 if args.quick else 10)
    burst = args.burst or (4 if args.smoke else 50 if args.quick else 200)
    size = (320, 240) if args.smoke else (4000, 3000)
    model = resolve_model(args)

    from photolens.core.library import Library
    from photolens.core.progress import Controls
    from photolens.core.watcher import DEBOUNCE_S

    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="watch-", dir=cache))
    try:
        sources, watched = tmp / "sources", tmp / "photos"
        sources.mkdir()
        watched.mkdir()
        for i in range(copies + burst):
            render(i, size).save(sources / f"IMG_{i:05d}.jpg", quality=90)
        render(99_999, size).save(watched / "already-there.jpg", quality=90)
        lib = Library.open(tmp / "library", model_path=model, models_dir=tmp / "models")
        lib.add_folder(watched)
        controls = Controls.new()
        ready = threading.Event()
        thread = threading.Thread(target=lib.watch, args=(controls,), kwargs={"on_update": lambda _r: ready.set()},
                                  daemon=True)
        thread.start()
        try:
            if not ready.wait(600):
                raise TimeoutError("the start-up walk did not finish")
            lib.search("warm up the text tower")
            singles = []
            for i in range(copies):
                src = sources / f"IMG_{i:05d}.jpg"
                dst = watched / src.name
                t0 = time.perf_counter()
                copy_in_chunks(src, dst)
                singles.append(time.perf_counter() - t0 + wait_searchable(lib, {str(dst.resolve())}, 120))
            t0 = time.perf_counter()
            names = [f"IMG_{i:05d}.jpg" for i in range(copies, copies + burst)]
            for name in names:
                shutil.copyfile(sources / name, watched / name)
            burst_s = time.perf_counter() - t0 + wait_searchable(lib, {str((watched / n).resolve()) for n in names}, 1200)
        finally:
            controls.stop()
            thread.join(60)
            lib.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"model: {model.name}; pictures {size[0]}x{size[1]} JPEG; debounce {DEBOUNCE_S} s")
    print(f"single copy -> searchable: median {median(singles):.2f} s, p90 {percentile(singles, 90):.2f} s "
          f"over {copies} copies")
    print(f"burst of {burst} copies -> all searchable: {burst_s:.1f} s ({burst / burst_s:.1f} files/s)")
    print(end_state())
    figures = {"copy_to_searchable_median_s": round(median(singles), 2),
               "copy_to_searchable_p90_s": round(percentile(singles, 90), 2),
               "burst_files": burst, "burst_s": round(burst_s, 1)}
    write_json(args.json, {"machine": machine_info(), **figures})
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
