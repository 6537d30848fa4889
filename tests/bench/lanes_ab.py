"""Image-tower lanes A/B: the indexer's own plan against a fixed number of lanes, interleaved.

The same end-to-end child as tests/bench/index_throughput.py (a fresh library, the CLIP
pass, the steady rate over the middle half of the pass, the process tree's CPU), on the
same photo-like 12-MP JPEGs, rounds interleaved so that the machine's other load falls on
both sides alike. `--lanes 1` is the pipeline before lanes (one batch at a time).

    python tests/bench/lanes_ab.py [--quick] [--model-path DIR] [--lanes 1] [--rounds 2]

Default model: the rclip-like fp32 ViT-B-32-256 (the slow model lanes are for).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    base_parser,
    end_state,
    ensure_rclip_like,
    ensure_tiny_model,
    machine_info,
    print_machine,
)
from tests.bench.index_throughput import _seed_ort_cache, run_child  # noqa: E402
from tests.bench.make_jpegs import SIZE, ensure_jpegs, temp_photo_folder  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Image-tower lanes: the indexer's plan against a fixed number, interleaved.")
    p.add_argument("--lanes", type=int, default=1, help="the fixed side (default 1: one batch at a time)")
    p.add_argument("--rounds", type=int, help="A/B rounds (default 3; --quick 2; --smoke 1)")
    p.add_argument("--count", type=int, help="files (default 64)")
    args = p.parse_args(argv)
    print_machine(machine_info(), "image-tower lanes A/B")
    cache = Path(args.cache_dir)
    model = (args.model_path or (ensure_tiny_model(cache) if args.smoke else ensure_rclip_like(cache))).resolve()
    rounds = args.rounds or (1 if args.smoke else 2 if args.quick else 3)
    count = args.count or (8 if args.smoke else 64)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="lanes-ab-", dir=cache))
    try:
        paths = ensure_jpegs(count, cache, size=(320, 240) if args.smoke else SIZE)
        folder = temp_photo_folder(paths, tmp)
        seed, name = _seed_ort_cache(model, tmp)
        job = {"model": str(model), "folder": str(folder), "workers": 0, "batch": 8, "tmp": str(tmp),
               "ort_seed": str(seed), "ort_name": name}
        print(f"model: {model.name}; {count} files; batch 8")
        if not args.smoke:
            run_child("e2e", job)  # warm-up, not reported
        got: dict[str, list[dict]] = {"plan": [], "fixed": []}
        for _ in range(rounds):
            for side, lanes in (("plan", 0), ("fixed", args.lanes)):
                r = run_child("e2e", {**job, "lanes": lanes})
                got[side].append(r)
                print(f"  {side + (f' ({lanes} lane(s))' if lanes else ' (indexer)'):<18} steady {r['img_s']:.1f} img/s, "
                      f"{r['steady_cores_used']:.2f} cores, {r['steady_cpu_ms_per_picture']:.0f} core-ms a picture, "
                      f"machine busy {r['machine_busy']:.0%}; {r['balance']}", flush=True)
        med = {side: statistics.median(r["img_s"] for r in runs) for side, runs in got.items()}
        cores = {side: statistics.median(r["steady_cores_used"] for r in runs) for side, runs in got.items()}
        print(end_state())
        print(f"plan_img_s={med['plan']:.2f} fixed_img_s={med['fixed']:.2f} plan_cores={cores['plan']:.2f} "
              f"fixed_cores={cores['fixed']:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
