"""Re-ranking on top of cosine similarity (see shared/LITERATURE.md), each measured on the
oracle by tests/bench/oracle_eval.py before it is on by default.

- near-duplicate collapse (bursts and edited copies become one result with a count);
- MMR diversity re-ranking of the first screen;
- query suggestions: clusters of the top results named by their nearest vocabulary terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..embed.base import l2_normalize

DUPLICATE_COSINE = 0.97
COLLAPSE_BLOCK = 512  # candidates whose similarities are computed at once (512 x n floats)


def collapse_near_duplicates(order: np.ndarray, vecs: np.ndarray, threshold: float = DUPLICATE_COSINE,
                             kinds: np.ndarray | None = None) -> list[list[int]]:
    """Greedy grouping in rank order: each group is [leader, its near-duplicates...] (indices).
    With `kinds` (e.g. each candidate's media type) only candidates of one kind group: a
    video is never a near-identical shot of a still picture.

    The similarities come from one matrix product per block of candidates (the leaders
    always come earlier in the order): gathering the leaders' rows for every candidate
    took 0.9-3 s for the 2,000 candidates of a GUI query (limit 1000), this ~30 ms."""
    order = np.asarray(order, dtype=np.int64)
    n = len(order)
    ranked = np.ascontiguousarray(vecs[order])
    codes = np.unique(np.asarray(kinds, dtype=object)[order], return_inverse=True)[1].ravel() \
        if kinds is not None and n else None
    groups: list[list[int]] = []
    leaders = np.empty(n, dtype=np.int64)  # positions in `order` of the groups' leaders
    count = 0
    for start in range(0, n, COLLAPSE_BLOCK):
        block = ranked[start : start + COLLAPSE_BLOCK] @ ranked[: start + COLLAPSE_BLOCK].T
        for row in range(len(block)):
            p = start + row
            if count:
                lead = leaders[:count]
                sims = block[row, lead]
                if codes is not None:
                    sims = np.where(codes[lead] == codes[p], sims, -np.inf)
                j = int(np.argmax(sims))
                if sims[j] >= threshold:
                    groups[j].append(int(order[p]))
                    continue
            leaders[count] = p
            count += 1
            groups.append([int(order[p])])
    return groups


def mmr(sims: np.ndarray, vecs: np.ndarray, k: int, diversity: float) -> np.ndarray:
    """Maximal marginal relevance: pick k indices trading relevance for novelty (0 = plain ranking)."""
    n = len(sims)
    if diversity <= 0 or n <= 1:
        return np.argsort(-sims, kind="stable")[:k]
    chosen: list[int] = []
    max_sim_to_chosen = np.full(n, -np.inf)
    available = np.ones(n, dtype=bool)
    for _ in range(min(k, n)):
        novelty = np.where(np.isfinite(max_sim_to_chosen), max_sim_to_chosen, 0.0)
        score = (1 - diversity) * sims - diversity * novelty
        score[~available] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        available[best] = False
        max_sim_to_chosen = np.maximum(max_sim_to_chosen, vecs @ vecs[best])
    return np.array(chosen, dtype=np.int64)


@dataclass(frozen=True)
class Suggestion:
    """A refined query: the current words plus what a cluster of results shares."""

    label: str
    query: str
    size: int


def _kmeans(x: np.ndarray, k: int, iters: int = 10) -> np.ndarray:
    """Spherical k-means with farthest-point initialisation (deterministic)."""
    centres = [0]
    for _ in range(1, k):
        d = np.max(x @ x[centres].T, axis=1)
        centres.append(int(np.argmin(d)))
    c = x[centres].copy()
    labels = np.zeros(len(x), dtype=np.int64)
    for _ in range(iters):
        labels = np.argmax(x @ c.T, axis=1)
        for j in range(k):
            members = x[labels == j]
            if len(members):
                c[j] = l2_normalize(members.mean(axis=0))
    return labels


def suggest(
    query_text: str, top_vecs: np.ndarray, terms: list[str], term_vecs: np.ndarray, *, clusters: int = 3,
    min_size: int = 3, query_vec: np.ndarray | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None, tries: int = 3,
) -> list[Suggestion]:
    """Cluster the top results; name each cluster by the term nearest its centroid that
    is not already in the query and does not name the other clusters better.

    With `query_vec` and `embed` (the text tower), a refinement is kept only if its query
    is closer to its cluster than the query itself was (the first of `tries` terms that
    is; none: no suggestion for that cluster), so a chip never leads away from its
    pictures ("a red circle pink" for red circles)."""
    if len(top_vecs) < clusters * min_size:
        return []
    labels = _kmeans(l2_normalize(top_vecs), clusters)
    words = set(query_text.lower().split())
    centroids = []
    sizes = []
    for j in range(clusters):
        members = top_vecs[labels == j]
        sizes.append(len(members))
        centroids.append(l2_normalize(members.mean(axis=0)) if len(members) else np.zeros(top_vecs.shape[1]))
    cent = np.stack(centroids)
    term_scores = cent @ term_vecs.T  # clusters x terms
    # distinctive: how much better a term fits this cluster than the others
    distinct = term_scores - (term_scores.sum(axis=0, keepdims=True) - term_scores) / max(clusters - 1, 1)
    picks: list[tuple[int, list[str]]] = []
    used: set[str] = set()
    for j in np.argsort(sizes)[::-1]:
        if sizes[j] < min_size:
            continue
        options: list[str] = []
        for t in np.argsort(-distinct[j]):
            term = terms[int(t)]
            if term.lower() in words or term in used or set(term.lower().split()) & words:
                continue
            options.append(term)
            if len(options) >= (tries if embed is not None else 1):
                break
        used.update(options[:1])
        picks.append((int(j), options))
    if embed is not None and query_vec is not None:
        return _checked(query_text, query_vec, picks, cent, sizes, embed)
    return [Suggestion(opts[0], f"{query_text} {opts[0]}".strip(), int(sizes[j])) for j, opts in picks if opts]


def _checked(query_text: str, query_vec: np.ndarray, picks: list[tuple[int, list[str]]], cent: np.ndarray,
             sizes: list[int], embed: Callable[[list[str]], np.ndarray]) -> list[Suggestion]:
    """The first option of each cluster whose refined query is nearer its centroid than
    the query was (one batch through the text tower)."""
    texts = [f"{query_text} {term}".strip() for _, options in picks for term in options]
    if not texts:
        return []
    vecs = l2_normalize(np.asarray(embed(texts), dtype=np.float32))
    out: list[Suggestion] = []
    taken: set[str] = set()
    i = 0
    for j, options in picks:
        before = float(cent[j] @ query_vec)
        chosen = None
        for term in options:
            if chosen is None and term not in taken and float(cent[j] @ vecs[i]) > before:
                chosen = term
            i += 1
        if chosen is not None:
            taken.add(chosen)
            out.append(Suggestion(chosen, f"{query_text} {chosen}".strip(), int(sizes[j])))
    return out
