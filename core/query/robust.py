"""The median, as numpy computes it, without numpy.ma.

np.median imports numpy.ma on its first call (~40-80 ms, in every one-shot `photolens
search`: the cutoff and the hub statistics take medians). The same value from a partition:
the middle element, or the mean of the two middle ones, as np.median does; NaN input goes
to np.median itself.
"""

from __future__ import annotations

import numpy as np


def median(values: np.ndarray) -> float:
    a = np.asarray(values).ravel()
    n = len(a)
    if n == 0 or not np.issubdtype(a.dtype, np.floating) or np.isnan(a).any():
        return float(np.median(a))
    lo, hi = (n - 1) // 2, n // 2
    part = np.partition(a, [lo, hi])
    return float(np.mean(part[[lo, hi]]))
