"""Fresh start: a new library's wall time from the shell to its first pictures embedded.

Each run is a new process (as `photolens index` from a shell) on a NEW data dir: interpreter
start, imports, `Library.open`, add a folder of 8 12-MP JPEGs (one batch), index; the time
is taken when the indexer reports its first committed pictures. Two cases:

- model cached: the models folder's model cache (core/embed/model_cache.py) holds the
  optimised graphs and the vocabulary vectors, as for any library after the model's first;
- model not cached: the model's cache removed before each run (graph optimisation and
  the vocabulary embedded in the run), as for the first library on a freshly fetched model,
  and as for every new library before the cache moved to the models folder.

Analyzers (faces, text in pictures) are off (PHOTOLENS_ANALYZERS=""): they run after the
first pass and do not delay it. Runs repeat until two in a row agree within 10% (at least
3, at most --runs) and the median, min and max are printed with the load average.

    python tests/bench/fresh_start.py [--smoke] [--model-path DIR] [--runs N] [--json FILE]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    REPO,
    base_parser,
    compile_like_an_install,
    end_state,
    machine_info,
    median,
    print_machine,
    resolve_model,
    write_json,
)
from tests.bench.make_jpegs import ensure_jpegs  # noqa: E402

ORACLE = REPO / "tests" / "fixtures" / "models" / "oracle"
PICTURES = 8

_CHILD = r"""
import json, sys, time
spawned = float(sys.argv[1])
t0 = time.time()
from photolens.core.library import Library
t1 = time.time()
data, models, model, folder = sys.argv[2:6]
marks = {}
def progress(p):
    if p.phase != "scan" and p.done >= 1 and "first" not in marks:
        marks["first"] = time.time()
lib = Library.open(data, model_path=model, models_dir=models)
lib.add_folder(folder)
t2 = time.time()
lib.index(progress=progress)
t3 = time.time()
lib.close()
print(json.dumps({"first_s": marks["first"] - spawned, "to_main_s": t0 - spawned, "import_s": t1 - t0,
                  "open_s": t2 - t1, "to_first_in_index_s": marks["first"] - t2, "index_s": t3 - t2}))
"""


def one_run(work: Path, models: Path, model: Path, folder: Path) -> dict[str, float]:
    data = Path(tempfile.mkdtemp(prefix="lib-", dir=work))
    env = {**os.environ, "PHOTOLENS_ANALYZERS": ""}
    try:
        spawned = time.time()
        proc = subprocess.run([sys.executable, "-c", _CHILD, repr(spawned), str(data), str(models), str(model),
                               str(folder)], capture_output=True, text=True, env=env, cwd=REPO, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"fresh start failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(data, ignore_errors=True)


def until_stable(label: str, runs: int, run: object) -> list[dict[str, float]]:
    """Runs until two in a row agree within 10% (at least 3, at most `runs`)."""
    out: list[dict[str, float]] = []
    while len(out) < runs:
        out.append(run())  # type: ignore[operator]
        firsts = [r["first_s"] for r in out]
        print(f"  {label}: run {len(out)}: first pictures at {firsts[-1] * 1000:.0f} ms "
              f"(load {' '.join(f'{x:.2f}' for x in os.getloadavg())})", flush=True)
        if len(out) >= 3 and abs(firsts[-1] - firsts[-2]) <= 0.1 * min(firsts[-1], firsts[-2]):
            return out
    print(f"  {label}: two runs in a row did not agree within 10% in {runs} runs", flush=True)
    return out


def summary(results: list[dict[str, float]]) -> dict[str, float]:
    keys = results[0].keys()
    return {k: median([r[k] for r in results]) for k in keys} | {
        "min_first_s": min(r["first_s"] for r in results), "max_first_s": max(r["first_s"] for r in results),
        "runs": len(results)}


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Fresh start: a new library's time to its first pictures embedded.")
    p.add_argument("--runs", type=int, default=8, help="at most this many runs a case (default 8)")
    p.add_argument("--oracle-only", action="store_true", help="only the repo's small test model")
    args = p.parse_args(argv)
    info = machine_info()
    print_machine(info, "Fresh start")
    print(compile_like_an_install())
    size = (320, 240) if args.smoke else (4000, 3000)
    pictures = ensure_jpegs(PICTURES, args.cache_dir, size=size, verbose=True)
    models_to_run = [("oracle (tests/fixtures/models/oracle)", ORACLE)]
    if not args.oracle_only and not args.smoke:
        models_to_run.append((f"ViT-B-32 int8 ({resolve_model(args)})", resolve_model(args)))
    runs = 2 if args.smoke else max(3, args.runs)
    figures: dict[str, object] = {"machine": info, "pictures": PICTURES, "size": size}
    work = Path(tempfile.mkdtemp(prefix="fresh-start-", dir=args.cache_dir))
    try:
        folder = work / "photos"
        folder.mkdir()
        for pic in pictures:
            try:
                os.link(pic, folder / pic.name)
            except OSError:
                shutil.copy(pic, folder / pic.name)
        for label, model in models_to_run:
            models = work / f"models-{model.name}"
            print(f"{label}: {PICTURES} x {size[0]}x{size[1]} JPEGs, a new data dir each run", flush=True)

            def uncached(models: Path = models, model: Path = model) -> dict[str, float]:
                shutil.rmtree(models, ignore_errors=True)
                return one_run(work, models, model, folder)

            not_cached = until_stable("not cached", runs, uncached)
            one_run(work, models, model, folder)  # the model's first library: fills the cache
            cached = until_stable("cached", runs, lambda models=models, model=model: one_run(work, models, model, folder))
            for case, results in (("cached", cached), ("not cached", not_cached)):
                s = summary(results)
                figures[f"{model.name} {case}"] = {"summary": s, "runs": results}
                print(f"{label}, model {case}: first pictures at median {s['first_s'] * 1000:.0f} ms "
                      f"(min {s['min_first_s'] * 1000:.0f}, max {s['max_first_s'] * 1000:.0f}, {s['runs']} runs); "
                      f"of it: interpreter {s['to_main_s'] * 1000:.0f} ms, imports {s['import_s'] * 1000:.0f}, "
                      f"open + add folder {s['open_s'] * 1000:.0f}, index to first batch "
                      f"{s['to_first_in_index_s'] * 1000:.0f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(end_state())
    figures["end_state"] = end_state()
    write_json(args.json, figures)
    print(" ".join(f"{key.replace(' ', '_')}_s={value['summary']['first_s']:.3f}"  # type: ignore[index]
                   for key, value in figures.items() if isinstance(value, dict) and "summary" in value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
