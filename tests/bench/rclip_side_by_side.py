"""Photolens against rclip 3.3.0 itself: indexing throughput and one-shot search, side by side.

Same 12-MP photo-like JPEGs (tests/bench/make_jpegs.py), same run, rounds interleaved
(rclip, ours with our default model, ours with rclip's model), each run a fresh process
tree with a fresh data dir, as from a shell:

- rclip: its own CLI (`python -c 'from rclip.main import main; main()' QUERY`, cwd = the
  photos), its own indexing loop, DB and query path, unpatched. rclip 3.3.0 does not use
  open_clip: it runs ONNX files (visual.onnx / textual.onnx, input "input", one output) that
  it downloads from the Hugging Face hub into $RCLIP_DATADIR/ViT-B-32-256-datacomp_s34b_b86k/
  unless they are already there. No hub here, so this puts them there: our random-weight
  fp32 ViT-B-32-256 export (common.ensure_rclip_like: rclip's architecture, same cost as the
  real weights) with its input/output renamed to rclip's names, plus open_clip's BPE vocab.
  rclip's run is "index the folder, then answer one query" (its CLI has no index-only mode;
  the query is ~0.1 s of a run). Its DB is checked afterwards: every file must have a row.
- ours (default): `photolens --data-dir D index --model-path M FOLDER`, the int8 ViT-B-32
  export (common.resolve_model), PHOTOLENS_ANALYZERS="" (CLIP only, as rclip does).
- ours (same model): the same with the fp32 ViT-B-32-256 export.

Per tool: median wall-clock img/s (whole command: start-up included) with its range, CPU
core-seconds per picture of the whole process tree (getrusage RUSAGE_CHILDREN deltas),
cores used (CPU / wall), and ours/rclip per round. The per-picture CPU limit is
usable cores / CPU per picture; "share of limit" is img/s over it. Then, on the last
round's libraries, one-shot search: `rclip --no-indexing -f -t 10 QUERY` against
`photolens search QUERY`, median of N warm runs each.

rclip is installed (once) with `pip install --no-deps --target DIR rclip==3.3.0 pi-heif`
(the venv has its other run-time dependencies). --smoke runs our side only at toy size.

    flock /tmp/bench.lock python tests/bench/rclip_side_by_side.py [--files 200] [--rounds 3] [--json FILE]
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from photolens.core.catalog import STATUS_INDEXED  # noqa: E402
from photolens.core.library import CATALOG_FILE  # noqa: E402
from tests.bench.common import (  # noqa: E402
    TreeCpu,
    base_parser,
    end_state,
    ensure_rclip_like,
    machine_info,
    median,
    print_machine,
    resolve_model,
    write_json,
)
from tests.bench.make_jpegs import SIZE, ensure_jpegs, temp_photo_folder  # noqa: E402

RCLIP_VERSION = "3.3.0"
RCLIP_SUBDIR = "ViT-B-32-256-datacomp_s34b_b86k"  # rclip.model_download.MODEL_SUBDIR
QUERY = "a cat on a sofa"


def ensure_rclip(site: Path) -> None:
    if (site / "rclip" / "main.py").is_file() and (site / "pi_heif").is_dir():
        return
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site),
           f"rclip=={RCLIP_VERSION}", "pi-heif>=1.1.1,<2"]
    print(f"installing rclip {RCLIP_VERSION}: {' '.join(cmd)}", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"pip could not install rclip {RCLIP_VERSION} into {site} (rc {proc.returncode}):\n"
                         f"{proc.stderr[-2000:]}")


def _renamed(src: Path, dst: Path, new_in: str, new_out: str) -> None:
    import onnx

    model = onnx.load(str(src))
    g = model.graph
    old_in, old_out = g.input[0].name, g.output[0].name
    del g.output[1:]  # rclip unpacks exactly one output
    for node in g.node:
        node.input[:] = [new_in if n == old_in else n for n in node.input]
        node.output[:] = [new_out if n == old_out else n for n in node.output]
    g.input[0].name, g.output[0].name = new_in, new_out
    tmp = dst.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(dst)


def ensure_rclip_models(out: Path, cache_dir: Path) -> Path:
    """rclip's model folder layout with our random-weight ViT-B-32-256 fp32 ONNX files."""
    sub = out / RCLIP_SUBDIR
    vocab = out / "tokenizer" / "bpe_simple_vocab_16e6.txt.gz"
    if (sub / "visual.onnx").is_file() and (sub / "textual.onnx").is_file() and vocab.is_file():
        return out
    src = ensure_rclip_like(cache_dir)
    sub.mkdir(parents=True, exist_ok=True)
    print(f"writing rclip-layout ONNX files (random weights, I/O renamed) to {out} (once) ...", flush=True)
    _renamed(src / "visual.onnx", sub / "visual.onnx", "input", "output")
    _renamed(src / "textual.onnx", sub / "textual.onnx", "input", "output")
    import open_clip

    vocab.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz", vocab)
    return out


def _rclip_datadir(models: Path, dest: Path) -> Path:
    (dest / RCLIP_SUBDIR).mkdir(parents=True)
    (dest / "tokenizer").mkdir()
    for rel in (f"{RCLIP_SUBDIR}/visual.onnx", f"{RCLIP_SUBDIR}/textual.onnx", "tokenizer/bpe_simple_vocab_16e6.txt.gz"):
        (dest / rel).symlink_to(models / rel)
    return dest


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Wall time and the CPU of the whole process tree: sampled from /proc (TreeCpu), which
    sees Photolens's worker pools under their fork server; getrusage(RUSAGE_CHILDREN) alone
    misses what a process did not wait for. The larger of the two counts."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with TreeCpu() as tree:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]}... failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {"wall_s": tree.wall_s, "cpu_s": max(tree.cpu_s, waited), "machine_busy": tree.machine_busy,
            "stdout": proc.stdout, "stderr": proc.stderr}


def rclip_cmd(site: Path, *extra: str) -> list[str]:
    code = f"import sys; sys.path.insert(0, {str(site)!r}); from rclip.main import main; sys.argv[0] = 'rclip'; main()"
    return [sys.executable, "-c", code, *extra]


def rclip_env(datadir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOLENS_")}
    env.update(RCLIP_DATADIR=str(datadir), HF_HUB_OFFLINE="1", TQDM_DISABLE="1")
    return env


def run_rclip(site: Path, models: Path, folder: Path, work: Path, n: int) -> dict:
    datadir = _rclip_datadir(models, work)
    r = timed(rclip_cmd(site, "-f", "-t", "10", QUERY), rclip_env(datadir), folder)
    with sqlite3.connect(datadir / "db.sqlite3") as con:
        rows = con.execute("SELECT COUNT(*) FROM images WHERE deleted IS NULL").fetchone()[0]
    if rows != n:
        raise RuntimeError(f"rclip indexed {rows} of {n} files:\n{r['stderr'][-3000:]}")
    r["indexed"] = rows
    r["datadir"] = datadir
    return r


def ours_env(models: Path) -> dict[str, str]:
    """A models folder kept across runs, as a user's is: its model cache (optimised graphs,
    vocabulary vectors) is made once, by an unmeasured first run, like rclip's downloaded
    model files are there before its timed runs."""
    env = dict(os.environ)
    env.pop("PHOTOLENS_THREADS", None)
    env.update(PHOTOLENS_MODELS_DIR=str(models), PHOTOLENS_ANALYZERS="")
    return env


def photolens_cmd() -> list[str]:
    return [sys.executable, "-c", "import sys; from photolens.core.cli import main; sys.exit(main())"]


def run_ours(model: Path, folder: Path, data: Path, n: int, models: Path) -> dict:
    r = timed([*photolens_cmd(), "--data-dir", str(data), "index", "--model-path", str(model), str(folder)],
              ours_env(models), data.parent)
    con = sqlite3.connect(data / CATALOG_FILE)
    try:  # every file indexed: embedded, with its metadata
        rows = con.execute("SELECT count(*) FROM files WHERE status = ?", (STATUS_INDEXED,)).fetchone()[0]
    finally:
        con.close()
    if rows != n:
        raise RuntimeError(f"photolens indexed {rows} of {n} files:\n{r['stdout'][-1500:]}{r['stderr'][-1500:]}")
    r["indexed"] = rows
    r["data"] = data
    return r


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Photolens against rclip 3.3.0 itself, side by side on the same files.")
    p.add_argument("--files", type=int, help="pictures (default 200; --quick 48; --smoke 4)")
    p.add_argument("--rounds", type=int, help="interleaved rounds (default 3; --quick 2; --smoke 1)")
    p.add_argument("--search-runs", type=int, default=5, help="warm one-shot searches per tool (default 5)")
    p.add_argument("--rclip-site", type=Path, default=Path("/tmp/rclip-site"), help="where rclip is installed")
    p.add_argument("--rclip-models", type=Path, help="rclip-layout model folder (default CACHE/models/rclip-layout)")
    args = p.parse_args(argv)
    smoke = args.smoke
    n = args.files or (4 if smoke else 48 if args.quick else 200)
    rounds = args.rounds or (1 if smoke else 2 if args.quick else 3)
    info = machine_info()
    print_machine(info, f"Photolens against rclip {RCLIP_VERSION}")
    cores = int(info["usable_cores"])  # type: ignore[arg-type]

    ours_default = resolve_model(args).resolve()
    ours_same = ours_default if smoke else ensure_rclip_like(args.cache_dir).resolve()
    tools: list[str] = ["ours_default", "ours_same"]
    if smoke:
        print("--smoke: rclip skipped (not installed in tests; no download during tests)")
    else:
        ensure_rclip(args.rclip_site)
        rmodels = ensure_rclip_models(args.rclip_models or args.cache_dir / "models" / "rclip-layout",
                                      args.cache_dir).resolve()
        tools.insert(0, "rclip")
    files = ensure_jpegs(n, args.cache_dir, size=(320, 240) if smoke else SIZE, verbose=not smoke)
    folder = temp_photo_folder(files, args.cache_dir)
    tmp = Path(tempfile.mkdtemp(prefix="rclip-sbs-"))
    print(f"{n} files in {folder}; {rounds} rounds of {', '.join(tools)}; models: ours default {ours_default.name}, "
          f"ours same {ours_same.name}", flush=True)
    res: dict[str, list[dict]] = {t: [] for t in tools}
    last: dict[str, dict] = {}
    try:
        models_of = {tool: tmp / f"{tool}-models" for tool in tools if tool != "rclip"}
        first = tmp / "first" / "photos"
        first.mkdir(parents=True)
        for f in files[:2]:
            shutil.copy(f, first / f.name)
        for tool, models in models_of.items():  # the model cache, made once per models folder (unmeasured)
            r = run_ours(ours_default if tool == "ours_default" else ours_same, first, tmp / f"first-{tool}", 2, models)
            print(f"  {tool}: first run on the model (cache made; not counted): {r['wall_s']:.1f} s", flush=True)
        for rnd in range(rounds):
            for tool in tools:
                work = tmp / f"{tool}-{rnd}"
                if tool == "rclip":
                    r = run_rclip(args.rclip_site, rmodels, folder, work, n)
                else:
                    work.mkdir(parents=True)
                    r = run_ours(ours_default if tool == "ours_default" else ours_same, folder, work / "data", n,
                                 models_of[tool])
                r["img_s"] = n / r["wall_s"]
                r["cpu_per_pic_s"] = r["cpu_s"] / n
                r["cores_used"] = r["cpu_s"] / r["wall_s"]
                last[tool] = r
                res[tool].append({k: v for k, v in r.items() if k not in ("stdout", "stderr")})
                print(f"  round {rnd + 1} {tool:12s}: {r['img_s']:.2f} img/s ({r['wall_s']:.1f} s), "
                      f"CPU {r['cpu_per_pic_s']:.3f} s/pic, {r['cores_used']:.2f} cores (machine {r['machine_busy']:.0%} busy), "
                      f"{r['indexed']} indexed (load {' '.join(Path('/proc/loadavg').read_text().split()[:3])})",
                      flush=True)
        print()
        summary: dict[str, float] = {}
        for tool in tools:
            v = [x["img_s"] for x in res[tool]]
            cpu = median([x["cpu_per_pic_s"] for x in res[tool]])
            used = median([x["cores_used"] for x in res[tool]])
            limit = cores / cpu
            summary[f"{tool}_img_s"] = median(v)
            summary[f"{tool}_cpu_per_pic_s"] = cpu
            summary[f"{tool}_cores"] = used
            summary[f"{tool}_share_of_limit"] = median(v) / limit
            print(f"{tool:12s}: median {median(v):.2f} img/s (range {min(v):.2f}-{max(v):.2f}, {len(v)} runs); "
                  f"CPU {cpu:.3f} core-s/pic; {used:.2f} cores used; limit {cores} cores / CPU = {limit:.2f} img/s, "
                  f"reached {median(v) / limit:.0%}")
        if "rclip" in res:
            for ours in ("ours_default", "ours_same"):
                per = [o["img_s"] / r["img_s"] for o, r in zip(res[ours], res["rclip"], strict=True)]
                summary[f"{ours}_over_rclip"] = median(per)
                print(f"{ours}/rclip per round: {', '.join(f'{x:.2f}x' for x in per)} (median {median(per):.2f}x)")

        print(f"\none-shot search '{QUERY}', {args.search_runs} warm runs each (after one unmeasured):", flush=True)
        searches: dict[str, list[float]] = {}
        for tool in tools:
            r = last[tool]
            if tool == "rclip":
                cmd, env, cwd = rclip_cmd(args.rclip_site, "--no-indexing", "-f", "-t", "10", QUERY), \
                    rclip_env(r["datadir"]), folder
            else:
                cmd = [*photolens_cmd(), "--data-dir", str(r["data"]), "search", QUERY]
                env, cwd = ours_env(models_of[tool]), r["data"].parent
            timed(cmd, env, cwd)
            searches[tool] = [timed(cmd, env, cwd)["wall_s"] for _ in range(max(1, args.search_runs))]
            s = searches[tool]
            summary[f"{tool}_search_s"] = median(s)
            print(f"  {tool:12s}: median {median(s):.2f} s (range {min(s):.2f}-{max(s):.2f})", flush=True)
        print()
        print(end_state())
        write_json(args.json, {"machine": info, "files": n, "rounds": rounds, "runs": res, "search_s": searches,
                               "summary": summary, "end_state": end_state()})
        print(" ".join(f"{k}={v:.3f}" for k, v in summary.items()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(folder.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
