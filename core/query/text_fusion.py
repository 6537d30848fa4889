"""Words in pictures, fused with the CLIP ranking.

Two ways the text read in pictures (core/ocr) enters a search:

- `text:"wifi password"` is a filter: only pictures whose text holds the phrase (words in
  order; case, accents and a one-letter misreading forgiven) are candidates.
- Plain query words also look in the pictures' text: a picture that shows them gets
  TEXT_WEIGHT x the share of the query's words it shows added to its CLIP score (late
  fusion of the two scores, as in the OCR-text + CLIP fusion of "vision-free" retrieval),
  and joins the candidates when CLIP alone did not fetch it. A picture must show at least
  MIN_COVERAGE of the words. Weight measured on the oracle: tests/bench/ocr_bench.py
  --fusion (README, "Text in pictures").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..catalog import Catalog
from ..embed.base import l2_normalize
from ..ocr.store import TextIndex, TextMatch
from .model import Filters

TEXT_WEIGHT = 0.15  # cosine units: above the gap between a good and a typical CLIP match
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class TextEvidence:
    """What the pictures' text says about a query: item id -> the words matched, and the
    bonus each item's score gets (plain words only; a text: filter only restricts)."""

    words: dict[int, tuple[str, ...]]
    bonus: dict[int, float]

    @classmethod
    def none(cls) -> TextEvidence:
        return cls({}, {})


def filter_items(index: TextIndex, filters: Filters) -> dict[int, tuple[str, ...]] | None:
    """The items whose text holds every text: phrase, with the words that matched; None
    when the query has no text: filter."""
    if not filters.text:
        return None
    found: dict[int, set[str]] | None = None
    for phrase in filters.text:
        items = index.phrase_items(phrase)
        if found is None:
            found = {k: set(v) for k, v in items.items()}
        else:
            found = {k: found[k] | set(v) for k, v in items.items() if k in found}
    return {k: tuple(sorted(v)) for k, v in (found or {}).items()}


def word_evidence(index: TextIndex, text: str, allowed: np.ndarray | None, exclude: set[int]) -> TextEvidence:
    """The bonus of the pictures that show the query's words."""
    if not text:
        return TextEvidence.none()
    matches: dict[int, TextMatch] = index.word_matches(text)
    keep = None if allowed is None else {int(k) for k in allowed}
    words: dict[int, tuple[str, ...]] = {}
    bonus: dict[int, float] = {}
    for item, m in matches.items():
        if m.coverage < MIN_COVERAGE or item in exclude or (keep is not None and item not in keep):
            continue
        words[item] = m.words
        bonus[item] = TEXT_WEIGHT * m.coverage
    return TextEvidence(words, bonus)


def fuse(q: np.ndarray, keys: np.ndarray, sims: np.ndarray, vecs: np.ndarray, evidence: TextEvidence,
         catalog: Catalog, model_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates (keys, fused scores, unit vectors): CLIP's plus the text matches it did not
    fetch, each text match's score raised by its bonus. Unsorted."""
    if not evidence.bonus:
        return keys, sims, vecs
    have = {int(k) for k in keys}
    extra = [k for k in evidence.bonus if k not in have]
    found = catalog.vectors(extra, model_id) if extra else {}
    extra_keys = np.array(list(found), dtype=np.uint64)
    if len(extra_keys):
        extra_vecs = l2_normalize(np.stack([found[int(k)] for k in extra_keys]))
        keys = np.concatenate([keys.astype(np.uint64), extra_keys])
        sims = np.concatenate([sims, extra_vecs @ q])
        vecs = np.concatenate([vecs, extra_vecs])
    bonus = np.array([evidence.bonus.get(int(k), 0.0) for k in keys], dtype=np.float32)
    return keys, (sims + bonus).astype(np.float32), vecs


def bonus_of(keys: np.ndarray, evidence: TextEvidence) -> np.ndarray:
    return np.array([evidence.bonus.get(int(k), 0.0) for k in keys], dtype=np.float32)
