"""The library as a listing: every indexed picture and video, newest first (no model needed).

What the app shows when nothing is typed; the filters (folder, dates, type) narrow it. A
video is listed once, at its first sampled moment.
"""

from __future__ import annotations

import time

from .catalog import Catalog
from .query.model import Filters, SearchHit, SearchQuery, SearchResults


def browse(catalog: Catalog, filters: Filters | None = None, limit: int = 1000) -> SearchResults:
    """The newest `limit` items passing `filters` (undated ones last), as SearchResults of a
    query with no words (its score is 1.0 throughout; `searched` counts every match)."""
    start = time.perf_counter()
    filters = filters or Filters()
    allowed = catalog.item_ids_matching(filters)
    frames = catalog.item_frames([int(i) for i in allowed])
    first: dict[str, tuple[int, int]] = {}
    for item_id, (content, ms) in frames.items():
        if content not in first or ms < first[content][1]:
            first[content] = (item_id, ms)
    files = catalog.files_for_items([item_id for item_id, _ in first.values()])
    leads = [(item_id, ms) for item_id, ms in first.values() if files.get(item_id)]
    leads.sort(key=lambda lead: (files[lead[0]][0].taken_at is None, -(files[lead[0]][0].taken_at or 0.0),
                                 files[lead[0]][0].path))
    leads = leads[: max(1, limit)]
    videos = [files[i][0].hash or "" for i, _ in leads if files[i][0].media_type == "video"]
    moments = catalog.frame_times(videos) if videos else {}
    hits = []
    for item_id, ms in leads:
        first_file, *copies = files[item_id]
        video = first_file.media_type == "video"
        camera = " ".join(x for x in (first_file.camera_make, first_file.camera_model) if x) or None
        hits.append(SearchHit(
            path=first_file.path, score=1.0, item_id=item_id, file_id=first_file.id,
            duplicates=tuple(f.path for f in copies), width=first_file.width, height=first_file.height,
            taken_at=first_file.taken_at, camera=camera, media_type=first_file.media_type,
            frame_ms=ms if video else None, duration_s=first_file.duration_s,
            moments=moments.get(first_file.hash or "", ()) if video else (),
        ))
    query = SearchQuery(filters=filters, limit=limit)
    return SearchResults(tuple(hits), query, len(first), (time.perf_counter() - start) * 1000)
