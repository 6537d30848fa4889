"""Switching the model in an open library: indexing and search then use the new model only."""

from __future__ import annotations

from pathlib import Path

import pytest

from photolens.core.errors import ReadOnlyError
from photolens.core.library import Library
from photolens.core.query.model import SearchQuery

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"


def test_switching_the_model_folder_rebuilds_every_model_piece(tmp_path: Path, tiny_model_dir: Path,
                                                               photo_dir: Path) -> None:
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        assert lib.index().embedded == 12
        tiny_id = lib.model_id
        old_session = lib.session
        old_vectors = lib.vectors

        lib.save_settings(lib.settings.with_changes(model_path=str(ORACLE)))

        assert lib.session is not old_session
        oracle_id = lib.model_id
        assert oracle_id != tiny_id and lib.status().model_path == str(ORACLE)
        assert lib.embedder.model_id == lib.vectors.path.name.removeprefix("vectors-").removesuffix(
            ".usearch").replace("__", "/") == lib.hubs.model_id == oracle_id
        assert lib.vectors is not old_vectors and len(lib.vectors) == 0  # nothing embedded by it yet

        report = lib.index()  # every picture again, with the new model, none reused from the old
        assert report.embedded == 12 and report.reused == 0
        assert lib.catalog.count_embeddings(oracle_id) == 12
        assert lib.catalog.count_embeddings(tiny_id) == 12  # the old vectors are kept (switch back)
        keys = lib.vectors.keys()
        stored = lib.catalog.vectors([int(k) for k in keys], oracle_id)
        assert all(len(v) == lib.embedder.dim for v in stored.values())

        query = SearchQuery(text="a red circle", limit=3, collapse_duplicates=False, hubness=False)
        results = lib.search(query)  # searched with the new model's text tower
        text = lib.embedder.embed_texts(["a red circle"])[0]
        best = lib.vectors.search(text[None], 1)
        assert results.hits and results.hits[0].item_id == int(best[0][0])

    with Library.open(tmp_path / "data") as again:  # remembered
        assert again.model_id == oracle_id


def test_settings_that_do_not_touch_the_model_keep_the_session(tmp_path: Path, tiny_model_dir: Path) -> None:
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        session = lib.session
        lib.save_settings(lib.settings.with_changes(diversity=0.3, collapse_duplicates=False))
        assert lib.session is session
        query = lib.settings.search_preferences().apply(SearchQuery(text="x"))
        assert query.diversity == 0.3 and not query.collapse_duplicates


def test_a_read_only_library_switches_for_this_session_only(tmp_path: Path, tiny_model_dir: Path,
                                                            photo_dir: Path) -> None:
    data = tmp_path / "data"
    with Library.open(data, model_path=tiny_model_dir) as writer:
        writer.add_folder(photo_dir)
        writer.index()
        with Library.open(data, read_only=True, model_path=tiny_model_dir) as reader:
            with pytest.raises(ReadOnlyError):
                reader.save_settings(reader.settings.with_changes(model_path=str(ORACLE)))
            reader.apply_settings(reader.settings.with_changes(model_path=str(ORACLE)))
            assert reader.model_id != writer.model_id
            assert len(reader.vectors) == 0
