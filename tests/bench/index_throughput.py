"""Indexing throughput on 12-megapixel JPEGs: model only, end to end, and a naive pipeline.

Side by side, on the same generated files (tests/bench/make_jpegs.py):

(a) model only: the ONNX visual tower (int8 ViT-B-32, random weights: same cost as real
    ones) on pre-decoded, preprocessed batches;
(b) end to end: `Library.open` + `add_folder` + `index()` on a fresh library: scan, hash,
    metadata, decode in worker processes (JPEG draft mode), batched embedding, commits
    and the vector index, exactly what `photolens index` runs;
(c) naive: what a straightforward script does: torch fp32 open_clip ViT-B-32, full-size
    PIL decode, open_clip's preprocess, one image at a time, no overlap.

Each measurement runs in its own child process (no thread pools shared between ORT and
torch, a clean peak-memory reading). Variations of the engine's knobs (decode workers,
batch size, ORT intra-op threads via PHOTOLENS_THREADS, and a prototype of ORT without
thread spinning) are measured too, and the best is reported.

    python tests/bench/index_throughput.py [--quick] [--model-path DIR] [--json FILE]

The last line is `e2e_img_s=... model_only_img_s=... naive_img_s=... speedup_vs_naive=...
e2e_share_of_model_only=...` (engine defaults; the best variation is printed above it).
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
    end_state,
    ensure_vitb32,
    machine_info,
    memory_mib,
    print_machine,
    resolve_model,
    tiny_clip_model,
    write_json,
)
from tests.bench.make_jpegs import SIZE, ensure_jpegs, temp_photo_folder  # noqa: E402

CHILD_TAG = "BENCH_CHILD_RESULT "


# -- children: each measurement in a fresh process ---------------------------------------------------
def _no_spin_patch() -> None:
    """Prototype: ORT intra-op threads block instead of spin-waiting between ops."""
    import onnxruntime as ort

    base = ort.InferenceSession

    class NoSpinSession(base):  # type: ignore[misc, valid-type]
        def __init__(self, path, sess_options=None, providers=None, **kw):  # noqa: ANN001
            sess_options = sess_options or ort.SessionOptions()
            sess_options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            super().__init__(path, sess_options=sess_options, providers=providers, **kw)

    ort.InferenceSession = NoSpinSession


def _child_model_only(job: dict) -> dict:
    import numpy as np

    from photolens.core.embed.model_files import ModelFolder
    from photolens.core.embed.onnx_backend import OnnxEmbedder
    from photolens.core.media.hashing import content_hash
    from photolens.core.media.metadata import read_metadata
    from photolens.core.media.workers import DecodeJob, decode_for_model

    if job.get("no_spin"):
        _no_spin_patch()
    folder = ModelFolder.load(Path(job["model"]))
    emb = OnnxEmbedder(folder, threads=job["threads"] or None, device="cpu", cache_dir=Path(job["ort_cache"]))
    files = job["files"]
    # the per-image CPU cost of everything but the model, on one core (serial)
    t0 = time.perf_counter()
    for f in files:
        content_hash(f)
    hash_ms = (time.perf_counter() - t0) / len(files) * 1000
    t0 = time.perf_counter()
    for f in files:
        read_metadata(f)
    meta_ms = (time.perf_counter() - t0) / len(files) * 1000
    t0 = time.perf_counter()
    decoded = [decode_for_model(DecodeJob(f, folder.config)) for f in files]
    decode_ms = (time.perf_counter() - t0) / len(files) * 1000
    bad = [d for d in decoded if isinstance(d, str)]
    if bad:
        raise RuntimeError(f"decode failed: {bad[0]}")
    pool = np.stack(decoded)
    batch = job["batch"]
    emb.embed_pixels(pool[:batch] if len(pool) >= batch else np.resize(pool, (batch, *pool.shape[1:])))  # warm-up
    n_target = max(job["images"], 3 * batch)
    done, lat = 0, []
    start = time.perf_counter()
    while done < n_target:
        idx = [(done + i) % len(pool) for i in range(batch)]
        t = time.perf_counter()
        emb.embed_pixels(pool[idx])
        lat.append(time.perf_counter() - t)
        done += batch
    wall = time.perf_counter() - start
    return {
        "img_s": done / wall, "images": done, "batch": batch, "threads": job["threads"] or os.cpu_count(),
        "batch_ms": 1000 * sorted(lat)[len(lat) // 2], "decode_ms": decode_ms, "hash_ms": hash_ms,
        "meta_ms": meta_ms, "peak_rss_mib": memory_mib().get("VmHWM", 0.0),
    }


def _child_e2e(job: dict) -> dict:
    if job["threads"]:
        os.environ["PHOTOLENS_THREADS"] = str(job["threads"])
    else:
        os.environ.pop("PHOTOLENS_THREADS", None)
    if job.get("no_spin"):
        _no_spin_patch()
    from photolens.core.library import Library

    data = Path(tempfile.mkdtemp(prefix="lib-", dir=job["tmp"]))
    try:
        # the model cache a second library finds (the first: + graph optimisation, + vocabulary)
        models = Path(job["ort_seed"]) if job.get("ort_seed") else data / "models"
        t0 = time.perf_counter()
        lib = Library.open(data, model_path=job["model"], models_dir=models)
        settings = lib.settings.with_changes(batch_size=job["batch"], decode_workers=job["workers"])
        lib.save_settings(settings)
        lib.add_folder(job["folder"])
        open_s = time.perf_counter() - t0
        events: list[tuple[float, str, int]] = []

        def progress(p) -> None:  # noqa: ANN001
            events.append((time.perf_counter(), p.phase, p.done))

        t0 = time.perf_counter()
        report = lib.index(progress=progress)
        wall = time.perf_counter() - t0
        t_close = time.perf_counter()
        lib.close()
        close_s = time.perf_counter() - t_close
        idx = [(t, d) for t, ph, d in events if ph == "index"]
        first_commit_s = idx[0][0] - t0 if idx else float("nan")
        steady = (idx[-1][1] - idx[0][1]) / (idx[-1][0] - idx[0][0]) if len(idx) >= 2 and idx[-1][0] > idx[0][0] else float("nan")
        return {
            "img_s": report.embedded / wall if wall > 0 else 0.0, "steady_img_s": steady, "wall_s": wall,
            "embedded": report.embedded, "errors": report.errors, "reused": report.reused,
            "first_commit_s": first_commit_s, "open_s": open_s, "close_s": close_s,
            "workers": job["workers"], "batch": job["batch"], "threads": job["threads"] or os.cpu_count(),
            "no_spin": bool(job.get("no_spin")), "peak_rss_mib": memory_mib().get("VmHWM", 0.0),
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
        model, size = open_clip.create_model("ViT-B-32", pretrained=None), 224
    model.eval()
    preprocess = open_clip.image_transform(size, is_train=False)
    with torch.no_grad():  # one warm-up so torch's lazy initialisation is not counted
        model.encode_image(torch.zeros(1, 3, size, size))
    dec = pre = inf = 0.0
    start = time.perf_counter()
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
        "peak_rss_mib": memory_mib().get("VmHWM", 0.0),
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


def _line(label: str, r: dict) -> str:
    return f"  {label:<44} {r['img_s']:6.1f} img/s"


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Indexing throughput: model only vs end to end vs naive.")
    p.add_argument("--count", type=int, help="images for model-only and end-to-end runs (default 192; --quick 48)")
    p.add_argument("--naive-count", type=int, help="images for the naive pipeline (default 48; --quick 16)")
    p.add_argument("--no-variations", action="store_true", help="only the engine defaults")
    p.add_argument("--child", help=__import__("argparse").SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        job = json.loads(args.child)
        print(CHILD_TAG + json.dumps(CHILDREN[job.pop("kind")](job)), flush=True)
        return 0

    info = machine_info()
    print_machine(info, "indexing throughput")
    smoke = args.smoke
    count = args.count or (6 if smoke else 48 if args.quick else 192)
    naive_count = args.naive_count or (3 if smoke else 16 if args.quick else 48)
    size = (320, 240) if smoke else SIZE
    model = resolve_model(args).resolve()
    cache = Path(args.cache_dir)
    tmp = Path(tempfile.mkdtemp(prefix="index-bench-", dir=_mk(cache)))
    try:
        paths = ensure_jpegs(max(count, naive_count), cache, size=size)
        folder = temp_photo_folder(paths[:count], tmp)
        mean_mb = sum(p.stat().st_size for p in paths[:count]) / count / 1e6
        print(f"model: {model}")
        print(f"files: {count} x {size[0]}x{size[1]} JPEG q90, mean {mean_mb:.2f} MB (page cache warm)")
        seed, ort_name = _seed_ort_cache(model, tmp)
        pool_files = [str(p) for p in paths[: min(count, 8 if smoke else 32)]]

        def model_only(batch: int, threads: int, model_dir: Path = model, no_spin: bool = False) -> dict:
            return run_child("model_only", {
                "model": str(model_dir), "threads": threads, "batch": batch, "images": count,
                "files": pool_files, "ort_cache": str(tmp / "ort-mo" / model_dir.name), "no_spin": no_spin,
            }, in_process=smoke)

        def e2e(workers: int, batch: int, threads: int, no_spin: bool = False) -> dict:
            return run_child("e2e", {
                "model": str(model), "folder": str(folder), "workers": workers, "batch": batch, "threads": threads,
                "tmp": str(tmp), "ort_seed": str(seed), "ort_name": ort_name, "no_spin": no_spin,
            })

        results: dict[str, object] = {"machine": info, "files": count, "mean_mb": mean_mb, "model": str(model)}

        print("\n(a) model only (ONNX visual tower, pre-decoded batches):", flush=True)
        mo_default = model_only(16, 0)
        print(_line("batch 16, threads default", mo_default), f"(batch {mo_default['batch_ms']:.0f} ms)", flush=True)
        print(f"  per image on one core, outside the model: decode+preprocess {mo_default['decode_ms']:.0f} ms, "
              f"hash {mo_default['hash_ms']:.1f} ms, metadata {mo_default['meta_ms']:.1f} ms")
        mo_runs = {"b16-tdef": mo_default}
        if not (smoke or args.no_variations):
            for batch in (8, 16, 32):
                for threads in (1, 2):
                    r = model_only(batch, threads)
                    mo_runs[f"b{batch}-t{threads}"] = r
                    print(_line(f"batch {batch}, {threads} thread(s)", r), flush=True)
            r = model_only(16, 0, no_spin=True)
            mo_runs["b16-tdef-nospin"] = r
            print(_line("batch 16, threads default, no spinning", r), flush=True)
            if not args.model_path and not args.quick:
                fp32 = ensure_vitb32(cache, int8=False)
                r = model_only(16, 0, model_dir=fp32)
                mo_runs["fp32-b16-tdef"] = r
                print(_line("fp32 ONNX (not quantised), batch 16", r), flush=True)
        results["model_only"] = mo_runs

        print("\n(b) end to end (Library.open + add_folder + index(), fresh library):", flush=True)
        e2e_runs: dict[str, dict] = {}

        def run_e2e(label: str, workers: int, batch: int, threads: int, no_spin: bool = False) -> dict:
            r = e2e(workers, batch, threads, no_spin)
            e2e_runs[label] = r
            if r["embedded"] != count or r["errors"]:
                print(f"  WARNING: {label}: embedded {r['embedded']}/{count}, errors {r['errors']}")
            print(_line(label, r), f"(steady {r['steady_img_s']:.1f} img/s, wall {r['wall_s']:.1f} s, "
                  f"first commit {r['first_commit_s']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB)", flush=True)
            return r

        from photolens.core.config import Settings
        from photolens.core.indexer import auto_decode_workers, visual_threads

        auto_w, auto_b = auto_decode_workers(), Settings().batch_size
        if not smoke:  # the first run in a fresh process tree pays for cold caches: not reported
            e2e(0, auto_b, 0)
        default = run_e2e(f"defaults (decode_workers={auto_w}, batch {auto_b}, visual threads "
                          f"{visual_threads(auto_w)})", 0, auto_b, 0)
        if not (smoke or args.no_variations):
            by_workers = {w: run_e2e(f"decode_workers={w}, batch 16", w, 16, 0) for w in (1, 2)}
            best_w = max(by_workers, key=lambda w: by_workers[w]["img_s"])
            by_batch = {16: by_workers[best_w]}
            for b in (8, 32):
                by_batch[b] = run_e2e(f"decode_workers={best_w}, batch {b}", best_w, b, 0)
            best_b = max(by_batch, key=lambda b: by_batch[b]["img_s"])
            for threads in (1, 2, 3):
                run_e2e(f"decode_workers={best_w}, batch {best_b}, threads={threads}", best_w, best_b, threads)
            run_e2e("defaults + ORT no spinning (prototype)", 0, auto_b, 0, no_spin=True)
            run_e2e(f"decode_workers={best_w}, batch {best_b}, no spinning (prototype)", best_w, best_b, 0, no_spin=True)
        results["e2e"] = e2e_runs
        best_label, best = max(e2e_runs.items(), key=lambda kv: kv[1]["img_s"])

        print(f"\n(c) naive (torch fp32, full-size decode, open_clip preprocess, one at a time, {naive_count} files):",
              flush=True)
        naive = run_child("naive", {"files": [str(p) for p in paths[:naive_count]], "smoke": smoke}, in_process=smoke)
        print(_line("naive", naive), f"(decode {naive['decode_ms']:.0f} ms + preprocess {naive['preprocess_ms']:.0f} ms "
              f"+ model {naive['model_ms']:.0f} ms per image, torch threads {naive['torch_threads']}, "
              f"peak RSS {naive['peak_rss_mib']:.0f} MiB)", flush=True)
        results["naive"] = naive

        cores = os.cpu_count() or 1
        model_core_ms = cores * 1000 / mo_default["img_s"]
        other_ms = mo_default["decode_ms"] + mo_default["hash_ms"] + mo_default["meta_ms"]
        bound = cores * 1000 / (model_core_ms + other_ms)
        print(f"\nCPU budget per image: model {model_core_ms:.0f} core-ms (at {cores} threads) + decode/hash/metadata "
              f"{other_ms:.0f} core-ms -> at most {bound:.1f} img/s on {cores} cores with perfect overlap; "
              f"defaults reach {default['img_s'] / bound:.0%} of that bound")
        e2e_s, mo_s, naive_s = default["img_s"], mo_default["img_s"], naive["img_s"]
        results.update({
            "e2e_img_s": e2e_s, "model_only_img_s": mo_s, "naive_img_s": naive_s,
            "speedup_vs_naive": e2e_s / naive_s, "e2e_share_of_model_only": e2e_s / mo_s,
            "cpu_bound_img_s": bound, "best": {"label": best_label, **best},
        })
        best_mo_label, best_mo = max(mo_runs.items(), key=lambda kv: kv[1]["img_s"])
        print(f"best end to end: {best_label}: {best['img_s']:.1f} img/s ({best['img_s'] / naive_s:.1f}x naive)")
        print(f"best model only: {best_mo_label}: {best_mo['img_s']:.1f} img/s")
        print(end_state())
        results["end_state"] = end_state()
        write_json(args.json, results)
        print(f"e2e_img_s={e2e_s:.1f} model_only_img_s={mo_s:.1f} naive_img_s={naive_s:.2f} "
              f"speedup_vs_naive={e2e_s / naive_s:.2f} e2e_share_of_model_only={e2e_s / mo_s:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _mk(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
