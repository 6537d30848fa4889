"""Words in pictures, fused with the CLIP ranking.

Two ways the text read in pictures (core/ocr) enters a search:

- `text:"wifi password"` is a filter: only pictures whose text holds the phrase (words in
  order; case, accents and a one-letter misreading forgiven) are candidates.
- Plain query words also look in the pictures' text: a picture that shows them gets
  TEXT_WEIGHT x the share of the query's words it shows added to its CLIP score, and
  joins the candidates when CLIP alone did not fetch it. The text is matched text to
  text, the idea of "Vision-Free Retrieval" (Ntinou et al., EMNLP 2025; there with
  descriptions a vision-language model wrote, here with what OCR read), fused late with
  the CLIP score as WeiMoCIR fuses similarities (shared/LITERATURE.md). A picture must show at least
  MIN_COVERAGE of the words. Weight measured on the oracle: tests/bench/ocr_bench.py
  --fusion (README, "Text in pictures").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embed.base import l2_normalize
from ..ocr.store import PhraseMatch, TextIndex
from ..vectors import VectorStore
from .model import Filters

TEXT_WEIGHT = 0.3  # cosine units; oracle: word R@1 0.875 at 0.15, 1.0 at 0.3, visual P@5 unchanged
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class TextEvidence:
    """What the pictures' text says about a query's words: the bonus of each item that shows
    them, and the folded words looked for (to mark them in the hits' text)."""

    bonus: dict[int, float]
    spellings: frozenset[str]

    @classmethod
    def none(cls) -> TextEvidence:
        return cls({}, frozenset())


def filter_items(index: TextIndex, filters: Filters) -> PhraseMatch | None:
    """The items whose text holds every text: phrase, and the words that count as theirs;
    None when the query has no text: filter."""
    if not filters.text:
        return None
    items: frozenset[int] | None = None
    spellings: frozenset[str] = frozenset()
    for phrase in filters.text:
        match = index.phrase_items(phrase)
        items = match.items if items is None else items & match.items
        spellings |= match.spellings
    return PhraseMatch(items or frozenset(), spellings)


def word_evidence(index: TextIndex, text: str, allowed: np.ndarray | None, exclude: set[int]) -> TextEvidence:
    """The bonus of the pictures that show the query's words: TEXT_WEIGHT x coverage^2, so
    that a picture showing one word of a longer query gains a quarter of it at half."""
    if not text:
        return TextEvidence.none()
    coverage, spellings = index.word_matches(text)
    keep = None if allowed is None else {int(k) for k in allowed}
    bonus = {item: TEXT_WEIGHT * c * c for item, c in coverage.items()
             if c >= MIN_COVERAGE and item not in exclude and (keep is None or item in keep)}
    return TextEvidence(bonus, spellings)


def fuse(q: np.ndarray, keys: np.ndarray, sims: np.ndarray, vecs: np.ndarray, evidence: TextEvidence,
         vectors: VectorStore, fetch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates (keys, fused scores, unit vectors): CLIP's, plus the `fetch` text matches
    CLIP likes best among those it did not fetch (a common word can be in thousands of
    pictures: the vector index ranks them), each text match raised by its bonus. Unsorted."""
    if not evidence.bonus:
        return keys, sims, vecs
    have = {int(k) for k in keys}
    extra = np.array([k for k in evidence.bonus if k not in have], dtype=np.uint64)
    if len(extra):
        extra_keys, extra_sims = vectors.search(q, min(fetch, len(extra)), allowed=extra)
        if len(extra_keys):
            extra_vecs = l2_normalize(vectors.vectors(extra_keys))
            keys = np.concatenate([keys.astype(np.uint64), extra_keys.astype(np.uint64)])
            sims = np.concatenate([sims, extra_sims.astype(np.float32)])
            vecs = np.concatenate([vecs, extra_vecs])
    return keys, (sims + bonus_of(keys, evidence)).astype(np.float32), vecs


def bonus_of(keys: np.ndarray, evidence: TextEvidence) -> np.ndarray:
    return np.array([evidence.bonus.get(int(k), 0.0) for k in keys], dtype=np.float32)
