"""Two models' results as one list, while a model switch re-embeds the library.

During a switch the pictures the new model has embedded are ranked by it, the others by the
previous model (its own vectors and text tower). Their raw scores are not comparable (two
models, two scales), so each hit is put on its own model's scale first:

- "z": a hit's score as robust standard deviations above the median of what
  this query scores on a random sample of that model's library vectors
  (SearchResults.calibration, the same background the relevance cutoff uses);
- "rank" (the default): a hit's rank among the pictures its model searched, as a fraction
  of them (an estimate of where it would rank in the whole library).

tests/bench/switch_eval.py measures both on the oracle with two models at 0-100% re-embedded
(README, "Switching models"): never below the weaker model alone, either of them; "rank" a
hair better on average (mean recall@5 0.577 against 0.571, within noise).
"""

from __future__ import annotations

from dataclasses import replace

from .model import SearchHit, SearchResults

STRATEGIES = ("z", "rank")


def _keys(results: SearchResults, strategy: str) -> list[float]:
    """Each hit's place on a scale shared by both models: higher is better."""
    cal = results.calibration
    if strategy == "z" and cal is not None:
        median, sd = cal
        return [(h.score - median) / sd for h in results.hits]
    searched = max(1, results.searched)
    return [-(rank + 0.5) / searched for rank in range(len(results.hits))]


def merge_results(new: SearchResults, old: SearchResults, limit: int, strategy: str = "rank") -> SearchResults:
    """`new` (the new model, over what it embedded) and `old` (the previous model, over the
    rest) as one ranking: strong hits before weak ones, each group by the shared scale. A
    picture in both (a duplicate file) is shown once, where it ranks best."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown merge strategy {strategy!r}: one of {', '.join(STRATEGIES)}")
    if strategy == "z" and (new.calibration is None or old.calibration is None):
        strategy = "rank"  # one side has no background to be put on a scale by
    scored: list[tuple[bool, float, SearchHit]] = []
    for results in (new, old):
        scored += [(h.weak, key, h) for h, key in zip(results.hits, _keys(results, strategy), strict=True)]
    scored.sort(key=lambda t: (t[0], -t[1]))
    seen: set[str] = set()
    hits: list[SearchHit] = []
    for _, _, hit in scored:
        if hit.path in seen:
            continue
        seen.add(hit.path)
        hits.append(hit)
        if len(hits) >= limit:
            break
    return replace(
        new, hits=tuple(hits), searched=new.searched + old.searched,
        elapsed_ms=new.elapsed_ms + old.elapsed_ms,
        no_good_match=new.no_good_match and old.no_good_match,
    )
