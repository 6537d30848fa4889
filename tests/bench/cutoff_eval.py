"""Relevant only: precision and recall of the result cutoffs on the oracle gallery.

The oracle's held-out gallery (96 JPEGs, every shape x colour twice) is indexed with the
oracle model; each text query ("a red circle") is scored against every picture once,
and each cutoff rule (core/query/cutoff.py) decides which results are relevant, in three
situations:

- all: the whole library is the candidate set;
- filtered: a filter leaves 12 pictures, the 2 relevant among them (as "... in Lisbon
  2019" does), 20 random draws per query;
- absent: a filter leaves 12 pictures and none is relevant (nothing should pass).

    python tests/bench/cutoff_eval.py [--json OUT]

Prints precision, recall and F1 (micro-averaged over queries and draws) per rule, and for
'absent' the share of draws where anything passed.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from photolens.core.query import cutoff  # noqa: E402
from photolens.core.query.model import SearchQuery  # noqa: E402
from tests.bench.common import REPO, base_parser, machine_info, print_machine, write_json  # noqa: E402
from tests.e2e import oracle_gallery as og  # noqa: E402

ORACLE = REPO / "tests" / "fixtures" / "models" / "oracle"
KINDS = ("text", "image", "sketch + text")
SUBSET = 12
DRAWS = 20

Rule = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (candidate scores, background) -> relevant mask


def relative(sims: np.ndarray, background: np.ndarray) -> np.ndarray:
    line, none = cutoff.relative_cutoff(sims)
    return np.zeros(len(sims), bool) if none else sims >= line


def calibrated(z: float, floor: float) -> Rule:
    def rule(sims: np.ndarray, background: np.ndarray) -> np.ndarray:
        found = cutoff.calibrated_cutoff(sims, background, z=z, floor=floor)
        assert found is not None
        line, none = found
        return np.zeros(len(sims), bool) if none else sims >= line
    return rule


def scores(lib, query: SearchQuery) -> dict[str, float]:  # noqa: ANN001 - a Library
    q = dataclasses.replace(query, limit=200, collapse_duplicates=False, hubness=False, plan=False)
    return {og.relative_name(h.path): h.score for h in lib.search(q).hits}


def evaluate(rules: dict[str, Rule], table: list[tuple[dict[str, float], frozenset[str]]],
             seed: int = 0) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, float]] = {}
    for name, rule in rules.items():
        counts = {s: [0, 0, 0] for s in ("all", "filtered")}  # true pos, predicted, relevant
        absent_any = absent_draws = 0
        for all_scores, relevant in table:
            names = list(all_scores)
            sims = np.array([all_scores[n] for n in names], np.float32)
            background = sims  # the library sample: here the whole library
            rel = np.array([n in relevant for n in names])
            picked = rule(sims, background)
            counts["all"][0] += int((picked & rel).sum())
            counts["all"][1] += int(picked.sum())
            counts["all"][2] += int(rel.sum())
            others = np.flatnonzero(~rel)
            for _ in range(DRAWS):
                subset = np.concatenate([np.flatnonzero(rel), rng.choice(others, SUBSET - int(rel.sum()), replace=False)])
                p = rule(sims[subset], background)
                counts["filtered"][0] += int((p & rel[subset]).sum())
                counts["filtered"][1] += int(p.sum())
                counts["filtered"][2] += int(rel[subset].sum())
                empty = rng.choice(others, SUBSET, replace=False)
                absent_any += int(rule(sims[empty], background).any())
                absent_draws += 1
        row: dict[str, float] = {}
        for situation, (tp, pred, relv) in counts.items():
            precision = tp / pred if pred else 1.0
            recall = tp / relv if relv else 1.0
            row[f"{situation}_p"], row[f"{situation}_r"] = precision, recall
            row[f"{situation}_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        row["absent_any"] = absent_any / absent_draws
        out[name] = row
    return out


def main() -> int:
    parser = base_parser(__doc__ or "")
    args = parser.parse_args()
    info = machine_info()
    print_machine(info, "relevant only: result cutoffs on the oracle gallery")
    with tempfile.TemporaryDirectory() as tmp:
        lib, manifest = og.index_gallery(Path(tmp) / "gallery", Path(tmp) / "data", ORACLE)
        with lib:
            tables: dict[str, list[tuple[dict[str, float], frozenset[str]]]] = {}
            for c in og.cases(manifest):
                if c.kind in KINDS:
                    tables.setdefault(c.kind, []).append((scores(lib, c.query), c.relevant))
    rules: dict[str, Rule] = {"relative (before)": relative}
    for z, floor in ((2.0, 0.0), (2.0, 0.7), (2.0, 0.8), (2.0, 0.9), (2.5, 0.8), (3.0, 0.8)):
        rules[f"calibrated z={z:g} floor={floor:g}"] = calibrated(z, floor)
    payload: dict[str, object] = {"machine": info}
    for kind, table in tables.items():
        results = evaluate(rules, table)
        payload[kind] = results
        report(kind, table, results)
    if args.json:
        write_json(args.json, payload)
    return 0


def report(kind: str, table: list[tuple[dict[str, float], frozenset[str]]],
           results: dict[str, dict[str, float]]) -> None:
    print(f"\n{kind} queries: {len(table)}, {len(table[0][1])}-ish relevant pictures each of {len(table[0][0])}; "
          f"filtered: {SUBSET} candidates x {DRAWS} draws")
    head = f"{'rule':<30}" + "".join(f"{h:>9}" for h in ("all P", "all R", "all F1", "filt P", "filt R", "filt F1",
                                                       "absent"))
    print(head)
    for name, row in results.items():
        print(f"{name:<30}" + "".join(f"{row[k]:9.3f}" for k in ("all_p", "all_r", "all_f1", "filtered_p",
                                                                 "filtered_r", "filtered_f1", "absent_any")))
    chosen = f"calibrated z={cutoff.Z_CUTOFF:g} floor={cutoff.RELATIVE_FLOOR:g}"
    if chosen in results:
        r = results[chosen]
        print(f"default: {chosen}: filtered P {r['filtered_p']:.3f} R {r['filtered_r']:.3f}, "
              f"absent {r['absent_any']:.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
