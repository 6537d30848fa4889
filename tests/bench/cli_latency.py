"""One-shot `photolens search` wall time from the shell, and `photolens --help`.

Each run is a fresh process started with subprocess, as from a shell: interpreter start,
imports, `Library.open`, loading the vector index, loading the text tower (ONNX, int8
ViT-B-32, optimised graph cached in the models folder's model cache after the first run:
PHOTOLENS_MODELS_DIR is the library's models/ here), encoding, search, printing. The library is the synthetic one of tests/bench/query_latency.py (100k items;
--quick 10k), cached. Reported: the first search on a library (graph optimisation
included), the median of N warm runs, `--help`, a bare `python -c pass` for scale, a
stage-by-stage breakdown of the same work in one process, and the heaviest imports.

    python tests/bench/cli_latency.py [--quick] [--runs N] [--items N] [--json FILE]
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
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
from tests.bench.query_latency import ensure_library  # noqa: E402

QUERY = "kids on the beach at sunset"

_STAGES = r"""
import json, sys, time
t0 = time.perf_counter()
from photolens.core.library import Library
t1 = time.perf_counter()
lib = Library.open(sys.argv[1])
t2 = time.perf_counter()
store = lib.vectors
t3 = time.perf_counter()
lib.embedder.warm_up(visual=False)
t4 = time.perf_counter()
lib.embedder.tokenizer
t4b = time.perf_counter()
from photolens.core.embed.tokenizer import clean_text
clean_text("warm up ftfy")
t4c = time.perf_counter()
res = lib.search(sys.argv[2])
t5 = time.perf_counter()
lib.search(sys.argv[2])
t6 = time.perf_counter()
lib.close()
t7 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "open_ms": (t2 - t1) * 1e3, "vectors_ms": (t3 - t2) * 1e3,
                  "text_tower_load_ms": (t4 - t3) * 1e3, "tokenizer_load_ms": (t4b - t4) * 1e3,
                  "ftfy_first_call_ms": (t4c - t4b) * 1e3, "first_search_ms": (t5 - t4c) * 1e3,
                  "second_search_ms": (t6 - t5) * 1e3, "close_ms": (t7 - t6) * 1e3, "hits": len(res.hits)}))
"""


def photolens_command() -> list[str]:
    script = Path(sys.executable).with_name("photolens")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "photolens.desktop.launcher"]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    return time.perf_counter() - t, proc


def heaviest_imports(cmd: list[str], top: int = 10) -> list[tuple[str, float]]:
    """Packages by import time of their own modules (python -X importtime, self times summed)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    _, proc = timed(cmd, env)
    totals: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+\d+\s+\|\s*(\S+)", line)
        if m:
            root = m.group(2).split(".")[0]
            if root == "photolens":
                root = ".".join(m.group(2).split(".")[:3])
            totals[root] = totals.get(root, 0.0) + int(m.group(1)) / 1000
    return sorted(totals.items(), key=lambda kv: -kv[1])[:top]


def main(argv: list[str] | None = None) -> int:
    p = base_parser("One-shot `photolens search` and `photolens --help` wall time.")
    p.add_argument("--runs", type=int, help="warm runs to take the median of (default 10; --quick 5; --smoke 2)")
    p.add_argument("--items", type=int, help="items in the library (default 100000; --quick 10000; --smoke 300)")
    args = p.parse_args(argv)
    info = machine_info()
    print_machine(info, "CLI latency")
    print(compile_like_an_install())
    smoke = args.smoke
    runs = args.runs or (2 if smoke else 5 if args.quick else 10)
    items = args.items or (300 if smoke else 10_000 if args.quick else 100_000)
    model = resolve_model(args).resolve()
    data, build = ensure_library(args.cache_dir, model, items)
    print(f"library: {data} ({build['built']:,} items); model {model}")
    base = photolens_command()
    search = [*base, "--data-dir", str(data), "search", QUERY]
    helpcmd = [*base, "--help"]
    print(f"command: {' '.join(search[-4:])!s} (via {base[-1]})", flush=True)

    models = data / "models"
    os.environ["PHOTOLENS_MODELS_DIR"] = str(models)  # every run below: its model cache there
    shutil.rmtree(models / ".cache", ignore_errors=True)  # the first search on a model optimises the graph
    first_s, proc = timed(search)
    if proc.returncode != 0:
        raise RuntimeError(f"photolens search failed ({proc.returncode}): {proc.stderr[-2000:]}")
    hits = len([ln for ln in proc.stdout.splitlines() if ln.strip()])
    warm = []
    for _ in range(runs):
        s, proc = timed(search)
        if proc.returncode != 0:
            raise RuntimeError(f"photolens search failed ({proc.returncode}): {proc.stderr[-2000:]}")
        warm.append(s)
    helps = []
    for _ in range(runs):
        s, proc = timed(helpcmd)
        if proc.returncode != 0:
            raise RuntimeError(f"photolens --help failed ({proc.returncode}): {proc.stderr[-2000:]}")
        helps.append(s)
    bare = median([timed([sys.executable, "-c", "pass"])[0] for _ in range(max(2, runs // 2))])
    print(f"first search on the model (graph optimisation and vocabulary included): {first_s * 1000:.0f} ms ({hits} lines printed)")
    print(f"photolens search, warm: median {median(warm) * 1000:.0f} ms (min {min(warm) * 1000:.0f}, "
          f"max {max(warm) * 1000:.0f}, {runs} runs)")
    print(f"photolens --help: median {median(helps) * 1000:.0f} ms; python -c pass: {bare * 1000:.0f} ms")

    stages_proc = subprocess.run([sys.executable, "-c", _STAGES, str(data), QUERY], capture_output=True, text=True,
                                 cwd=REPO, check=False)
    stages = json.loads(stages_proc.stdout.strip().splitlines()[-1]) if stages_proc.returncode == 0 else {}
    if stages:
        print("one process, stage by stage: " + ", ".join(f"{k[:-3]} {v:.0f} ms" for k, v in stages.items() if k.endswith("_ms")))
    imports = heaviest_imports(search) if not smoke else []
    if imports:
        print("heaviest imports of `photolens search` (own modules' time, by package): "
              + ", ".join(f"{name} {ms:.0f} ms" for name, ms in imports))
    print(end_state())
    write_json(args.json, {
        "machine": info, "items": build["built"], "first_search_s": first_s, "search_runs_s": warm,
        "search_median_s": median(warm), "help_runs_s": helps, "help_median_s": median(helps),
        "python_bare_s": bare, "stages": stages, "imports": imports, "end_state": end_state(),
    })
    print(f"cli_search_s={median(warm):.3f} cli_help_s={median(helps):.3f} cli_first_search_s={first_s:.3f} "
          f"items={build['built']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
