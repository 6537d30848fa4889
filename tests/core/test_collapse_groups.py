"""Near-duplicate grouping computed by blocks groups exactly as the one-candidate-at-a-time
version it replaced (issue 20: a GUI query's 2,000 candidates took 0.9-3 s there)."""

from __future__ import annotations

import numpy as np
import pytest

from photolens.core.query.rank import collapse_near_duplicates


def _reference(order: np.ndarray, vecs: np.ndarray, threshold: float = 0.97,
               kinds: np.ndarray | None = None) -> list[list[int]]:
    groups: list[list[int]] = []
    leaders: list[int] = []
    for i in order:
        if leaders:
            sims = vecs[leaders] @ vecs[i]
            if kinds is not None:
                sims = np.where(kinds[leaders] == kinds[i], sims, -np.inf)
            j = int(np.argmax(sims))
            if sims[j] >= threshold:
                groups[j].append(int(i))
                continue
        leaders.append(int(i))
        groups.append([int(i)])
    return groups


@pytest.mark.parametrize("seed", range(6))
def test_grouping_by_blocks_is_the_greedy_grouping(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(600, 1300))  # more than one block
    base = rng.standard_normal((n // 3, 64)).astype(np.float32)
    noise = [0.01, 0.05, 0.1, 0.12, 0.15, 0.3][seed]  # 0.1-0.15: cosines around the 0.97 threshold
    vecs = base[rng.integers(0, len(base), n)] + noise * rng.standard_normal((n, 64)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    kinds = np.asarray(rng.choice(["image", "video"], n), dtype=object) if seed % 2 else None
    order = rng.permutation(n)
    groups = collapse_near_duplicates(order, vecs, kinds=kinds)
    assert groups == _reference(order, vecs, kinds=kinds)
    assert 1 < len(groups) < n or noise >= 0.3


def test_no_candidates_no_groups() -> None:
    assert collapse_near_duplicates(np.arange(0), np.zeros((0, 8), np.float32)) == []
