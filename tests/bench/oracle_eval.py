"""Retrieval quality per query kind: recall@1/5/10 on the oracle's held-out gallery.

The gallery (tests/e2e/oracle_gallery.py: every shape x colour twice, photo style, 96
JPEGs) is written to disk, indexed through the real pipeline with the oracle model, and
every query kind is run through `Library.search`. Ranking changes are judged by this table:

    python tests/bench/oracle_eval.py                 # engine defaults
    python tests/bench/oracle_eval.py --variants      # also hubness / diversity on and off

Ends with one line `text_r5=... image_r5=... sketch_text_r5=... composed_r5=...`.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import REPO, base_parser, machine_info, print_machine, write_json  # noqa: E402

ORACLE = REPO / "tests" / "fixtures" / "models" / "oracle"
KS = (1, 5, 10)


def format_table(rows: dict[str, dict[int, float]], title: str) -> str:
    width = max(len(k) for k in rows) + 2
    lines = [title, f"{'query kind':<{width}}" + "".join(f"{'R@' + str(k):>8}" for k in KS)]
    for kind, row in rows.items():
        lines.append(f"{kind:<{width}}" + "".join(f"{row[k]:8.3f}" for k in KS))
    return "\n".join(lines)


SMOKE_STRIDE = 17  # --smoke: every 17th case only


def run_table(lib, manifest, stride: int = 1, **query_changes: object) -> dict[str, dict[int, float]]:  # noqa: ANN001
    """The recall table with every query changed by `query_changes` (e.g. hubness=True)."""
    from tests.e2e import oracle_gallery as og

    sums: dict[str, dict[int, list[float]]] = {}
    for case in og.cases(manifest, limit=max(KS))[::stride]:
        query = dataclasses.replace(case.query, **query_changes) if query_changes else case.query
        hits = lib.search(query).hits
        names = [og.relative_name(h.path) for h in hits]
        row = sums.setdefault(case.kind, {k: [] for k in KS})
        for k in KS:
            row[k].append(len(set(names[:k]) & case.relevant) / min(k, len(case.relevant)))
    return {kind: {k: sum(v) / len(v) for k, v in row.items()} for kind, row in sums.items()}


def plant_hubs(gallery: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` generic pictures in gallery/hubs: mosaics of 3 x 3 gallery pictures, each
    showing nine shape/colour pairs at once, so that they sit close to many queries (hubs)."""
    import numpy as np
    from PIL import Image

    pictures = sorted(gallery.rglob("*.jpg"))
    rng = np.random.default_rng(seed)
    out = gallery / "hubs"
    out.mkdir()
    written = []
    for i in range(count):
        mosaic = Image.new("RGB", (192, 192))
        for j, index in enumerate(rng.choice(len(pictures), size=9, replace=False)):
            tile = Image.open(pictures[index]).convert("RGB").resize((64, 64))
            mosaic.paste(tile, ((j % 3) * 64, (j // 3) * 64))
        path = out / f"hub_{i:02d}.jpg"
        mosaic.save(path, quality=92)
        written.append(path)
    return written


def hub_rate(lib, manifest, k: int = 5, stride: int = 1, **query_changes: object) -> float:  # noqa: ANN001
    """Share of text queries with a planted hub in their top k."""
    from tests.e2e import oracle_gallery as og

    text_cases = [c for c in og.cases(manifest, limit=k) if c.kind == "text"][::stride]
    crowded = 0
    for case in text_cases:
        query = dataclasses.replace(case.query, **query_changes)
        crowded += any(og.relative_name(h.path).startswith("hubs/") for h in lib.search(query).hits[:k])
    return crowded / len(text_cases)


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Recall@k per query kind with the oracle model.")
    p.add_argument("--variants", action="store_true", help="also with hubness correction and diversity")
    p.add_argument("--planted-hubs", type=int, default=0, metavar="N",
                   help="then add N generic hub pictures and compare hubness correction off and on")
    args = p.parse_args(argv)
    stride = SMOKE_STRIDE if args.smoke else 1
    print_machine(machine_info(), "oracle retrieval")
    model = Path(args.model_path) if args.model_path else ORACLE
    if not (model / "config.json").is_file():
        print(f"no model at {model}: train it with `python -m tests.oracle.train --out {ORACLE}`")
        return 1
    from tests.e2e import oracle_gallery as og

    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="oracle-eval-", dir=cache))
    try:
        t0 = time.perf_counter()
        lib, manifest = og.index_gallery(tmp / "gallery", tmp / "library", model)
        print(f"gallery: {len(manifest)} pictures indexed in {time.perf_counter() - t0:.1f} s with {model.name}")
        try:
            variants: dict[str, dict[str, object]] = {"defaults": {}}
            if args.variants:
                variants |= {"hubness on": {"hubness": True}, "diversity 0.3": {"diversity": 0.3},
                             "no duplicate collapse": {"collapse_duplicates": False},
                             "image text blend 0.3": {"text_blend": 0.3},
                             "image text blend 0.6": {"text_blend": 0.6}}
            tables = {}
            for label, changes in variants.items():
                t0 = time.perf_counter()
                tables[label] = run_table(lib, manifest, stride, **changes)
                print(format_table(tables[label], f"-- {label} ({time.perf_counter() - t0:.1f} s) --"))
            if args.planted_hubs:
                plant_hubs(tmp / "gallery", args.planted_hubs)
                lib.index()
                for label, changes in {"planted hubs, hubness off": {"hubness": False},
                                       "planted hubs, hubness on": {"hubness": True}}.items():
                    tables[label] = run_table(lib, manifest, stride, **changes)
                    rate = hub_rate(lib, manifest, stride=stride, **changes)
                    print(format_table(tables[label], f"-- {label}: text queries with a hub in their top 5: "
                                                      f"{rate:.1%} --"))
        finally:
            lib.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = tables["defaults"]
    figures = {"text_r5": base["text"][5], "image_r5": base["image"][5],
               "sketch_text_r5": base["sketch + text"][5], "composed_r5": base["image + text (composed)"][5]}
    write_json(args.json, {"machine": machine_info(), "tables": {k: {kind: {str(kk): vv for kk, vv in row.items()}
                                                                   for kind, row in t.items()}
                                                               for k, t in tables.items()}})
    print(" ".join(f"{k}={v:.3f}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
