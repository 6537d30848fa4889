"""Query parsing, long-text splitting and the re-ranking building blocks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from photolens.core.embed.base import l2_normalize
from photolens.core.errors import QueryError
from photolens.core.query import hubness
from photolens.core.query.encode import embed_text, split_long_text
from photolens.core.query.parse import parse_query
from photolens.core.query.rank import collapse_near_duplicates, mmr, suggest


def test_parse_words_negatives_and_filters() -> None:
    text, negs, f = parse_query('beach sunset -people -"red car" after:2019 before:2021-06 in:Holidays type:photo camera:canon')
    assert text == "beach sunset"
    assert negs == ("people", "red car")
    assert f.after == datetime(2019, 1, 1).timestamp() and f.before == datetime(2021, 6, 1).timestamp()
    assert (f.folder, f.media_type, f.camera) == ("Holidays", "image", "canon")


def test_parse_errors_are_clear() -> None:
    with pytest.raises(QueryError, match="YYYY"):
        parse_query("after:yesterday")
    with pytest.raises(QueryError, match="type:image"):
        parse_query("type:hologram")
    assert parse_query('"unbalanced quote')[0] == "unbalanced quote"


def test_long_text_is_split_not_truncated() -> None:
    def fits(t: str) -> bool:
        return len(t.split()) <= 6

    text = "A red car by the sea. Two children build a sandcastle, and a dog runs with a ball near the water."
    parts = split_long_text(text, fits)
    assert len(parts) > 1 and all(fits(p) for p in parts)
    assert " ".join(parts).split() == text.split()  # every word kept, in order


def test_long_query_uses_every_clause(tiny_model_dir: Path) -> None:
    from photolens.core.embed.model_files import ModelFolder
    from photolens.core.embed.onnx_backend import OnnxEmbedder

    emb = OnnxEmbedder(ModelFolder.load(tiny_model_dir))
    head = "a red circle on a white background, " * 3
    long_a = head + "and finally a green star in the corner " * 3
    long_b = head + "and finally a blue heart at the bottom " * 3
    assert emb.tokenizer.count(long_a) > emb.tokenizer.context_length
    # truncation would make both identical (same first 20 tokens); splitting keeps the tails
    assert float(embed_text(emb, long_a) @ embed_text(emb, long_b)) < 0.9999
    truncated = emb.embed_texts([long_a, long_b])
    assert float(truncated[0] @ truncated[1]) > 0.9999


def test_hubness_pushes_down_items_close_to_every_generic_query() -> None:
    rng = np.random.default_rng(0)
    common = l2_normalize(rng.standard_normal(16))  # what typical queries share
    bank = l2_normalize(common + 0.8 * l2_normalize(rng.standard_normal((50, 16))))
    hub = common  # near everything in the bank
    normal = l2_normalize(rng.standard_normal((5, 16)))
    cands = np.vstack([hub, normal])
    sims = np.array([0.5, 0.45, 0.3, 0.2, 0.1, 0.0])
    library = l2_normalize(rng.standard_normal((200, 16)))
    stats = hubness.HubStats.of(hubness.hub_scores(library, bank, beta=10.0), len(library))
    scores = hubness.hub_scores(cands, bank, beta=10.0)
    assert stats is not None and scores[0] > stats.threshold > scores[1:].max()  # only the hub is an outlier
    adjusted = hubness.correct(sims, scores, stats)
    assert np.argmax(sims) == 0 and np.argmax(adjusted) == 1
    assert np.array_equal(adjusted[1:], sims[1:])  # the others keep their scores
    assert hubness.correct(sims, scores, None) is sims  # too few pictures for statistics: unchanged


def test_near_duplicates_collapse_into_their_best() -> None:
    base = l2_normalize(np.array([[1.0, 0, 0], [0, 1.0, 0]]))
    burst = l2_normalize(base[0] + np.array([0, 0.05, 0.05]))
    vecs = np.vstack([base[0], base[1], burst])
    groups = collapse_near_duplicates(np.arange(3), vecs)
    assert groups == [[0, 2], [1]]


def test_mmr_trades_relevance_for_variety() -> None:
    vecs = l2_normalize(np.array([[1.0, 0], [0.99, 0.01], [0, 1.0]]))
    sims = np.array([0.9, 0.89, 0.5])
    assert list(mmr(sims, vecs, 2, 0.0)) == [0, 1]
    assert list(mmr(sims, vecs, 2, 0.5)) == [0, 2]


def test_suggestions_name_each_cluster() -> None:
    terms = ["red", "blue", "green"]
    term_vecs = np.eye(3)
    rng = np.random.default_rng(1)
    top = l2_normalize(np.vstack([np.eye(3)[i] + 0.05 * rng.standard_normal(3) for i in (0, 0, 0, 1, 1, 1, 2, 2, 2)]))
    out = suggest("circle", top, terms, term_vecs, clusters=3)
    assert sorted(s.label for s in out) == sorted(terms)
    assert all(s.query == f"circle {s.label}" and s.size == 3 for s in out)
    assert [s.label for s in suggest("red circle", top, terms, term_vecs, clusters=3)].count("red") == 0


def test_pseudo_caption_blend_moves_an_image_query_towards_its_words() -> None:
    from photolens.core.query.search import blend_pseudo_caption

    rng = np.random.default_rng(0)
    terms = rng.standard_normal((50, 16)).astype(np.float32)
    terms /= np.linalg.norm(terms, axis=1, keepdims=True)
    q = terms[7] + 0.15 * rng.standard_normal(16).astype(np.float32)
    q /= np.linalg.norm(q)
    moved = blend_pseudo_caption(q, terms, 0.5)
    assert abs(float(np.linalg.norm(moved)) - 1.0) < 1e-5
    assert float(terms[7] @ moved) > float(terms[7] @ q)  # closer to its nearest term
    assert np.allclose(blend_pseudo_caption(q, terms, 0.0), q, atol=1e-6)
