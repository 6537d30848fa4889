"""'Maybe:' refinements from what the good results share: who is in them, where and when
they were taken ("with Anna", "in Lisbon", "2019"). A refinement is offered only when it
splits the results (a share between MIN_SHARE and MAX_SHARE of them: one that keeps
them all, or two of fifty, narrows nothing) and the query does not already say it. Its
query is the words plus the refinement as the planner reads it (core/query/planner.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from .model import Chip, SearchHit
from .rank import Suggestion

MIN_RESULTS = 6
MIN_SHARE = 0.2
MAX_SHARE = 0.8
PER_KIND = 1


def metadata_suggestions(text: str, hits: Sequence[SearchHit], chips: Sequence[Chip]) -> list[Suggestion]:
    """People, places and years of the strong hits that would narrow them."""
    strong = [h for h in hits if not h.weak]
    if len(strong) < MIN_RESULTS:
        return []
    have = {c.kind for c in chips}
    out: list[Suggestion] = []
    kinds = (
        ("person", lambda h: [p for p in h.people if not p.startswith("Person ")], "with {}"),
        ("place", lambda h: [h.place.split(",")[0]] if h.place else [], "in {}"),
        ("date", lambda h: [str(datetime.fromtimestamp(h.taken_at).year)] if h.taken_at else [], "{}"),
    )
    for kind, values, form in kinds:
        if kind in have:
            continue
        counts = Counter(v for h in strong for v in dict.fromkeys(values(h)))
        offered = 0
        for value, n in counts.most_common():
            if offered >= PER_KIND:
                break
            if MIN_SHARE <= n / len(strong) <= MAX_SHARE:
                offered += 1
                phrase = form.format(value)
                out.append(Suggestion(phrase, f"{text} {phrase}".strip(), n))
    return out
