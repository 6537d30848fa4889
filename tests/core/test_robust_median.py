"""core/query/robust.py's median is numpy's, value for value (without importing numpy.ma)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from photolens.core.query.robust import median


def test_the_same_value_as_numpy() -> None:
    rng = np.random.default_rng(0)
    for n in [1, 2, 3, 4, 5, 20, 21, 2047, 2048, 20_000]:
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal(n).astype(dtype)
            assert median(x) == float(np.median(x))
            assert median(np.abs(x - median(x))) == float(np.median(np.abs(x - float(np.median(x)))))
    assert np.isnan(median(np.array([1.0, np.nan, 2.0])))


def test_no_numpy_ma() -> None:
    code = ("import sys; import numpy as np; from photolens.core.query.robust import median;"
            "median(np.arange(10, dtype=np.float32)); print('numpy.ma' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
