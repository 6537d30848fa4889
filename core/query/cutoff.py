"""Which results are relevant: a cutoff on a query's scores.

Two rules, measured against each other on the oracle (tests/bench/cutoff_eval.py, README
"Relevant only"):

- `relative_cutoff`: the rule the ranking used first: weak below best - 0.5 x (best -
  the score at rank 100 of the candidates). It judges a query by its own candidates, so
  when a filter leaves a dozen pictures ("... in Lisbon 2019") the "typical" score is one
  of the few candidates and half of them pass, matching or not.
- `calibrated_cutoff`: the query's scores against the whole library, from a fixed random
  sample of its vectors (the background: what this query scores on pictures at large).
  Relevant when a score stands Z_CUTOFF robust standard deviations (1.4826 x MAD) above
  the background's median, and within RELATIVE_FLOOR of the best score's height above it.
  A filter does not change the background, so a filtered query keeps a sound cutoff, and
  a query nothing matches has no result above it.
"""

from __future__ import annotations

import numpy as np

from .robust import median as median_of

WEAK_FRACTION = 0.5  # relative_cutoff: the share of (best - typical) a result may fall below best
TYPICAL_RANK = 100
NO_MATCH_SPREAD = 0.02  # relative_cutoff: best barely above typical: nothing matches
Z_CUTOFF = 2.0  # calibrated_cutoff: robust z above the library's median (tests/bench/cutoff_eval.py)
RELATIVE_FLOOR = 0.8  # ... and at least this share of the best's height above the median
MIN_BACKGROUND = 32  # fewer library vectors than this: no background to calibrate on
_MAD_TO_SD = 1.4826


def relative_cutoff(sims: np.ndarray) -> tuple[float, bool]:
    """(cutoff, nothing matches) from the candidates' own scores (best first or not)."""
    ordered = np.sort(np.asarray(sims, dtype=np.float32))[::-1]
    if not len(ordered):
        return 0.0, False
    best = float(ordered[0])
    typical = float(ordered[min(len(ordered) - 1, TYPICAL_RANK - 1)])
    spread = best - typical
    return best - WEAK_FRACTION * spread, len(ordered) > 5 and spread < NO_MATCH_SPREAD


def background_stats(background: np.ndarray) -> tuple[float, float] | None:
    """(median, robust sd) of a query's scores over the library sample; None if too few."""
    if len(background) < MIN_BACKGROUND:
        return None
    median = median_of(background)
    sd = _MAD_TO_SD * median_of(np.abs(background - median))
    return median, max(sd, 1e-4)


def calibrated_cutoff(sims: np.ndarray, background: np.ndarray, *, z: float = Z_CUTOFF,
                      floor: float = RELATIVE_FLOOR) -> tuple[float, bool] | None:
    """(cutoff, nothing matches) against the library's background scores; None when the
    library is too small to have one (the caller falls back to relative_cutoff)."""
    stats = background_stats(np.asarray(background, dtype=np.float32))
    if stats is None:
        return None
    median, sd = stats
    line = median + z * sd
    best = float(np.max(sims)) if len(sims) else median
    cutoff = max(line, median + floor * (best - median))
    return cutoff, best < line
