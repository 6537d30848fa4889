"""Indexing throughput on 12-megapixel photo-like JPEGs: our pipeline against naive ones.

On the same files (tests/bench/make_jpegs.py: real photos blended to 12 MP, ~2.8 MB),
each measurement in its own child process, repeated until two consecutive runs agree
within 10% (or it says it could not), medians with their range:

(a) the default model (int8 ViT-B-32, 224 px, random weights: same cost as real ones):
    - model only: the image tower on pre-decoded batches, and each stage's CPU cost per
      picture on one core (decode, hash, metadata, the model with one thread);
    - end to end: `Library.open` + `add_folder` + `index()` on a fresh library, the CLIP
      pass only (faces and text off): scan, hash, metadata, decode in worker processes,
      the image tower in lanes (core/pipeline_balance.py), commits, the vector index;
      the steady rate (the middle half of the pass: between the commits at 1/4 and 3/4 of
      the files) and the whole call (start-up and the vocabulary bank included), with the
      CPU of the whole process tree (cores used) and the share of the per-picture CPU
      limit (cores / CPU per picture) it reaches;
    - naive: torch fp32 open_clip ViT-B-32, full-size PIL decode, open_clip's preprocess,
      one picture at a time, no overlap.
(b) rclip-like, the same model on both sides: open_clip ViT-B-32-256 fp32 at 256 px
    (rclip's model family), our pipeline against the naive one-at-a-time torch loop.
(c) analyzers: the default model end to end with faces, text in pictures and places on:
    the first pass (the CLIP pass, until the pictures are searchable) and the whole run.

    python tests/bench/index_throughput.py [--quick] [--model-path DIR] [--json FILE]

The last line is `e2e_img_s=... model_only_img_s=... naive_img_s=... speedup_vs_naive=...
e2e_share_of_model_only=... rclip_like_e2e_img_s=... rclip_like_naive_img_s=...
rclip_like_speedup=... cpu_cores_used=... share_of_cpu_limit=... first_pass_img_s=...
with_analyzers_img_s=...` (medians).
"""

from __future__ import annotations

import json
import logging
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
    Repeated,
    TreeCpu,
    base_parser,
    end_state,
    ensure_rclip_like,
    machine_info,
    memory_mib,
    print_machine,
    repeat_until_stable,
    resolve_model,
    tiny_clip_model,
    write_json,
)
from tests.bench.make_jpegs import SIZE, ensure_jpegs, temp_photo_folder  # noqa: E402

CHILD_TAG = "BENCH_CHILD_RESULT "


# -- children: each measurement in a fresh process ---------------------------------------------------
def _child_model_only(job: dict) -> dict:
    import numpy as np

    from photolens.core.embed.model_files import ModelFolder
    from photolens.core.embed.onnx_backend import OnnxEmbedder
    from photolens.core.media.hashing import content_hash
    from photolens.core.media.metadata import read_metadata
    from photolens.core.media.workers import DecodeJob, decode_for_model

    folder = ModelFolder.load(Path(job["model"]))
    files = job["files"]
    # each stage's CPU per picture on one core (serial)
    t0 = time.process_time()
    for f in files:
        content_hash(f)
    hash_ms = (time.process_time() - t0) / len(files) * 1000
    t0 = time.process_time()
    for f in files:
        read_metadata(f)
    meta_ms = (time.process_time() - t0) / len(files) * 1000
    t0 = time.process_time()
    decoded = [decode_for_model(DecodeJob(f, folder.config)) for f in files]
    decode_ms = (time.process_time() - t0) / len(files) * 1000
    bad = [d for d in decoded if isinstance(d, str)]
    if bad:
        raise RuntimeError(f"decode failed: {bad[0]}")
    pool = np.stack(decoded)
    batch = job["batch"]

    def rate(threads: int) -> tuple[float, float]:
        emb = OnnxEmbedder(folder, threads=threads, device="cpu", cache_dir=Path(job["ort_cache"]))
        emb.embed_pixels(np.resize(pool, (batch, *pool.shape[1:])))  # warm-up (session load)
        done, n_target = 0, max(job["images"], 3 * batch)
        start, cpu0 = time.perf_counter(), time.process_time()
        while done < n_target:
            emb.embed_pixels(pool[[(done + i) % len(pool) for i in range(batch)]])
            done += batch
        return done / (time.perf_counter() - start), (time.process_time() - cpu0) / done * 1000

    one_rate, model_ms = rate(1)
    all_rate, _ = rate(os.cpu_count() or 1)
    return {"img_s": all_rate, "one_thread_img_s": one_rate, "model_ms": model_ms, "decode_ms": decode_ms,
            "hash_ms": hash_ms, "meta_ms": meta_ms, "batch": batch, "peak_rss_mib": memory_mib().get("VmHWM", 0.0)}


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _child_e2e(job: dict) -> dict:
    os.environ.pop("PHOTOLENS_THREADS", None)
    if job.get("threads"):
        os.environ["PHOTOLENS_THREADS"] = str(job["threads"])
    from photolens.core.library import Library

    if job.get("lanes"):  # a variation: this many image-tower lanes whatever the measured costs
        from photolens.core import indexer
        from photolens.core.pipeline_balance import Split

        fixed = Split(decoders=2, lanes=int(job["lanes"]))
        indexer.plan_split = lambda *a, **k: fixed  # type: ignore[assignment]
        start = indexer._EmbedRun.__init__

        def fixed_from_the_start(self, *a, **k) -> None:  # noqa: ANN001, ANN002, ANN003
            start(self, *a, **k)
            self.split = fixed

        indexer._EmbedRun.__init__ = fixed_from_the_start  # type: ignore[method-assign]
    balance = _Lines()
    indexer_log = logging.getLogger("photolens.core.indexer")
    indexer_log.setLevel(logging.INFO)
    indexer_log.addHandler(balance)
    data = Path(tempfile.mkdtemp(prefix="lib-", dir=job["tmp"]))
    try:
        # the model cache a second library finds (the first: + graph optimisation, + vocabulary)
        models = Path(job["ort_seed"]) if job.get("ort_seed") else data / "models"
        lib = Library.open(data, model_path=job["model"], models_dir=models)
        analyzers = bool(job.get("analyzers"))
        settings = lib.settings.with_changes(batch_size=job["batch"], decode_workers=job["workers"],
                                             faces=analyzers, ocr=analyzers)
        lib.save_settings(settings)
        lib.add_folder(job["folder"])
        events: list[tuple[float, str, int]] = []

        def progress(p) -> None:  # noqa: ANN001
            events.append((time.perf_counter(), p.phase, p.done))

        with TreeCpu() as cpu:
            t0 = time.perf_counter()
            report = lib.index(progress=progress)
            wall = time.perf_counter() - t0
        lib.close()
        idx = [(t, d) for t, ph, d in events if ph == "index"]
        first_pass_s = (idx[-1][0] - t0) if idx else wall
        # steady: the middle half of the pass, from the commit at a quarter of the files to the
        # one at three quarters. Outside it: start-up (the vocabulary bank, sessions), during
        # which the workers hash everything and decode a queue's worth ahead (counted from the
        # first commit, the rate would include that head start), the queue's drain at the
        # end, and the analyzers after the pass.
        n = report.embedded
        mid = [(t, d) for t, d in idx if n / 4 <= d <= 3 * n / 4]
        if len(mid) >= 2 and mid[-1][1] > mid[0][1]:
            (ta, da), (tb, db) = mid[0], mid[-1]
        else:
            (ta, da), (tb, db) = (t0, 0), (t0 + first_pass_s, n)
        steady_cpu = cpu.cpu_between(ta, tb)
        return {
            "img_s": (db - da) / (tb - ta) if tb > ta else 0.0, "whole_img_s": report.embedded / wall,
            "first_commit_s": ta - t0, "steady_cores_used": steady_cpu / (tb - ta) if tb > ta else 0.0,
            "steady_cpu_ms_per_picture": steady_cpu / max(1, db - da) * 1000, "wall_s": wall,
            "first_pass_img_s": report.embedded / first_pass_s if first_pass_s > 0 else 0.0,
            "first_pass_s": first_pass_s, "embedded": report.embedded, "errors": report.errors,
            "cpu_s": cpu.cpu_s, "cores_used": cpu.cpu_s / cpu.wall_s, "machine_busy": cpu.machine_busy,
            "cpu_ms_per_picture": cpu.cpu_s / max(1, report.embedded) * 1000,
            "workers": job["workers"], "batch": job["batch"], "balance": balance.lines[-3:],
            "peak_rss_mib": memory_mib().get("VmHWM", 0.0),
        }
    finally:
        shutil.rmtree(data, ignore_errors=True)


def _child_naive(job: dict) -> dict:
    import open_clip
    import torch
    from PIL import Image

    torch.manual_seed(0)
    if job["smoke"]:
        model, size = tiny_clip_model(), 32
    else:
        model = open_clip.create_model(job["arch"], pretrained=None)
        size = int(job["size"])
    model.eval()
    preprocess = open_clip.image_transform(size, is_train=False)
    with torch.no_grad():  # one warm-up so torch's lazy initialisation is not counted
        model.encode_image(torch.zeros(1, 3, size, size))
    dec = pre = inf = 0.0
    start, cpu0 = time.perf_counter(), time.process_time()
    for path in job["files"]:
        t0 = time.perf_counter()
        image = Image.open(path).convert("RGB")
        t1 = time.perf_counter()
        x = preprocess(image).unsqueeze(0)
        t2 = time.perf_counter()
        with torch.no_grad():
            vec = model.encode_image(x)
            vec = vec / vec.norm(dim=-1, keepdim=True)
        t3 = time.perf_counter()
        dec, pre, inf = dec + t1 - t0, pre + t2 - t1, inf + t3 - t2
    wall = time.perf_counter() - start
    n = len(job["files"])
    return {
        "img_s": n / wall, "images": n, "decode_ms": dec / n * 1000, "preprocess_ms": pre / n * 1000,
        "model_ms": inf / n * 1000, "torch_threads": torch.get_num_threads(),
        "cores_used": (time.process_time() - cpu0) / wall, "peak_rss_mib": memory_mib().get("VmHWM", 0.0),
    }


CHILDREN = {"model_only": _child_model_only, "e2e": _child_e2e, "naive": _child_naive}


def run_child(kind: str, job: dict, *, in_process: bool = False) -> dict:
    """Run one measurement in a fresh interpreter (or here: --smoke, where torch is loaded already)."""
    if in_process:
        return CHILDREN[kind](dict(job))
    payload = json.dumps({"kind": kind, **job})
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", payload],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(CHILD_TAG):
            return json.loads(line[len(CHILD_TAG):])
    raise RuntimeError(f"{kind} child failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


# -- the benchmark -----------------------------------------------------------------------------------
def _seed_ort_cache(model: Path, cache_dir: Path) -> tuple[Path, str]:
    """Optimise the graphs once (as a model's first library does) into a models folder's
    model cache (core/embed/model_cache.py), which the e2e runs then share."""
    from photolens.core.embed.model_cache import ModelCache
    from photolens.core.embed.model_files import ModelFolder
    from photolens.core.embed.onnx_backend import OnnxEmbedder

    folder = ModelFolder.load(model)
    name = folder.config.model_id.replace("/", "_")
    seed = cache_dir / "ort-seed" / f"{model.name}-{abs(hash(str(model.resolve()))) % 10**8}"
    cache = ModelCache.open(seed, folder)
    OnnxEmbedder(folder, device="cpu", cache_dir=cache.graphs_dir if cache else None).warm_up()
    return seed, name


def _e2e_line(rep: Repeated) -> str:
    r = rep.median_run()
    whole = sorted(x["whole_img_s"] for x in rep.runs)
    return (f"  end to end, steady (middle half of the pass): {rep.describe()} img/s; whole index() call "
            f"{whole[(len(whole) - 1) // 2]:.1f} img/s ({whole[0]:.1f}-{whole[-1]:.1f}: with start-up, vocabulary bank, "
            f"hub scores)\n"
            f"    median run: first commit after {r['first_commit_s']:.1f} s, wall {r['wall_s']:.1f} s; steady: "
            f"{r['steady_cores_used']:.2f} cores used by the process tree ({r['steady_cpu_ms_per_picture']:.0f} "
            f"core-ms a picture); whole call {r['cores_used']:.2f} cores; machine busy {r['machine_busy']:.0%} (all "
            f"processes), peak RSS {r['peak_rss_mib']:.0f} MiB; balance: {r['balance'] or ['(one lane)']}")


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Indexing throughput: our pipeline against naive ones, default and rclip-like models.")
    p.add_argument("--count", type=int, help="images for our pipeline (default 128; --quick 64)")
    p.add_argument("--naive-count", type=int, help="images for the naive pipelines (default 32; --quick 12)")
    p.add_argument("--analyzer-count", type=int, help="images for the analyzers run (default 48; --quick 16)")
    p.add_argument("--max-runs", type=int, help="tries to get two runs within 10%% (default 5; --quick 4)")
    p.add_argument("--no-analyzers", action="store_true", help="skip (c)")
    p.add_argument("--no-rclip-like", action="store_true", help="skip (b)")
    p.add_argument("--child", help=__import__("argparse").SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        job = json.loads(args.child)
        print(CHILD_TAG + json.dumps(CHILDREN[job.pop("kind")](job)), flush=True)
        return 0

    info = machine_info()
    print_machine(info, "indexing throughput")
    smoke = args.smoke
    count = args.count or (6 if smoke else 64 if args.quick else 128)
    naive_count = args.naive_count or (3 if smoke else 12 if args.quick else 32)
    analyzer_count = args.analyzer_count or (4 if smoke else 16 if args.quick else 48)
    max_runs = args.max_runs or (1 if smoke else 4 if args.quick else 5)
    size = (320, 240) if smoke else SIZE
    model = resolve_model(args).resolve()
    cache = Path(args.cache_dir)
    cores = os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="index-bench-", dir=_mk(cache)))
    results: dict[str, object] = {"machine": info}
    try:
        paths = ensure_jpegs(max(count, naive_count, analyzer_count), cache, size=size)
        folder = temp_photo_folder(paths[:count], tmp)
        few = temp_photo_folder(paths[:analyzer_count], tmp)
        mean_mb = sum(p.stat().st_size for p in paths[:count]) / count / 1e6
        print(f"files: {count} x {size[0]}x{size[1]} photo-like JPEG q90, mean {mean_mb:.2f} MB (page cache warm)")
        from photolens.core.config import Settings

        batch = Settings().batch_size
        results.update({"files": count, "mean_mb": mean_mb, "batch": batch})

        def pipeline(model_dir: Path, label: str, *, files: Path = folder, analyzers: bool = False,
                     key: str = "img_s", warm_up: bool = True) -> Repeated:
            seed, ort_name = _seed_ort_cache(model_dir, tmp)
            job = {"model": str(model_dir), "folder": str(files), "workers": 0, "batch": batch, "tmp": str(tmp),
                   "ort_seed": str(seed), "ort_name": ort_name, "analyzers": analyzers}
            if warm_up and not smoke:
                run_child("e2e", job)  # the first run in a fresh process tree pays for cold caches: not reported
            return repeat_until_stable(lambda: run_child("e2e", job), key, max_runs=max_runs, label=label)

        def naive(arch: str, px: int, label: str) -> Repeated:
            job = {"files": [str(p) for p in paths[:naive_count]], "smoke": smoke, "arch": arch, "size": px}
            return repeat_until_stable(lambda: run_child("naive", job, in_process=smoke), "img_s",
                                       max_runs=max_runs, label=label)

        def model_only(model_dir: Path) -> dict:
            return run_child("model_only", {
                "model": str(model_dir), "batch": batch, "images": min(count, 32 if smoke else 64),
                "files": [str(p) for p in paths[: min(count, 8 if smoke else 16)]],
                "ort_cache": str(tmp / "ort-mo" / model_dir.name)}, in_process=smoke)

        def limits(mo: dict, e2e: Repeated, label: str) -> dict:
            r = e2e.median_run()
            stage_ms = mo["decode_ms"] + mo["hash_ms"] + mo["meta_ms"] + mo["model_ms"]
            serial_bound = cores * 1000 / stage_ms
            tree_bound = cores * 1000 / r["steady_cpu_ms_per_picture"]
            print(f"  {label}: CPU per picture on one core: decode {mo['decode_ms']:.0f} ms + hash {mo['hash_ms']:.1f} "
                  f"+ metadata {mo['meta_ms']:.1f} + model (1 thread) {mo['model_ms']:.0f} = {stage_ms:.0f} core-ms "
                  f"-> limit {serial_bound:.1f} img/s on {cores} cores; end to end reaches "
                  f"{e2e.median / serial_bound:.0%} of it", flush=True)
            print(f"  {label}: measured in the run (steady): {r['steady_cpu_ms_per_picture']:.0f} core-ms a picture "
                  f"(whole tree) -> limit {tree_bound:.1f} img/s; the median run reached {r['img_s'] / tree_bound:.0%} "
                  f"of it ({r['steady_cores_used']:.2f} of {cores} cores)", flush=True)
            return {"stage_ms": stage_ms, "serial_bound_img_s": serial_bound, "share_of_serial_bound": e2e.median / serial_bound,
                    "tree_bound_img_s": tree_bound, "share_of_tree_bound": r["img_s"] / tree_bound}

        def compare(model_dir: Path, label: str, prefix: str, arch: str, px: int,
                    naive_text: str) -> tuple[dict, Repeated, Repeated]:
            """One model: alone, through our pipeline, through the naive loop, and the limits."""
            mo = model_only(model_dir)
            print(f"  model only: {mo['img_s']:.1f} img/s ({cores} threads), {mo['one_thread_img_s']:.1f} img/s one "
                  f"thread ({mo['model_ms']:.0f} core-ms a picture)", flush=True)
            run = pipeline(model_dir, prefix + "e2e")
            print(_e2e_line(run), flush=True)
            lim = limits(mo, run, label)
            nv = naive(arch, px, prefix + "naive")
            print(f"  {naive_text}: {nv.describe(2)} img/s; ratio {run.median / nv.median:.2f}x", flush=True)
            return ({"model_only": mo, "e2e": run.runs, "e2e_stable": run.stable, "naive": nv.runs,
                     "naive_stable": nv.stable, **lim}, run, nv)

        print(f"\n(a) default model {model.name}, batch {batch}:", flush=True)
        results["default"], e2e, nv = compare(
            model, "default", "", "ViT-B-32", 224,
            f"naive (torch fp32 ViT-B-32, full decode, one at a time, {naive_count} files)")
        mo = results["default"]["model_only"]  # type: ignore[index]

        rc_e2e = rc_nv = None
        if not args.no_rclip_like:
            rc_model = model if smoke else ensure_rclip_like(cache)
            print(f"\n(b) rclip-like, the same model on both sides: {rc_model.name} (fp32, 256 px):", flush=True)
            results["rclip_like"], rc_e2e, rc_nv = compare(
                rc_model, "rclip-like", "rclip-like ", "ViT-B-32-256", 256,
                "naive torch, same model (fp32 ViT-B-32-256, full decode, one at a time)")

        if not args.no_analyzers:
            print(f"\n(c) analyzers: {analyzer_count} files, default model, CLIP only against faces + text + places:",
                  flush=True)
            clip_only = pipeline(model, "CLIP only", files=few, key="first_pass_img_s")
            an = pipeline(model, "all analyzers", files=few, analyzers=True, key="whole_img_s", warm_up=False)
            for label, r in (("CLIP only", clip_only), ("every analyzer on", an)):
                passes = ", ".join(f"{x['first_pass_img_s']:.1f}" for x in r.runs)
                whole = ", ".join(f"{x['whole_img_s']:.2f}" for x in r.runs)
                searchable = ", ".join(f"{x['first_pass_s']:.1f}" for x in r.runs)
                print(f"  {label}: first pass (index() start to all pictures searchable, start-up included) "
                      f"{passes} img/s, after {searchable} s; whole index() call {whole} img/s", flush=True)
            results["analyzers"] = {"clip_only": clip_only.runs, "all": an.runs}
            first_pass = sorted(x["first_pass_img_s"] for x in an.runs)[(len(an.runs) - 1) // 2]
            with_analyzers = an.median
        else:
            first_pass = with_analyzers = float("nan")  # not measured

        print()
        print(end_state())
        results["end_state"] = end_state()
        figures = {
            "e2e_img_s": e2e.median, "model_only_img_s": mo["img_s"], "naive_img_s": nv.median,
            "speedup_vs_naive": e2e.median / nv.median, "e2e_share_of_model_only": e2e.median / mo["img_s"],
            "rclip_like_e2e_img_s": rc_e2e.median if rc_e2e else float("nan"),
            "rclip_like_naive_img_s": rc_nv.median if rc_nv else float("nan"),
            "rclip_like_speedup": rc_e2e.median / rc_nv.median if rc_e2e and rc_nv else float("nan"),
            "cpu_cores_used": (rc_e2e or e2e).median_run()["steady_cores_used"],
            "share_of_cpu_limit": (results["rclip_like"] if rc_e2e else results["default"])["share_of_tree_bound"],  # type: ignore[index]
            "first_pass_img_s": first_pass,
            "with_analyzers_img_s": with_analyzers,
        }
        results.update(figures)
        write_json(args.json, results)
        print(" ".join(f"{k}={v:.2f}" for k, v in figures.items()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _mk(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
