"""Grouping faces into people: nearest neighbours under a distance threshold, then
chinese whispers (dlib) over that graph.

dlib's descriptor puts one person's faces within ~0.6 of each other (its LFW threshold);
on the face_recognition test photos the same person measured 0.24-0.43 and two people
0.81-0.87. THRESHOLD sits between, a little under dlib's 0.6: two people merged by mistake
are worse than one person in two groups (merging is one click, splitting is many).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np

log = logging.getLogger(__name__)

THRESHOLD = 0.55
NEIGHBOURS = 16  # per face, for the graph and the votes
BRUTE_FORCE_MAX = 20_000  # faces; beyond, the graph's neighbours come from usearch
BLOCK = 2048


def pairwise_within(queries: np.ndarray, base: np.ndarray, threshold: float = THRESHOLD,
                    k: int = NEIGHBOURS) -> list[list[tuple[int, float]]]:
    """For each query row, up to k (base index, distance) pairs under the threshold, nearest
    first (exact: numpy in blocks)."""
    out: list[list[tuple[int, float]]] = []
    if not len(base):
        return [[] for _ in range(len(queries))]
    base_sq = (base * base).sum(axis=1)
    for start in range(0, len(queries), BLOCK):
        q = queries[start:start + BLOCK]
        d2 = np.maximum((q * q).sum(axis=1)[:, None] + base_sq[None, :] - 2.0 * q @ base.T, 0.0)
        kk = min(k, d2.shape[1])
        near = np.argpartition(d2, kk - 1, axis=1)[:, :kk]
        for row, cols in zip(d2, near, strict=True):
            pairs = sorted((float(np.sqrt(row[c])), int(c)) for c in cols if row[c] < threshold * threshold)
            out.append([(c, d) for d, c in pairs])
    return out


def knn_within(desc: np.ndarray, threshold: float = THRESHOLD, k: int = NEIGHBOURS) -> list[list[tuple[int, float]]]:
    """Each face's neighbours among all faces (itself excluded); usearch for big sets."""
    if len(desc) <= BRUTE_FORCE_MAX:
        found = pairwise_within(desc, desc, threshold, k + 1)
    else:
        from usearch.index import Index

        index = Index(ndim=desc.shape[1], metric="l2sq", dtype="f32")
        keys = np.arange(len(desc), dtype=np.uint64)
        index.add(keys, desc, threads=0)
        matches = index.search(desc, k + 1, threads=0)
        found = []
        for row_keys, row_d in zip(matches.keys, matches.distances, strict=True):
            found.append([(int(c), float(np.sqrt(max(d, 0.0)))) for c, d in zip(row_keys, row_d, strict=True)
                          if d < threshold * threshold])
    return [[(c, d) for c, d in row if c != i][:k] for i, row in enumerate(found)]


def chinese_whispers(n: int, edges: Iterable[tuple[int, int, float]]) -> list[int]:
    """Cluster labels for n vertices; an edge is (i, j, distance). Isolated vertices get
    their own label."""
    import dlib

    # dlib's weights are similarities; every vertex must be in the edge list: a self loop
    # light enough never to outvote a real neighbour
    weighted = [(i, i, 1e-6) for i in range(n)] + [(i, j, max(1e-3, 1.0 - d / THRESHOLD)) for i, j, d in edges]
    return [int(x) for x in dlib.chinese_whispers(weighted)] if n else []


def vote(neighbours: Sequence[tuple[int, float]], people: Sequence[int | None],
         refused: set[int] | frozenset[int] = frozenset()) -> int | None:
    """The person most of a face's neighbours belong to (closer ones count more), leaving
    out people the face was corrected away from; None when no neighbour has a person."""
    score: dict[int, float] = {}
    for j, d in neighbours:
        p = people[j]
        if p is not None and p not in refused:
            score[p] = score.get(p, 0.0) + 1.0 - d / THRESHOLD
    if not score:
        return None
    return max(score, key=lambda k: score[k])
