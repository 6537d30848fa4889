"""Hubness statistics are kept with the vectors: computed as batches are committed,
backfilled for a new query bank, dropped with their items, and used at query time."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from photolens.core.embed.export import write_query_bank
from photolens.core.embed.model_files import QUERY_BANK_FILE
from photolens.core.library import Library
from photolens.core.query import hubness
from photolens.core.query.model import SearchQuery
from tests.helpers import make_image


def _scores(lib: Library) -> dict[int, float]:
    keys = [int(k) for k in lib.vectors.keys()]
    return lib.catalog.hub_scores(keys, lib.model_id, lib.hubs.key)


def test_scores_are_stored_at_index_time_and_match_the_vectors(tmp_path: Path, tiny_model_dir: Path,
                                                                photo_dir: Path) -> None:
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        lib.index()
        keys = lib.vectors.keys()
        stored = _scores(lib)
        assert set(stored) == {int(k) for k in keys}  # every item, no backfill needed
        vecs = lib.vectors.vectors(keys)
        expected = lib.hubs.compute(vecs / np.linalg.norm(vecs, axis=1, keepdims=True))
        assert np.allclose([stored[int(k)] for k in keys], expected, atol=2e-3)  # f16 vectors in the index

        # a new picture is scored in its batch; a deleted one takes its score along
        make_image(photo_dir / "new.jpg", (10, 200, 200), seed=99)
        (photo_dir / "home" / "p01.png").unlink()
        lib.index()
        assert set(_scores(lib)) == {int(k) for k in lib.vectors.keys()}
        total = lib.catalog.conn.execute("SELECT count(*) FROM hub_scores").fetchone()[0]
        assert total == len(lib.vectors)


def test_a_new_query_bank_rescores_every_item(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    data = tmp_path / "data"
    with Library.open(data, model_path=model) as lib:
        lib.add_folder(photo_dir)
        lib.index()
        assert lib.hubs.bank.source == "generic" and not lib.hubness_by_default()
        generic_key = lib.hubs.key
    write_query_bank(model, ["a red square", "  a green   circle ", "", "a dog on the beach"])
    assert (model / QUERY_BANK_FILE).read_text().splitlines() == ["a red square", "a green circle", "a dog on the beach"]
    with Library.open(data, model_path=model) as lib:
        assert lib.hubs.bank.source == "model" and lib.hubness_by_default()
        assert lib.hubs.key != generic_key and not _scores(lib)
        report = lib.index()  # nothing to embed, but the scores are brought up to date
        assert report.embedded == 0
        assert set(_scores(lib)) == {int(k) for k in lib.vectors.keys()}


def test_a_read_only_reader_scores_candidates_itself(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        lib.index()
        keys = lib.vectors.keys()
        vecs = lib.vectors.vectors(keys)
        stored = lib.hubs.lookup(keys, vecs)
        lib.catalog.conn.execute("DELETE FROM hub_scores")
        lib.catalog.conn.commit()
        assert np.allclose(lib.hubs.lookup(keys, vecs), stored, atol=2e-3)  # f16 index vs f32 batch


def test_an_outlier_hub_drops_and_the_rest_keep_their_order(tmp_path: Path, tiny_model_dir: Path,
                                                            photo_dir: Path) -> None:
    """A picture the query bank pulls on far more than on the others loses rank for word
    queries; without outliers the ranking is the plain cosine one."""
    folder = tmp_path / "many"
    for i in range(40):
        make_image(folder / f"x{i:02d}.png", tuple(int(c) for c in np.random.default_rng(i).integers(0, 255, 3)),
                   seed=i, shape="circle" if i % 2 else "square")
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(folder)
        lib.index()
        plain = lib.search(SearchQuery(text="a red circle", limit=40, hubness=False, collapse_duplicates=False))
        on = lib.search(SearchQuery(text="a red circle", limit=40, hubness=True, collapse_duplicates=False))
        stats = lib.hubs.stats(len(lib.vectors))
        keys = lib.vectors.keys()
        scores = dict(zip((int(k) for k in keys), lib.hubs.lookup(keys, lib.vectors.vectors(keys)), strict=True))
        assert stats is not None
        flagged = {k for k, v in scores.items() if v > stats.threshold}
        assert len(flagged) <= 4  # outliers only
        before = {h.item_id: h.score for h in plain.hits}
        for hit in on.hits:
            excess = max(0.0, scores[hit.item_id] - stats.threshold)
            assert hit.score == pytest.approx(before[hit.item_id] - hubness.WEIGHT * excess, abs=1e-5)
        assert [h.item_id for h in on.hits if h.item_id not in flagged] == [
            h.item_id for h in plain.hits if h.item_id not in flagged]

        # make the top hit a hub: store an outlying score for it
        top = next(h.item_id for h in plain.hits if h.item_id not in flagged)
        lib.catalog.set_hub_scores(lib.model_id, lib.hubs.key, [top], [stats.threshold + 0.5])
        pushed = lib.search(SearchQuery(text="a red circle", limit=40, hubness=True, collapse_duplicates=False))
        assert pushed.hits[-1].item_id == top  # 2.0 below its cosine: last
        assert [h.item_id for h in pushed.hits[:-1]] == [h.item_id for h in on.hits if h.item_id != top]


def test_too_few_pictures_means_no_correction() -> None:
    assert hubness.HubStats.of(np.zeros(hubness.MIN_ITEMS - 1, np.float32), 5) is None
