"""Run a query: parse, filter with SQLite, encode, vector search, rank, mark weak matches."""

from __future__ import annotations

import logging
import time

import numpy as np

from ..catalog import Catalog
from ..embed.base import Embedder, l2_normalize
from ..vectors import VectorStore
from .encode import QueryEncoder
from .model import Filters, SearchHit, SearchQuery, SearchResults
from .parse import parse_query

log = logging.getLogger(__name__)

# A result is weak when its score is below best - WEAK_FRACTION * (best - typical), where
# "typical" is the score at rank TYPICAL_RANK of the candidates (tuned on the oracle).
WEAK_FRACTION = 0.5
TYPICAL_RANK = 100
# If the best score is barely above typical, nothing really matches.
NO_MATCH_SPREAD = 0.02
# Negative terms: candidates whose similarity to the negative is this many standard
# deviations above the candidates' mean are moved behind the others and marked weak.
NEGATIVE_Z = 0.75


def filter_sql(filters: Filters) -> tuple[str, list[object]]:
    """A parameterised SQL condition on `files f` (user text never enters the SQL)."""
    clauses: list[str] = []
    params: list[object] = []
    if filters.folder:
        clauses.append("(f.path LIKE ? ESCAPE '\\' OR f.path LIKE ? ESCAPE '\\')")
        esc = filters.folder.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [f"{esc}%", f"%/{esc}/%"]
    if filters.after is not None:
        clauses.append("f.taken_at >= ?")
        params.append(filters.after)
    if filters.before is not None:
        clauses.append("f.taken_at < ?")
        params.append(filters.before)
    if filters.media_type:
        clauses.append("f.media_type = ?")
        params.append(filters.media_type)
    if filters.camera:
        clauses.append("(lower(coalesce(f.camera_make,'') || ' ' || coalesce(f.camera_model,'')) LIKE ?)")
        params.append(f"%{filters.camera.lower()}%")
    return " AND ".join(clauses) or "1", params


def run_search(query: SearchQuery, catalog: Catalog, vectors: VectorStore, embedder: Embedder) -> SearchResults:
    start = time.perf_counter()
    text, negatives, filters = parse_query(query.text, query.filters)
    negatives = tuple(query.negatives) + negatives
    q = QueryEncoder(embedder, catalog).encode(query, text, negatives)

    allowed = None
    if filters.active:
        where, params = filter_sql(filters)
        allowed = catalog.item_ids_where(where, params)
    limit = max(1, query.limit)
    fetch = max(limit + len(query.like_items), TYPICAL_RANK) * (3 if negatives else 1)
    keys, sims = vectors.search(q, fetch, allowed=allowed)
    exclude = set(query.like_items) | set(query.unlike_items)
    demoted = _negative_mask(keys, negatives, vectors, embedder) if negatives else np.zeros(len(keys), bool)

    order = np.concatenate([np.flatnonzero(~demoted), np.flatnonzero(demoted)])
    keys, sims, demoted = keys[order], sims[order], demoted[order]
    strong_sims = sims[~demoted]
    best = float(strong_sims[0]) if len(strong_sims) else 0.0
    typical = float(strong_sims[min(len(strong_sims) - 1, TYPICAL_RANK - 1)]) if len(strong_sims) else 0.0
    spread = best - typical
    no_match = len(strong_sims) > 5 and spread < NO_MATCH_SPREAD
    cutoff = best - WEAK_FRACTION * spread

    picked = [(int(k), float(s), bool(d)) for k, s, d in zip(keys, sims, demoted, strict=True) if int(k) not in exclude]
    picked = picked[:limit]
    files = catalog.files_for_items([k for k, _, _ in picked])
    hits: list[SearchHit] = []
    for key, score, neg in picked:
        group = files.get(key)
        if not group:
            continue  # stale vector of a file removed a moment ago
        first = group[0]
        camera = " ".join(x for x in (first.camera_make, first.camera_model) if x) or None
        hits.append(SearchHit(
            path=first.path, score=score, item_id=key, file_id=first.id,
            weak=neg or no_match or score < cutoff, duplicates=tuple(f.path for f in group[1:]),
            width=first.width, height=first.height, taken_at=first.taken_at, camera=camera,
            media_type=first.media_type,
        ))
    elapsed = (time.perf_counter() - start) * 1000
    log.debug("search %r: %d hits in %.1f ms", query.text, len(hits), elapsed)
    return SearchResults(tuple(hits), query, len(vectors) if allowed is None else len(allowed), elapsed, no_match)


def _negative_mask(keys: np.ndarray, negatives: tuple[str, ...], vectors: VectorStore, embedder: Embedder) -> np.ndarray:
    if len(keys) < 2:
        return np.zeros(len(keys), dtype=bool)
    neg = l2_normalize(embedder.embed_texts(list(negatives)))
    vecs = l2_normalize(vectors.vectors(keys))
    s = (vecs @ neg.T).max(axis=1)
    z = (s - s.mean()) / (s.std() + 1e-6)
    return z > NEGATIVE_Z
