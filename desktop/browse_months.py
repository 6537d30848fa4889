"""The library view's month headings: results listed newest first, a heading per month."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from photolens.core.query.model import SearchHit

UNDATED = "No date"


@dataclass(frozen=True)
class MonthHeader:
    """A row of the grid that is a heading, not a result: 'March 2021', and how many follow."""

    label: str
    year: str
    count: int


def month_of(taken_at: float | None) -> tuple[str, str]:
    """('March 2021', '2021') in local time; an undated picture is 'No date'."""
    if taken_at is None:
        return UNDATED, ""
    local = time.localtime(taken_at)
    return time.strftime("%B %Y", local), str(local.tm_year)


def with_month_headers(hits: Sequence[SearchHit]) -> list[SearchHit | MonthHeader]:
    """The hits, each run of one month preceded by its heading (the hits keep their order)."""
    runs: list[tuple[str, str, list[SearchHit]]] = []
    for hit in hits:
        label, year = month_of(hit.taken_at)
        if not runs or runs[-1][0] != label:
            runs.append((label, year, []))
        runs[-1][2].append(hit)
    rows: list[SearchHit | MonthHeader] = []
    for label, year, members in runs:
        rows.append(MonthHeader(label, year, len(members)))
        rows.extend(members)
    return rows
