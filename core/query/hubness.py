"""Hubness correction: push down pictures that sit close to almost every query.

A "hub" is an item that turns up near the top of many unrelated searches (a busy
collage, a washed-out frame, or a picture crafted to match everything). Following
querybank normalisation (QB-Norm / DBNorm's inverted softmax, shared/LITERATURE.md), each
item g gets one number at index time,

    hub(g) = logsumexp over bank queries b of (beta * cos(b, g)) / beta,

how strongly a bank of typical queries pulls on it; beta scales with the model's logit
scale. The plain inverted softmax ranks by cos(q, g) - hub(g); measured on the oracle it
moved every ranking (text recall@1 up, recall@5 and sketch + text down). So, like
QB-Norm's dynamic variant, only outliers are touched: an item whose hub score lies more
than OUTLIER_Z robust standard deviations (median / MAD over the library) above the
median loses WEIGHT x the excess. A library without hubs ranks exactly as before.

Scores live in the catalog (table hub_scores), computed by the hub-score analyzer
(core/analyzers.py) after each run's CLIP pass and again for every item when the bank
changes (its version), so a query only looks up its ~100 candidates' numbers (the library's median and MAD come from a sample, refreshed as the
library grows).

The bank matters: queries like the user's own. A model folder may ship one
(query_bank.txt, captions from its training data); otherwise the generic vocabulary bank
("a photo of <term>") stands in. tests/bench/oracle_eval.py measures both.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..catalog import Catalog
from .robust import median as median_of

log = logging.getLogger(__name__)

BETA_PER_LOGIT_SCALE = 0.5  # beta = 0.5 x the model's logit scale (DBNorm's b1 on logits)
OUTLIER_Z = 2.5  # crafted hubs: 2.3-5.5; the oracle gallery's most pulled-on picture: 2.1
WEIGHT = 4.0
MIN_ITEMS = 20  # fewer scored items: no statistics, no correction
STATS_SAMPLE = 20_000
STATS_REFRESH = 0.02  # recompute the median / MAD when the library size moved by 2%


@dataclass(frozen=True)
class HubStats:
    """Where the library's hub scores sit: median and robust standard deviation (1.4826 MAD)."""

    centre: float
    spread: float
    size: int

    @classmethod
    def of(cls, scores: np.ndarray, size: int) -> HubStats | None:
        if len(scores) < MIN_ITEMS:
            return None
        centre = median_of(scores)
        spread = max(1.4826 * median_of(np.abs(scores - centre)), 1e-4)
        return cls(centre, spread, size)

    @property
    def threshold(self) -> float:
        return self.centre + OUTLIER_Z * self.spread


@dataclass(frozen=True)
class QueryBank:
    """The probe queries hub scores are measured against."""

    texts: tuple[str, ...]
    vectors: np.ndarray  # len(texts) x dim, unit length
    source: str  # "model": shipped with the model (its training captions); "generic": the vocabulary

    def fingerprint(self, beta: float) -> str:
        h = hashlib.sha1(f"{beta:.6g}\n".encode())
        for t in self.texts:
            h.update(t.encode("utf-8") + b"\n")
        return f"{self.source}-{h.hexdigest()[:16]}"


def hub_scores(vecs: np.ndarray, bank: np.ndarray, beta: float) -> np.ndarray:
    """log-sum-exp of beta x the bank similarities of each row of `vecs`, divided by beta."""
    if len(vecs) == 0:
        return np.zeros(0, np.float32)
    x = (np.asarray(vecs, np.float32) @ bank.T) * beta
    top = x.max(axis=1, keepdims=True)
    return ((top + np.log(np.exp(x - top).sum(axis=1, keepdims=True))).reshape(-1) / beta).astype(np.float32)


def correct(sims: np.ndarray, hubs: np.ndarray, stats: HubStats | None, weight: float = WEIGHT) -> np.ndarray:
    """Push down the candidates whose hub score is an outlier in the library."""
    if stats is None or len(sims) == 0:
        return sims
    return sims - weight * np.maximum(0.0, hubs - stats.threshold)


class HubIndex:
    """Hub scores of one model's items against one bank: computed, stored, looked up."""

    def __init__(self, catalog: Catalog, model_id: str, bank: QueryBank, logit_scale: float):
        self.catalog = catalog
        self.model_id = model_id
        self.bank = bank
        self.beta = BETA_PER_LOGIT_SCALE * float(logit_scale)
        self.key = bank.fingerprint(self.beta)
        self._stats: HubStats | None = None

    def compute(self, vecs: np.ndarray) -> np.ndarray:
        return hub_scores(vecs, self.bank.vectors, self.beta)

    def record(self, keys: Sequence[int] | np.ndarray, vecs: np.ndarray) -> None:
        """Store the scores of freshly embedded items (called by the indexer per batch)."""
        if len(keys):
            self.catalog.set_hub_scores(self.model_id, self.key, [int(k) for k in keys], self.compute(vecs).tolist())

    def stats(self, library_size: int) -> HubStats | None:
        """The library's hub score statistics (from a sample; cached while its size holds)."""
        cached = self._stats
        if cached is not None and abs(library_size - cached.size) <= STATS_REFRESH * cached.size:
            return cached
        sample = self.catalog.hub_score_sample(self.model_id, self.key, STATS_SAMPLE)
        self._stats = HubStats.of(sample, library_size)
        return self._stats

    def adjust(self, sims: np.ndarray, keys: np.ndarray, vecs: np.ndarray, library_size: int) -> np.ndarray:
        """The candidates' similarities with outlier hubs pushed down."""
        stats = self.stats(library_size)
        if stats is None:
            return sims
        return correct(sims, self.lookup(keys, vecs), stats)

    def lookup(self, keys: np.ndarray, vecs: np.ndarray) -> np.ndarray:
        """Scores of the candidates: stored ones, the rest computed now (not stored: the
        reader may be read-only, and the indexer will store them)."""
        stored = self.catalog.hub_scores([int(k) for k in keys], self.model_id, self.key)
        out = np.empty(len(keys), np.float32)
        missing = []
        for i, k in enumerate(keys):
            value = stored.get(int(k))
            if value is None:
                missing.append(i)
            else:
                out[i] = value
        if missing:
            out[missing] = self.compute(vecs[missing])
        return out
