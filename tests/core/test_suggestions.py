"""'Maybe:' refinements: only ones that lead towards their pictures, and the people, places
and years that split the good results."""

from __future__ import annotations

import numpy as np

from photolens.core.embed.base import l2_normalize
from photolens.core.query.model import Chip, SearchHit
from photolens.core.query.rank import suggest
from photolens.core.query.suggestions import metadata_suggestions


def _clusters() -> tuple[np.ndarray, list[str], np.ndarray]:
    rng = np.random.default_rng(1)
    top = l2_normalize(np.vstack([np.eye(4)[i] + 0.05 * rng.standard_normal(4) for i in (0, 0, 0, 1, 1, 1, 2, 2, 2)]))
    return top, ["red", "blue", "green"], np.eye(4)[:3]


def test_a_refinement_that_leads_away_from_its_cluster_is_dropped() -> None:
    top, terms, term_vecs = _clusters()
    query = l2_normalize(np.array([0.5, 0.5, 0.5, 0.5]))

    def embed(texts: list[str]) -> np.ndarray:
        # "circle blue" is embedded near the blue cluster; "circle green" away from its own
        out = []
        for t in texts:
            word = t.split()[-1]
            v = {"red": [1, 0, 0, 0.2], "blue": [0, 1, 0, 0.2], "green": [0, 0, 0, 1]}[word]
            out.append(np.array(v, np.float32))
        return np.stack(out)

    out = suggest("circle", top, terms, term_vecs, query_vec=query, embed=embed, tries=1)
    assert sorted(s.label for s in out) == ["blue", "red"]
    assert all(s.query == f"circle {s.label}" for s in out)


def test_words_already_in_the_query_are_never_suggested() -> None:
    top, terms, term_vecs = _clusters()
    assert "red" not in [s.label for s in suggest("red circle", top, terms, term_vecs)]


def _hit(i: int, place: str | None, year: int, people: tuple[str, ...] = (), weak: bool = False) -> SearchHit:
    from datetime import datetime

    return SearchHit(path=f"/p/{i}.jpg", score=1.0 - i / 100, item_id=i, file_id=i, weak=weak, place=place,
                     taken_at=datetime(year, 6, 1).timestamp(), people=people)


def test_people_places_and_years_that_split_the_results() -> None:
    hits = [_hit(i, "Lisbon, Portugal" if i < 4 else "Porto, Portugal", 2019 if i % 2 else 2020,
                 ("Anna",) if i < 3 else ("Person 7",)) for i in range(10)]
    labels = [s.label for s in metadata_suggestions("beach", hits, ())]
    assert labels == ["with Anna", "in Porto", "2020"]  # Porto: 6 of 10; a tie of years: the first seen
    assert metadata_suggestions("beach", hits, ())[1].query == "beach in Porto"
    # the query says where already: no place suggestion; everything in one place: none either
    place_chip = Chip("place", "Lisbon", "city, 4 pictures", "in Lisbon")
    assert "in Porto" not in [s.label for s in metadata_suggestions("beach", hits, (place_chip,))]
    same = [_hit(i, "Lisbon, Portugal", 2019) for i in range(10)]
    assert metadata_suggestions("beach", same, ()) == []
    # weak results do not count, and too few good ones give nothing
    assert metadata_suggestions("beach", [*hits[:4], *[_hit(i, "Porto, Portugal", 2019, weak=True)
                                                       for i in range(10, 20)]], ()) == []
