"""What a click on a suggestion, and one or two rounds of "more like this" / "less like
this", gain on the oracle gallery (96 JPEGs, every shape x colour twice).

- Suggestions: the query is a colour alone ("red"); the target is one shape of that
  colour. If a "Maybe:" chip names the target's shape, the user clicks it. Reported:
  how often such a chip was offered, and the target's recall@5 before and after the
  click; also how many chips the closeness check (core/query/rank.py) dropped.
- Feedback: the query is "a <colour> <shape>". Each round the user marks the best
  relevant result in the top 10 "more like this" and the best irrelevant one in the top 5
  "less like this". Reported: recall@5 of the relevant pictures not marked yet, before
  and after one and two rounds (the marked ones leave the results, so they do not count).

    python tests/bench/feedback_eval.py [--json OUT]
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from photolens.core.query.model import SearchQuery  # noqa: E402
from tests.bench.common import REPO, base_parser, machine_info, print_machine, write_json  # noqa: E402
from tests.e2e import oracle_gallery as og  # noqa: E402
from tests.oracle import scenes as sc  # noqa: E402

ORACLE = REPO / "tests" / "fixtures" / "models" / "oracle"
K = 5


def ranked(lib, query: SearchQuery) -> list[tuple[str, int]]:  # noqa: ANN001 - a Library
    q = dataclasses.replace(query, limit=50, collapse_duplicates=False, hubness=False)
    return [(og.relative_name(h.path), h.item_id) for h in lib.search(q).hits]


def recall(names: list[str], relevant: set[str]) -> float:
    return len(set(names[:K]) & relevant) / min(K, len(relevant)) if relevant else float("nan")


def suggestion_gain(lib, manifest: dict[str, sc.Scene]) -> dict[str, float]:  # noqa: ANN001
    """The visual chips (core/query/rank.suggest) for colour-only queries, named from a
    vocabulary of the oracle's words (shapes, colours; the app's everyday bank has no
    shape words), with and without the closeness check."""
    from photolens.core.embed.base import l2_normalize
    from photolens.core.query.rank import suggest

    session = lib._session  # noqa: SLF001 - the bench looks inside the engine
    embedder = session.embedder
    terms = [*sc.KINDS, *sc.COLOURS, "small", "large", "striped", "dotted"]
    term_vecs = l2_normalize(embedder.embed_texts(terms))
    offered = checked_total = unchecked_total = failing = 0
    before, after = [], []
    for kind in sc.KINDS:
        for colour in sc.COLOURS:
            target = {n for n, s in manifest.items() if s.has(kind=kind, colour=colour)}
            results = lib.search(SearchQuery(text=colour, limit=50, collapse_duplicates=False))
            strong = [h for h in results.hits if not h.weak][:40]
            names = [og.relative_name(h.path) for h in results.hits]
            before.append(recall(names, target))
            vecs = l2_normalize(session.vectors.vectors(np.array([h.item_id for h in strong], np.uint64))) \
                if strong else np.zeros((0, term_vecs.shape[1]), np.float32)
            q = l2_normalize(embedder.embed_texts([colour])[0])
            plain = suggest(colour, vecs, terms, term_vecs)
            checked = suggest(colour, vecs, terms, term_vecs, query_vec=q, embed=embedder.embed_texts)
            unchecked_total += len(plain)
            checked_total += len(checked)
            failing += len({s.label for s in plain} - {s.label for s in checked})
            chip = next((s for s in checked if s.label == kind), None)
            if chip is None:
                after.append(before[-1])
                continue
            offered += 1
            clicked = [n for n, _ in ranked(lib, SearchQuery(text=chip.query))]
            after.append(recall(clicked, target))
    pairs = len(sc.KINDS) * len(sc.COLOURS)
    return {"queries": pairs, "offered": offered / pairs, "chips_per_query": checked_total / pairs,
            "unchecked_per_query": unchecked_total / pairs, "dropped_share": failing / max(1, unchecked_total),
            "recall_before": float(np.mean(before)), "recall_after": float(np.mean(after))}


def place_suggestion_gain(tmp: Path) -> dict[str, float]:
    """The gallery again, half its pictures taken in Lisbon and half in Porto (GPS in their
    EXIF), the query a colour alone; the target: that colour's pictures in one city. When
    an "in <city>" chip is offered, the user clicks it. Reported: how often it was offered
    and the target's precision among the good results before and after."""
    from PIL import Image

    from photolens.core.library import Library
    from tests.geo_photos import CITIES, save_with_exif

    gallery = tmp / "geo"
    manifest = og.build_gallery(gallery)
    city_of: dict[str, str] = {}
    for i, name in enumerate(sorted(manifest)):
        city = ("Lisbon", "Porto")[i % 2]
        city_of[name] = city
        path = gallery / name
        with Image.open(path) as image:
            save_with_exif(image.copy(), path, CITIES[city], "2019:06:01 12:00:00")
    offered, before, after = 0, [], []
    with Library.open(tmp / "geo-data", model_path=ORACLE) as lib:
        lib.add_folder(gallery)
        lib.index()
        for colour in sc.COLOURS:
            results = lib.search(SearchQuery(text=colour, limit=50, collapse_duplicates=False, suggest=True))
            chip = next((s for s in results.suggestions if s.label.startswith("in ")), None)
            if chip is None:
                continue
            city = chip.label[3:]
            target = {n for n, scene in manifest.items() if scene.has(colour=colour) and city_of[n] == city}
            good = [og.relative_name(h.path) for h in results.strong]
            clicked = lib.search(SearchQuery(text=chip.query, limit=50, collapse_duplicates=False))
            narrowed = [og.relative_name(h.path) for h in clicked.strong]
            offered += 1
            before.append(len(set(good) & target) / max(1, len(good)))
            after.append(len(set(narrowed) & target) / max(1, len(narrowed)))
    return {"queries": len(sc.COLOURS), "offered": offered / len(sc.COLOURS),
            "precision_before": float(np.mean(before)) if before else float("nan"),
            "precision_after": float(np.mean(after)) if after else float("nan")}


def feedback_gain(lib, manifest: dict[str, sc.Scene], *, vague: bool = False) -> dict[str, float]:  # noqa: ANN001
    """vague: the query is the colour alone and the target one shape of it (where marking
    results has something to add); else the query names both."""
    rounds: dict[int, list[float]] = {0: [], 1: [], 2: []}
    base_same: dict[int, list[float]] = {1: [], 2: []}
    for kind in sc.KINDS:
        for colour in sc.COLOURS:
            relevant = {n for n, s in manifest.items() if s.has(kind=kind, colour=colour)}
            query = SearchQuery(text=colour if vague else f"a {colour} {kind}")
            first = ranked(lib, query)
            rounds[0].append(recall([n for n, _ in first], relevant))
            likes: tuple[int, ...] = ()
            unlikes: tuple[int, ...] = ()
            marked: set[str] = set()
            current = first
            for r in (1, 2):
                good = next(((n, i) for n, i in current[:10] if n in relevant and n not in marked), None)
                bad = next(((n, i) for n, i in current[:K] if n not in relevant and n not in marked), None)
                if good is not None:
                    likes += (good[1],)
                    marked.add(good[0])
                if bad is not None:
                    unlikes += (bad[1],)
                    marked.add(bad[0])
                remaining = relevant - marked
                if not remaining:
                    break
                current = ranked(lib, dataclasses.replace(query, like_items=likes, unlike_items=unlikes))
                rounds[r].append(recall([n for n, _ in current], remaining))
                # the same pictures left, ranked by the query alone (marked ones removed)
                base_same[r].append(recall([n for n, _ in first if n not in marked], remaining))
    return {"recall_start": float(np.mean(rounds[0])),
            **{f"round{r}_recall": float(np.mean(rounds[r])) for r in (1, 2) if rounds[r]},
            **{f"round{r}_without_feedback": float(np.mean(base_same[r])) for r in (1, 2) if base_same[r]},
            **{f"round{r}_queries": len(rounds[r]) for r in (1, 2)}}


def main() -> int:
    args = base_parser(__doc__ or "").parse_args()
    info = machine_info()
    print_machine(info, "suggestions and more/less like this on the oracle gallery")
    with tempfile.TemporaryDirectory() as tmp:
        lib, manifest = og.index_gallery(Path(tmp) / "gallery", Path(tmp) / "data", ORACLE)
        with lib:
            s = suggestion_gain(lib, manifest)
            f = feedback_gain(lib, manifest)
            v = feedback_gain(lib, manifest, vague=True)
        p = place_suggestion_gain(Path(tmp))
    print(f"suggestions ({s['queries']} colour-only queries): {s['unchecked_per_query']:.1f} chips per query "
          f"unchecked, {s['dropped_share']:.0%} of them led away from their cluster and are dropped "
          f"({s['chips_per_query']:.1f} left); a chip naming the target shape offered in {s['offered']:.0%}; "
          f"target recall@{K} {s['recall_before']:.3f} -> {s['recall_after']:.3f} after clicking it (when offered)")
    print(f"place chips ({p['queries']} colour-only queries, pictures half in Lisbon, half in Porto): an "
          f"'in <city>' chip offered for {p['offered']:.0%}; the share of the good results in that city with "
          f"that colour {p['precision_before']:.3f} -> {p['precision_after']:.3f} after the click")
    for name, r in (("precise", f), ("vague", v)):
        print(f"feedback, {name} queries: recall@{K} {r['recall_start']:.3f} at the start; after one round "
              f"{r.get('round1_recall', 0):.3f} (the query alone on the same pictures: "
              f"{r.get('round1_without_feedback', 0):.3f}, {r['round1_queries']} queries); after two "
              f"{r.get('round2_recall', 0):.3f} (alone: {r.get('round2_without_feedback', 0):.3f}, "
              f"{r['round2_queries']} queries)")
    write_json(args.json, {"machine": info, "suggestions": s, "place_chips": p, "feedback": f,
                           "feedback_vague": v})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
