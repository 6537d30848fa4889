"""Run a query: parse, filter with SQLite, encode, vector search, re-rank, mark weak matches."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..catalog import Catalog
from ..embed.base import Embedder, l2_normalize
from ..ocr.store import TextIndex, matched_words
from ..places.store import PlaceIndex
from ..vectors import VectorStore
from . import cutoff, hubness, text_fusion
from .encode import QueryEncoder
from .model import Filters, SearchHit, SearchQuery, SearchResults
from .parse import parse_words
from .planner import QueryPlan, plan_query
from .rank import Suggestion, collapse_near_duplicates, mmr, suggest
from .suggestions import metadata_suggestions
from .terms import LibraryTerms
from .vocab import Vocabulary

log = logging.getLogger(__name__)

# Which results are weak (hidden until "Show weaker matches"): core/query/cutoff.py. Queries
# with words are judged against the library's background (calibrated_cutoff): on the oracle,
# text F1 0.12 -> 0.63, and 0.65 -> 0.92 when a filter leaves 12 candidates (tests/bench/
# cutoff_eval.py). Image-only queries keep the relative cutoff: calibrated, their recall fell
# to 0.42 (a "more like this" wants the near ones, however many).
TYPICAL_RANK = cutoff.TYPICAL_RANK
# Negative terms: candidates whose similarity to the negative is this many standard
# deviations above the candidates' mean are moved behind the others and marked weak.
NEGATIVE_Z = 0.75
# Image-only queries: weight of the pseudo-caption (softmax over the nearest vocabulary
# terms) blended into the image vector. tests/bench/oracle_eval.py --variants: image->image
# recall@5 0.646 -> 0.677 and recall@10 0.865 -> 0.896 at 0.3 (0.6: 0.688 / 0.917), other
# query kinds unchanged. But it moves the query off the example itself: with the tiny
# random test model an exact copy of the example no longer came first (score 0.97), and
# "find this picture" must find it. The gain is small, the failure is visible: off
# (SearchQuery.text_blend turns it on).
TEXT_BLEND_DEFAULT = 0.0
TEXT_BLEND_TERMS = 5
TEXT_BLEND_TEMPERATURE = 0.02
SUGGEST_FROM = 40


def blend_pseudo_caption(q: np.ndarray, terms: np.ndarray, weight: float) -> np.ndarray:
    """Move an image query towards the words that describe it: the softmax-weighted mean of
    its nearest vocabulary term vectors (text side of the modality gap), added with `weight`."""
    sims = terms @ q
    top = np.argsort(-sims)[:TEXT_BLEND_TERMS]
    w = np.exp((sims[top] - sims[top].max()) / TEXT_BLEND_TEMPERATURE)
    caption = l2_normalize((w[:, None] * terms[top]).sum(axis=0))
    return l2_normalize(q + weight * caption)


def run_search(
    query: SearchQuery, catalog: Catalog, vectors: VectorStore, embedder: Embedder, vocab: Vocabulary | None = None,
    hubs: Callable[[], hubness.HubIndex] | None = None, hubness_by_default: bool = False,
    terms: LibraryTerms | None = None, background: Callable[[], np.ndarray] | None = None,
    within: np.ndarray | None = None,
) -> SearchResults:
    """`within`: rank only these items (a model switch: what the previous model alone has).
    `hubs` gives the hubness statistics when the correction is on: for word queries when
    `hubness_by_default` (the model ships a query bank), or when the query asks for it.
    `terms`: the library's names for the planner (read from the catalog when None).
    `background`: unit vectors of a fixed random sample of the library, for the cutoff."""
    start = time.perf_counter()
    index = TextIndex(catalog)
    plan, typed_negatives = _plan(query, catalog, index, terms)
    text, filters, chips = plan.clip_text, plan.filters, plan.chips
    negatives = tuple(query.negatives) + typed_negatives
    filters = _resolve_places(_resolve_people(filters, catalog), catalog)
    phrase = text_fusion.filter_items(index, filters)
    visual = query.image is not None or query.sketch is not None or bool(query.like_items)
    # text:"..." alone: CLIP ranks the pictures that show the phrase by the phrase itself
    clip_text = text or ("" if visual else " ".join(filters.text))
    if not (clip_text or visual) and filters.active:  # person:Anna, type:video alone: a listing
        return replace(list_newest(query, filters, catalog, start), chips=chips, clip_text=text)
    q = QueryEncoder(embedder, catalog).encode(query, clip_text, negatives)
    blend = TEXT_BLEND_DEFAULT if query.text_blend is None else query.text_blend
    image_only = not text and query.sketch is None and (query.image is not None or query.like_items)
    if blend > 0 and image_only and vocab is not None:
        q = blend_pseudo_caption(q, vocab.vectors, blend)

    allowed = within
    if filters.active:
        allowed = catalog.item_ids_matching(filters, phrase.items if phrase is not None else None)
        if within is not None:
            allowed = np.intersect1d(allowed, within)
    if allowed is not None:
        if not len(allowed):
            return SearchResults((), query, 0, (time.perf_counter() - start) * 1000, no_good_match=True,
                                 chips=chips, clip_text=text)
    limit = max(1, query.limit)
    fetch = max(limit * 2 + len(query.like_items), TYPICAL_RANK) * (3 if negatives else 1)
    exclude = set(query.like_items) | set(query.unlike_items)
    evidence = text_fusion.word_evidence(index, text, allowed, exclude)
    # Hubness correction (query/hubness.py) by default: only for queries with words, and only
    # when the model ships its own query bank. tests/bench/oracle_eval.py --planted-hubs 8
    # --generic-bank (README, "Ranking"): with the oracle's bank, text queries with a crafted
    # hub in their top 5 fell from 18.8% to 16.7% and text recall@5 rose 0.938 -> 0.948, with
    # the hub-free gallery ranked exactly as before; with the generic bank, no change.
    use_hubness = (hubness_by_default and bool(text)) if query.hubness is None else query.hubness
    adjust = None
    if use_hubness and hubs is not None:
        adjust = lambda s, k, v: hubs().adjust(s, k, v, len(vectors))  # noqa: E731
    keys, sims, vecs, frame_ms = _candidates(q, fetch, limit, catalog, vectors, allowed, exclude, adjust)
    if evidence.bonus:  # pictures that show the query's words: raised, and added if CLIP missed them
        keys, sims, vecs = text_fusion.fuse(q, keys, sims, vecs, evidence, vectors, fetch)
        keys, sims, vecs, frame_ms = _best_frame_per_file(catalog, keys, sims, vecs)
    bonus = text_fusion.bonus_of(keys, evidence)
    demoted = _negative_mask(vecs, negatives, embedder) if negatives else np.zeros(len(keys), bool)
    order = np.lexsort((-sims, demoted))  # strong first, then by score
    keys, sims, vecs, demoted, frame_ms = keys[order], sims[order], vecs[order], demoted[order], frame_ms[order]
    bonus = bonus[order]

    scale = None
    if background is not None:
        sample = background()
        scale = sample @ q if len(sample) else None
    calibration = cutoff.background_stats(scale) if scale is not None else None
    if not (text or query.sketch is not None):
        scale = None  # image-only queries keep the relative cutoff (above)
    weak, no_match = _weak_matches(sims - bonus, demoted, scale)  # judged on CLIP's own scores
    shown = (bonus > 0) & ~demoted  # a picture that shows the words is a match
    weak &= ~shown
    no_match = no_match and not shown.any()
    kinds = _media_kinds(catalog, keys) if query.collapse_duplicates and len(keys) > 1 else None
    groups = _groups(query, sims, vecs, weak, kinds)[:limit]
    hits = _with_text(_hits(groups, keys, sims, weak, frame_ms, catalog), index,
                      evidence.spellings | (phrase.spellings if phrase is not None else frozenset()))
    suggestions: tuple[Suggestion, ...] = ()
    if query.suggest and text:
        strong = vecs[~weak][:SUGGEST_FROM]  # refinements of the good results only
        named = suggest(text, strong, vocab.terms, vocab.vectors, query_vec=q,
                         embed=embedder.embed_texts) if vocab is not None else []
        suggestions = (*metadata_suggestions(text, hits, chips), *named)
    elapsed = (time.perf_counter() - start) * 1000
    log.debug("search %r: %d hits in %.1f ms", query.text, len(hits), elapsed)
    searched = len(vectors) if allowed is None else len(allowed)
    return SearchResults(tuple(hits), query, searched, elapsed, no_match, suggestions, chips, text, calibration)


def _plan(query: SearchQuery, catalog: Catalog, index: TextIndex,
          terms: LibraryTerms | None) -> tuple[QueryPlan, tuple[str, ...]]:
    """The query's syntax read, then its words planned into filters (unless it asks not);
    and the -negatives typed."""
    parsed = parse_words(query.text, query.filters)
    if not query.plan:
        return QueryPlan(parsed.text, parsed.filters, ()), parsed.negatives
    shown = None
    if any(w.quoted for w in parsed.words) and index.available and index.count():
        def shown(phrase: str) -> bool:
            return bool(index.phrase_items(phrase).items)
    plan = plan_query(parsed, terms if terms is not None else LibraryTerms.read(catalog), today=query.today,
                      keep=query.keep_words, text_shown=shown)
    if plan.chips:
        log.debug("planned %r: %s -> %r", query.text, [c.label for c in plan.chips], plan.clip_text)
    return plan, parsed.negatives


def _resolve_places(filters: Filters, catalog: Catalog) -> Filters:
    """place:Lisbon -> "#ids" of the places called so (PlaceNotFoundError says which there are)."""
    if not filters.places or all(p.startswith("#") for p in filters.places):
        return filters
    places = PlaceIndex(catalog)
    out = tuple(p if p.startswith("#") else "#" + ",".join(str(i) for i in places.resolve(p).place_ids)
                for p in filters.places)
    return replace(filters, places=out)


def _resolve_people(filters: Filters, catalog: Catalog) -> Filters:
    """person:Anna -> Anna's id (a name nobody has is a QueryError that says so)."""
    if not filters.people:
        return filters
    from ..faces.people import People

    people = People(catalog)
    return replace(filters, people=tuple(str(people.resolve(p)) for p in filters.people))


def list_newest(query: SearchQuery, filters: Filters, catalog: Catalog, start: float | None = None) -> SearchResults:
    """Filters and nothing to rank by (person:Anna, type:video; the library view with no
    filter at all): every match, newest first (undated last); a video once, at the first
    moment that matches (where the person appears). `searched` counts the contents."""
    start = time.perf_counter() if start is None else start
    allowed = catalog.item_ids_matching(filters)
    frames = catalog.item_frames([int(i) for i in allowed])
    first: dict[str, tuple[int, int]] = {}
    for item_id, (content, ms) in frames.items():
        if content not in first or ms < first[content][1]:
            first[content] = (item_id, ms)
    leads = [item_id for item_id, _ in first.values()]
    files = catalog.files_for_items(leads)
    leads = [i for i in leads if files.get(i)]
    leads.sort(key=lambda i: (files[i][0].taken_at is None, -(files[i][0].taken_at or 0.0), files[i][0].path))
    leads = leads[: max(1, query.limit)]
    keys = np.asarray(leads, dtype=np.uint64)
    frame_ms = np.asarray([frames[i][1] for i in leads], dtype=np.int64)
    hits = _hits([[i] for i in range(len(leads))], keys, np.ones(len(leads), np.float32),
                 np.zeros(len(leads), bool), frame_ms, catalog)
    elapsed = (time.perf_counter() - start) * 1000
    return SearchResults(tuple(hits), query, len(first), elapsed, ranked=False)


def _weak_matches(sims: np.ndarray, demoted: np.ndarray,
                  background: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """Which candidates are weak (below the cutoff, or demoted by a negative term), and
    whether nothing matches well. `background`: the query's scores over the library sample
    (calibrated cutoff); None: the candidates' own spread (relative cutoff)."""
    strong = sims[~demoted]
    found = cutoff.calibrated_cutoff(strong, background) if background is not None else None
    line, no_match = found if found is not None else cutoff.relative_cutoff(strong)
    return demoted | (sims < line) | no_match, no_match


def _with_text(hits: list[SearchHit], index: TextIndex, spellings: frozenset[str]) -> list[SearchHit]:
    """Hits carry the text read in their picture, and the words of it the query matched."""
    texts = index.texts(h.item_id for h in hits)
    if not texts:
        return hits
    return [replace(h, text=texts[h.item_id], text_matches=matched_words(texts[h.item_id], spellings))
            if h.item_id in texts else h for h in hits]


def _media_kinds(catalog: Catalog, keys: np.ndarray) -> np.ndarray:
    """Each candidate's media type ("image", "video"), so a video and a still never group."""
    files = catalog.files_for_items([int(k) for k in keys])
    kinds = []
    for key in keys:
        members = files.get(int(key))
        kinds.append((members[0].media_type or "image") if members else "")
    return np.asarray(kinds, dtype=object)


def _groups(query: SearchQuery, sims: np.ndarray, vecs: np.ndarray, weak: np.ndarray,
            kinds: np.ndarray | None = None) -> list[list[int]]:
    """Candidate positions grouped as results: near-identical shots together (if asked; of one
    media type only), the strong ones spread by MMR when the query asks for diversity, weak
    ones last."""
    if query.collapse_duplicates and len(sims):
        groups = collapse_near_duplicates(np.arange(len(sims)), vecs, kinds=kinds)
    else:
        groups = [[i] for i in range(len(sims))]
    if query.diversity > 0 and len(groups) > 1:
        leaders = np.array([g[0] for g in groups])
        strong = [i for i, g in enumerate(groups) if not weak[g[0]]]
        picked = mmr(sims[leaders[strong]], vecs[leaders[strong]], len(strong), query.diversity)
        groups = [groups[strong[i]] for i in picked] + [g for i, g in enumerate(groups) if weak[g[0]]]
    return groups


def _hits(groups: list[list[int]], keys: np.ndarray, sims: np.ndarray, weak: np.ndarray, frame_ms: np.ndarray,
          catalog: Catalog) -> list[SearchHit]:
    """One hit per group, with its files' metadata (and a video's moments)."""
    files = catalog.files_for_items([int(keys[i]) for g in groups for i in g])
    videos = [fs[0].hash for fs in files.values() if fs and fs[0].media_type == "video" and fs[0].hash]
    moments = catalog.frame_times(videos) if videos else {}
    people = catalog.people_in_items([int(keys[g[0]]) for g in groups])
    places = PlaceIndex(catalog).for_items(int(keys[g[0]]) for g in groups)
    hits: list[SearchHit] = []
    for group in groups:
        lead = int(keys[group[0]])
        members = files.get(lead)
        if not members:
            continue  # stale vector of a file removed a moment ago
        first = members[0]
        near = tuple(f.path for i in group[1:] for f in files.get(int(keys[i]), [])[:1])
        camera = " ".join(x for x in (first.camera_make, first.camera_model) if x) or None
        hits.append(SearchHit(
            path=first.path, score=float(sims[group[0]]), item_id=lead, file_id=first.id,
            weak=bool(weak[group[0]]), duplicates=tuple(f.path for f in members[1:]),
            width=first.width, height=first.height, taken_at=first.taken_at, camera=camera,
            media_type=first.media_type, near_duplicates=near,
            frame_ms=int(frame_ms[group[0]]) if first.media_type == "video" else None,
            duration_s=first.duration_s, moments=moments.get(first.hash or "", ()),
            people=people.get(lead, ()), place=places[lead].place.label if lead in places else None,
            position=(places[lead].lat, places[lead].lon) if lead in places else None,
        ))
    return hits


def _candidates(
    q: np.ndarray, fetch: int, limit: int, catalog: Catalog, vectors: VectorStore, allowed: np.ndarray | None,
    exclude: set[int], adjust: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The nearest items, one per file (a video at its best frame), without the query's own
    examples (all frames of an example video), scores adjusted by `adjust` (hubness).
    Returns keys, scores, unit vectors and frame_ms, best first."""
    # the examples' own content stays out of the results: every frame of a liked video too
    exclude_content = {c for c, _ in catalog.item_frames(sorted(exclude)).values()} if exclude else set()
    total = len(vectors) if allowed is None else len(allowed)
    while True:
        keys, sims = vectors.search(q, fetch, allowed=allowed)
        fetched = len(keys)
        keep = np.array([int(k) not in exclude for k in keys], dtype=bool)
        keys, sims = keys[keep], sims[keep]
        vecs = l2_normalize(vectors.vectors(keys)) if len(keys) else np.zeros((0, len(q)), np.float32)
        if adjust is not None and len(keys) > 1:
            sims = adjust(sims, keys, vecs)
        keys, sims, vecs, frame_ms = _best_frame_per_file(catalog, keys, sims, vecs, exclude_content)
        # A long video's frames can fill the candidates: fetch deeper until enough files.
        if len(keys) >= limit * 2 or fetched < fetch or fetch >= total:
            return keys, sims, vecs, frame_ms
        fetch *= 4
        log.debug("video frames filled the candidates (%d files): fetching %d", len(keys), fetch)


def _best_frame_per_file(
    catalog: Catalog, keys: np.ndarray, sims: np.ndarray, vecs: np.ndarray, exclude: set[str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A video is one result: its best-matching sampled frame stands for it (and gives the
    moment to show). Content in `exclude` (hashes) is dropped. Returns the kept rows, best
    first, and each one's frame_ms."""
    if not len(keys):
        return keys, sims, vecs, np.zeros(0, dtype=np.int64)
    frames = catalog.item_frames([int(k) for k in keys])
    order = np.argsort(-sims, kind="stable")
    seen: set[str] = set(exclude or ())
    kept: list[int] = []
    for i in order:
        content, _ = frames.get(int(keys[i]), (f"?{i}", 0))
        if content not in seen:
            seen.add(content)
            kept.append(int(i))
    idx = np.array(kept, dtype=np.int64)
    frame_ms = np.array([frames.get(int(keys[i]), ("", 0))[1] for i in idx], dtype=np.int64)
    return keys[idx], sims[idx], vecs[idx], frame_ms


def _negative_mask(vecs: np.ndarray, negatives: tuple[str, ...], embedder: Embedder) -> np.ndarray:
    if len(vecs) < 2:
        return np.zeros(len(vecs), dtype=bool)
    neg = l2_normalize(embedder.embed_texts(list(negatives)))
    s = (vecs @ neg.T).max(axis=1)
    z = (s - s.mean()) / (s.std() + 1e-6)
    return z > NEGATIVE_Z
