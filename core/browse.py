"""The library as a listing: every indexed picture and video, newest first (no model needed).

What the app shows when nothing is typed; the filters (folder, dates, type) narrow it. A
video is listed once, at its first sampled moment.
"""

from __future__ import annotations

from .catalog import Catalog
from .query.model import Filters, SearchQuery, SearchResults
from .query.search import list_newest


def browse(catalog: Catalog, filters: Filters | None = None, limit: int = 1000) -> SearchResults:
    """The newest `limit` items passing `filters` (undated ones last), as SearchResults of a
    query with no words (its score is 1.0 throughout; `searched` counts every match)."""
    filters = filters or Filters()
    return list_newest(SearchQuery(filters=filters, limit=limit), filters, catalog)
