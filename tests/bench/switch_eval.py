"""Search during a model switch: recall@5 with 0-100% of the library re-embedded.

The oracle's held-out gallery (tests/e2e/oracle_gallery.py) is indexed with two models, the
oracle (seed 0, 1,600 steps) and oracle-b (seed 1, 500 steps: a weaker model). For each
direction of switch and each share re-embedded, a random share of the pictures is ranked
by the new model and the rest by the old one (exactly what `Library.search` does during a
switch: core/switch.py), and the two lists are merged by each strategy of
core/query/merge.py. The goal: never below the weaker model alone.

    python tests/bench/switch_eval.py            # text and image queries, 3 random splits
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from photolens.core.query.merge import STRATEGIES, merge_results  # noqa: E402
from photolens.core.query.model import SearchResults  # noqa: E402
from photolens.core.query.search import run_search  # noqa: E402
from photolens.core.session import ModelSession  # noqa: E402
from tests.bench.common import REPO, base_parser, machine_info, print_machine, write_json  # noqa: E402
from tests.e2e import oracle_gallery as og  # noqa: E402

MODELS = {"oracle": REPO / "tests" / "fixtures" / "models" / "oracle",
          "oracle-b": REPO / "tests" / "fixtures" / "models" / "oracle-b"}
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
K = 5


def _run(session: ModelSession, lib, case: og.Case, within: np.ndarray) -> SearchResults:  # noqa: ANN001
    return run_search(replace(case.query, limit=K * 4), lib.catalog, session.vectors, session.embedder,
                      session.vocabulary, terms=None, background=session.background, within=within)


def _recall(results: SearchResults, case: og.Case) -> float:
    names = [og.relative_name(h.path) for h in results.hits][:K]
    return len(set(names) & case.relevant) / min(K, len(case.relevant))


def evaluate(lib, sessions: dict[str, ModelSession], cases: list[og.Case], splits: int) -> dict[str, object]:  # noqa: ANN001
    items = np.sort(lib.catalog.embedding_keys(sessions["oracle"].model_id))
    out: dict[str, object] = {}
    for old, new in (("oracle", "oracle-b"), ("oracle-b", "oracle")):
        for share in SHARES:
            sums = {name: 0.0 for name in ("old alone", "new alone", *STRATEGIES)}
            for split in range(splits):
                rng = np.random.default_rng(split)
                done = np.sort(rng.choice(items, int(round(share * len(items))), replace=False))
                rest = np.setdiff1d(items, done)
                for case in cases:
                    whole_old = _run(sessions[old], lib, case, items)
                    whole_new = _run(sessions[new], lib, case, items)
                    sums["old alone"] += _recall(whole_old, case)
                    sums["new alone"] += _recall(whole_new, case)
                    part_new = _run(sessions[new], lib, case, done) if len(done) else None
                    part_old = _run(sessions[old], lib, case, rest) if len(rest) else None
                    for strategy in STRATEGIES:
                        if part_new is None or part_old is None:
                            merged = part_new or part_old
                        else:
                            merged = merge_results(part_new, part_old, K * 4, strategy)
                        assert merged is not None
                        sums[strategy] += _recall(merged, case)
            n = splits * len(cases)
            row = {name: round(total / n, 3) for name, total in sums.items()}
            out[f"{old}->{new} {share:.0%}"] = row
            print(f"  {old:>8} -> {new:<8} {share:>4.0%} re-embedded: " +
                  "  ".join(f"{name} {value:.3f}" for name, value in row.items()), flush=True)
    return out


def _bank(model: Path) -> list[str]:
    lines = (model / "query_bank.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def xbt(lib, sessions: dict[str, ModelSession], cases: list[og.Case]) -> dict[str, float]:  # noqa: ANN001
    """The backward-compatible query of LITERATURE.md (XBT): the new model's text query mapped
    into the old model's space by a linear projection learned from text alone (least squares
    over both query banks' captions), against the old model's own text tower, over the old
    model's vectors of the whole gallery. Text queries only (it maps text)."""
    out: dict[str, float] = {}
    text_cases = [c for c in cases if c.kind == "text"]
    for old, new in (("oracle", "oracle-b"), ("oracle-b", "oracle")):
        captions = sorted(set(_bank(MODELS[old]) + _bank(MODELS[new])))
        x = sessions[new].embedder.embed_texts(captions)
        y = sessions[old].embedder.embed_texts(captions)
        projection, *_ = np.linalg.lstsq(x, y, rcond=None)
        store = sessions[old].vectors
        own = mapped = 0.0
        for case in text_cases:
            text = case.query.text
            own += _recall(_run(sessions[old], lib, case, store.keys()), case)
            q = sessions[new].embedder.embed_texts([text])[0] @ projection
            keys, _ = store.search(q / np.linalg.norm(q), K)
            files = lib.catalog.files_for_items([int(k) for k in keys])
            names = [og.relative_name(files[int(k)][0].path) for k in keys if files.get(int(k))]
            mapped += len(set(names[:K]) & case.relevant) / min(K, len(case.relevant))
        n = max(1, len(text_cases))
        out[f"{old} vectors, own text tower"] = round(own / n, 3)
        out[f"{old} vectors, {new} query projected"] = round(mapped / n, 3)
        print(f"  XBT over {old}'s vectors ({len(captions)} captions to learn from): own text tower "
              f"{own / n:.3f}, {new}'s query projected {mapped / n:.3f} (text recall@{K})", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--splits", type=int, default=3, help="random re-embedded subsets per share")
    args = parser.parse_args(argv)
    print_machine(machine_info(), "search during a model switch")
    with tempfile.TemporaryDirectory(prefix="photolens-switch-") as tmp:
        lib, manifest = og.index_gallery(Path(tmp) / "gallery", Path(tmp) / "data", MODELS["oracle"])
        try:
            lib.use_model(path=MODELS["oracle-b"], keep_previous=True)
            lib.index()
            base = lib.session.spec
            sessions = {name: ModelSession(replace(base, model_path=path), lib.catalog)
                        for name, path in MODELS.items()}
            cases = [c for c in og.cases(manifest) if c.kind in ("text", "image")]
            if args.smoke:
                cases = cases[:4]
            print(f"{len(manifest)} pictures, {len(cases)} text and image queries, recall@{K}, "
                  f"mean of {args.splits} random splits", flush=True)
            results = evaluate(lib, sessions, cases, 1 if args.smoke else args.splits)
            results["xbt"] = xbt(lib, sessions, cases)
        finally:
            lib.close()
    write_json(args.json, {"switch": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
