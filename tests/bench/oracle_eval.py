"""Retrieval quality per query kind: recall@1/5/10 on the oracle's held-out gallery.

The gallery (tests/e2e/oracle_gallery.py: every shape x colour twice, photo style, 96
JPEGs) is written to disk, indexed through the real pipeline with the oracle model, and
every query kind is run through `Library.search`. Ranking changes are judged by this table:

    python tests/bench/oracle_eval.py                 # engine defaults
    python tests/bench/oracle_eval.py --variants      # also hubness / diversity on and off
    python tests/bench/oracle_eval.py --planted-hubs 8 --generic-bank   # hubness correction

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
from photolens.core.embed.model_files import QUERY_BANK_FILE  # noqa: E402
from photolens.core.library import Library  # noqa: E402
from tests.bench.common import REPO, base_parser, machine_info, print_machine, write_json  # noqa: E402
from tests.e2e.planted_hubs import plant_hubs  # noqa: E402

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


def hub_rate(lib, manifest, k: int = 5, stride: int = 1, **query_changes: object) -> float:  # noqa: ANN001
    """Share of text queries with a planted hub in their top k."""
    from tests.e2e import oracle_gallery as og

    text_cases = [c for c in og.cases(manifest, limit=k) if c.kind == "text"][::stride]
    crowded = 0
    for case in text_cases:
        query = dataclasses.replace(case.query, **query_changes)
        crowded += any(og.relative_name(h.path).startswith("hubs/") for h in lib.search(query).hits[:k])
    return crowded / len(text_cases)


def hubness_tables(lib, manifest, stride: int, label: str, rates: dict[str, float]) -> dict[str, dict[str, dict[int, float]]]:  # noqa: ANN001, E501
    """Recall with hubness correction off and on; `rates` gets the share of text queries
    with a planted hub in their top 5."""
    tables = {}
    for state, on in (("hubness off", False), ("hubness on", True)):
        name = f"{label}, {state}"
        tables[name] = run_table(lib, manifest, stride, hubness=on)
        rates[name] = hub_rate(lib, manifest, stride=stride, hubness=on)
        print(format_table(tables[name], f"-- {name}: text queries with a hub in their top 5: {rates[name]:.1%} --"))
    return tables


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Recall@k per query kind with the oracle model.")
    p.add_argument("--variants", action="store_true", help="also with hubness correction and diversity")
    p.add_argument("--planted-hubs", type=int, default=0, metavar="N",
                   help="then add N crafted hub pictures (tests/e2e/planted_hubs.py) and compare hubness off and on")
    p.add_argument("--generic-bank", action="store_true",
                   help="also measure hubness correction with the generic vocabulary bank instead of the model's")
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
                variants |= {"hubness off": {"hubness": False}, "hubness on, every kind": {"hubness": True},
                             "diversity 0.3": {"diversity": 0.3},
                             "no duplicate collapse": {"collapse_duplicates": False},
                             "image text blend 0.3": {"text_blend": 0.3},
                             "image text blend 0.6": {"text_blend": 0.6}}
            tables = {}
            rates: dict[str, float] = {}
            for label, changes in variants.items():
                t0 = time.perf_counter()
                tables[label] = run_table(lib, manifest, stride, **changes)
                print(format_table(tables[label], f"-- {label} ({time.perf_counter() - t0:.1f} s) --"))
            if args.planted_hubs:
                steps = 40 if args.smoke else 300
                t0 = time.perf_counter()
                plant_hubs(tmp / "gallery" / "hubs", lib.embedder, args.planted_hubs, steps=steps)
                lib.index()
                print(f"planted {args.planted_hubs} crafted hubs in {time.perf_counter() - t0:.1f} s")
                tables |= hubness_tables(lib, manifest, stride, "planted hubs", rates)
        finally:
            lib.close()
        if args.generic_bank:
            generic_model = tmp / "model-generic-bank"
            shutil.copytree(model, generic_model, ignore=shutil.ignore_patterns(QUERY_BANK_FILE))
            generic = Library.open(tmp / "library-generic", model_path=generic_model)
            try:
                generic.add_folder(tmp / "gallery")
                generic.index()
                label = "planted hubs, generic bank" if args.planted_hubs else "generic bank"
                tables |= hubness_tables(generic, manifest, stride, label, rates)
            finally:
                generic.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = tables["defaults"]
    figures = {"text_r5": base["text"][5], "image_r5": base["image"][5],
               "sketch_text_r5": base["sketch + text"][5], "composed_r5": base["image + text (composed)"][5]}
    write_json(args.json, {"machine": machine_info(), "tables": {k: {kind: {str(kk): vv for kk, vv in row.items()}
                                                                   for kind, row in t.items()}
                                                               for k, t in tables.items()},
                           "hub_rates": rates})
    print(" ".join(f"{k}={v:.3f}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
