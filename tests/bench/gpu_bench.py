"""The prepared GPU benchmark: the image tower on CUDA, torch fp16/fp32 and ONNX Runtime's
CUDA provider, batch sizes 32-256: pictures a second and the first batch's latency.

Meant for a session lent a GPU machine (the `device` tool), as one run of at most 5 minutes.
Here, once: `echo /.whl/ >> .git/info/exclude; python3 -m pip download --no-deps
--only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux2014_x86_64
-d .whl open_clip_torch==3.3.0 ftfy wcwidth`; then run, carrying `.whl`:

    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl &&
    PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 python3 tests/bench/gpu_bench.py --out $OUT/gpu.json

It needs torch with CUDA and open_clip (carry open_clip_torch and ftfy as wheels where they
are missing); ONNX Runtime's CUDA provider is measured when onnxruntime-gpu is installed and
said to be absent otherwise. Weights are random (the cost is a real model's). Pixels are made
on the host (pinned memory) and copied each batch, as indexing would: "e2e" counts the copy,
"model" does not. CI runs it on the CPU at toy size (`--device cpu --quick`) so it stays
runnable; those figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

BATCHES = (32, 64, 128, 256)
BUDGET_S = 270.0  # stop starting new measurements after this (the whole run: <= 5 min)


def _sync(torch: Any, device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _model(open_clip: Any, torch: Any, name: str, quick: bool) -> Any:
    torch.manual_seed(0)
    if quick:
        return open_clip.CLIP(embed_dim=32, vision_cfg={"image_size": 32, "patch_size": 8, "layers": 2, "width": 64,
                                                        "head_width": 32},
                              text_cfg={"context_length": 20, "vocab_size": 49408, "width": 64, "heads": 2,
                                        "layers": 2})
    return open_clip.create_model(name, pretrained=None)


def _time_torch(torch: Any, visual: Any, size: int, batch: int, device: str, dtype: Any, repeats: int) -> dict[str, float]:
    """First-batch latency (a fresh shape: allocation, kernel choice) and steady rates."""
    host = torch.randn(batch, 3, size, size).pin_memory() if device.startswith("cuda") else torch.randn(batch, 3, size, size)
    with torch.inference_mode():
        start = time.perf_counter()
        visual(host.to(device, dtype=dtype, non_blocking=True))
        _sync(torch, device)
        first_ms = 1000 * (time.perf_counter() - start)
        on_device = host.to(device, dtype=dtype)
        for _ in range(2):
            visual(on_device)
        _sync(torch, device)
        start = time.perf_counter()
        for _ in range(repeats):
            visual(on_device)
        _sync(torch, device)
        model_s = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(repeats):
            visual(host.to(device, dtype=dtype, non_blocking=True))
        _sync(torch, device)
        e2e_s = time.perf_counter() - start
    return {"first_batch_ms": round(first_ms, 2), "model_img_s": round(batch * repeats / model_s, 1),
            "e2e_img_s": round(batch * repeats / e2e_s, 1)}


def _ort(torch: Any, visual: Any, size: int, batches: tuple[int, ...], repeats: int, deadline: float,
         device: str) -> dict[str, object]:
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as exc:
        return {"skipped": f"onnxruntime not installed ({exc})"}
    provider = "CUDAExecutionProvider" if device.startswith("cuda") else "CPUExecutionProvider"
    if provider not in ort.get_available_providers():
        return {"skipped": f"onnxruntime {ort.__version__} has no {provider} (install onnxruntime-gpu)"}
    out: dict[str, object] = {"version": ort.__version__}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "visual.onnx"
        cpu_visual = visual.float().cpu().eval()
        with warnings.catch_warnings():  # the legacy exporter's deprecation note
            warnings.simplefilter("ignore")
            torch.onnx.export(cpu_visual, (torch.randn(2, 3, size, size),), str(path), input_names=["image"],
                              output_names=["embedding"],
                              dynamic_axes={"image": {0: "batch"}, "embedding": {0: "batch"}},
                              opset_version=17, dynamo=False)
        session = ort.InferenceSession(str(path), providers=[provider])
        for batch in batches:
            if time.monotonic() > deadline:
                out[f"b{batch}"] = "skipped: time budget"
                continue
            pixels = np.random.default_rng(0).standard_normal((batch, 3, size, size), dtype=np.float32)
            start = time.perf_counter()
            session.run(None, {"image": pixels})
            first_ms = 1000 * (time.perf_counter() - start)
            session.run(None, {"image": pixels})
            start = time.perf_counter()
            for _ in range(repeats):
                session.run(None, {"image": pixels})  # host numpy in, host numpy out: the copies counted
            out[f"b{batch}"] = {"first_batch_ms": round(first_ms, 2),
                                "e2e_img_s": round(batch * repeats / (time.perf_counter() - start), 1)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="ViT-B-32")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--quick", action="store_true", help="toy model, small batches (a smoke run)")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    begun = time.monotonic()
    deadline = begun + BUDGET_S
    try:
        import open_clip
        import torch
    except ImportError as exc:
        print(f"needs torch and open_clip: {exc}")
        return 2
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device: run it where there is one, or pass --device cpu")
        return 2
    batches = (2, 4) if args.quick else BATCHES
    repeats = 2 if args.quick else args.repeats
    info: dict[str, object] = {
        "python": platform.python_version(), "torch": torch.__version__, "open_clip": open_clip.__version__,
        "device": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else platform.processor() or "cpu",
        "cpus": os.cpu_count(), "model": "toy" if args.quick else args.model, "load": os.getloadavg()[0],
    }
    print(json.dumps(info), flush=True)
    model = _model(open_clip, torch, args.model, args.quick).eval()
    size = int(model.visual.image_size[0] if isinstance(model.visual.image_size, tuple) else model.visual.image_size)
    results: dict[str, object] = {"machine": info, "image_size": size}
    dtypes = [("fp32", torch.float32)] if not args.device.startswith("cuda") else [("fp16", torch.float16),
                                                                                  ("fp32", torch.float32)]
    for label, dtype in dtypes:
        visual = model.visual.to(args.device, dtype=dtype).eval()
        rows: dict[str, object] = {}
        for batch in batches:
            if time.monotonic() > deadline:
                rows[f"b{batch}"] = "skipped: time budget"
                continue
            rows[f"b{batch}"] = row = _time_torch(torch, visual, size, batch, args.device, dtype, repeats)
            print(f"torch {label} batch {batch}: {row}", flush=True)
        results[f"torch_{label}"] = rows
    results["ort"] = _ort(torch, model.visual, size, batches, repeats, deadline, args.device)
    print(f"ort: {results['ort']}", flush=True)
    results["seconds"] = round(time.monotonic() - begun, 1)
    print(json.dumps(results))
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
