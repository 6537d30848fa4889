"""The split between decode workers and image-tower lanes (core/pipeline_balance.py), and
indexing in lanes giving the same vectors as one batch at a time."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
import pytest

from photolens.core import indexer as indexer_module
from photolens.core.library import Library
from photolens.core.media.hashing import content_hash
from photolens.core.pipeline_balance import CostMeter, Split, cpu_bound_rate, plan_split
from tests.helpers import make_image


# -- the policy ------------------------------------------------------------------------------------
def test_a_slow_model_gets_a_second_lane_on_two_cores() -> None:
    # fp32 ViT-B-32 at 256 px (~100 core-ms) beside a 12-MP JPEG decode (~32 ms): 1.5 cores' worth
    assert plan_split(32.0, 100.0, 2) == Split(decoders=1, lanes=2)


def test_a_fast_model_runs_one_lane_beside_the_decoders() -> None:
    # int8 ViT-B-32 at 224 px (~29 core-ms): about one core each
    assert plan_split(32.0, 29.0, 2) == Split(decoders=1, lanes=1)
    # decoding dominates (big files, tiny model): every core but the model's decodes
    assert plan_split(90.0, 10.0, 4) == Split(decoders=4, lanes=1)
    assert plan_split(60.0, 20.0, 8) == Split(decoders=6, lanes=2)


def test_lanes_never_exceed_the_cores_a_session_can_use() -> None:
    assert plan_split(1.0, 1000.0, 2) == Split(decoders=1, lanes=2)
    assert plan_split(1.0, 1000.0, 16, lane_threads=4) == Split(decoders=1, lanes=4)
    assert plan_split(10.0, 30.0, 16, lane_threads=12) == Split(decoders=4, lanes=1)  # 12 cores: 1 lane
    assert plan_split(50.0, 50.0, 8, max_decoders=2).decoders == 2


def test_a_share_just_above_a_whole_core_does_not_earn_a_lane() -> None:
    # 1.05 cores of model: a second lane would only contend
    assert plan_split(95.0, 105.0, 2).lanes == 1
    assert plan_split(70.0, 130.0, 2).lanes == 2  # 1.3 cores


@pytest.mark.parametrize("decode_ms, model_ms", [(0.0, 0.0), (math.nan, 5.0), (-1.0, 3.0), (math.inf, 1.0)])
def test_unknown_costs_give_one_lane(decode_ms: float, model_ms: float) -> None:
    split = plan_split(decode_ms, model_ms, 4)
    assert split.lanes == 1 and split.decoders == 3


def test_one_core() -> None:
    assert plan_split(30.0, 100.0, 1) == Split(decoders=1, lanes=1)


def test_cpu_bound_rate() -> None:
    assert cpu_bound_rate(32.0, 100.0, 2) == pytest.approx(2000 / 132)
    assert cpu_bound_rate(0.0, 0.0, 2) == math.inf


def test_cost_meter_window() -> None:
    meter = CostMeter()
    for _ in range(4):
        meter.add_decode(30.0)
    meter.add_model(400.0, 4)
    assert meter.ready(4) and not meter.ready(5)
    assert meter.costs() == (30.0, 100.0)
    meter.reset()
    assert meter.costs() == (0.0, 0.0) and not meter.ready(1)


# -- indexing in lanes -------------------------------------------------------------------------------
def _vectors_by_file(library: Library, folder: Path) -> dict[str, np.ndarray]:
    catalog, model_id = library.catalog, library.session.model_id
    out = {}
    for path in sorted(folder.glob("*.jpg")):
        item = catalog.item_for_hash(content_hash(path), model_id)
        assert item is not None, path
        out[path.name] = catalog.vectors([item], model_id)[item]
    return out


def test_indexing_in_two_lanes_gives_the_same_vectors(tmp_path: Path, tiny_model_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "photos"
    for i in range(40):
        make_image(folder / f"p{i:02d}.jpg", (20 + 5 * i, 200 - 4 * i, 90), size=(80 + i, 64), seed=i,
                   shape="circle" if i % 2 else "square")

    def index(name: str) -> tuple[Library, dict[str, np.ndarray]]:
        library = Library.open(tmp_path / name, model_path=tiny_model_dir, models_dir=tmp_path / "models")
        library.apply_settings(library.settings.with_changes(batch_size=2, decode_workers=2))
        library.add_folder(folder)
        report = library.index()
        assert report.embedded == 40 and report.errors == 0
        return library, _vectors_by_file(library, folder)

    one, by_one = index("one")  # the tiny model is cheap: one lane
    one.close()

    side_by_side, busy, lock = [0], [0], threading.Lock()
    plans: list[tuple[float, float]] = []

    def two_lanes(decode_ms: float, model_ms: float, cores: int, **kw: object) -> Split:
        plans.append((decode_ms, model_ms))
        return Split(decoders=2, lanes=2)

    monkeypatch.setattr(indexer_module, "plan_split", two_lanes)
    library = Library.open(tmp_path / "two", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    library.apply_settings(library.settings.with_changes(batch_size=2, decode_workers=2))
    embedder = library.session.embedder
    embed = embedder.embed_pixels

    def counted(pixels: np.ndarray) -> np.ndarray:
        with lock:
            busy[0] += 1
            side_by_side[0] = max(side_by_side[0], busy[0])
        try:
            threading.Event().wait(0.02)  # long enough for the next batch to start beside it
            return embed(pixels)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(embedder, "embed_pixels", counted)
    library.add_folder(folder)
    report = library.index()
    assert report.embedded == 40 and report.errors == 0
    by_two = _vectors_by_file(library, folder)
    library.close()

    assert plans and all(d > 0 and m > 0 for d, m in plans)  # both stages were measured
    assert side_by_side[0] == 2  # two batches did run at once
    assert by_two.keys() == by_one.keys()
    for name, vec in by_one.items():
        np.testing.assert_allclose(by_two[name], vec, atol=1e-6, err_msg=name)


def test_more_decoders_when_the_plan_wants_them(tmp_path: Path, tiny_model_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast model waiting for decodes: the pool grows (decode_workers auto), nothing is lost."""
    folder = tmp_path / "photos"
    for i in range(40):
        make_image(folder / f"p{i:02d}.jpg", (20 + 5 * i, 200 - 4 * i, 90), size=(80 + i, 64), seed=i)
    ref = Library.open(tmp_path / "ref", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    ref.apply_settings(ref.settings.with_changes(batch_size=2, decode_workers=1))
    ref.add_folder(folder)
    assert ref.index().embedded == 40
    expected = _vectors_by_file(ref, folder)
    ref.close()

    sizes: list[int | None] = []
    new_pool = indexer_module.Indexer._new_pool

    def spy(self: indexer_module.Indexer, workers: int | None = None):  # noqa: ANN202
        sizes.append(workers or self.decode_workers)
        return new_pool(self, workers)

    monkeypatch.setattr(indexer_module.Indexer, "_new_pool", spy)
    monkeypatch.setattr(indexer_module, "plan_split", lambda *a, **k: Split(decoders=3, lanes=1))
    library = Library.open(tmp_path / "grown", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    library.apply_settings(library.settings.with_changes(batch_size=2, decode_workers=0))
    library.add_folder(folder)
    report = library.index()
    got = _vectors_by_file(library, folder)
    library.close()
    assert report.embedded == 40 and report.errors == 0
    assert 3 in sizes  # the decode pool grew
    for name, vec in expected.items():
        np.testing.assert_allclose(got[name], vec, atol=1e-6, err_msg=name)


def test_a_set_decoder_count_is_kept(tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int | None] = []
    new_pool = indexer_module.Indexer._new_pool

    def spy(self: indexer_module.Indexer, workers: int | None = None):  # noqa: ANN202
        sizes.append(workers)
        return new_pool(self, workers)

    monkeypatch.setattr(indexer_module.Indexer, "_new_pool", spy)
    asked: list[object] = []

    def plan(*a: object, **k: object) -> Split:
        asked.append(k.get("max_decoders"))
        return Split(decoders=min(3, int(k["max_decoders"])), lanes=1)  # type: ignore[call-overload]

    monkeypatch.setattr(indexer_module, "plan_split", plan)
    folder = tmp_path / "photos"
    for i in range(24):
        make_image(folder / f"p{i:02d}.jpg", (10 * i, 90, 200 - 5 * i), seed=i)
    library = Library.open(tmp_path / "set", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    library.apply_settings(library.settings.with_changes(batch_size=2, decode_workers=1))
    library.add_folder(folder)
    assert library.index().embedded == 24
    library.close()
    assert asked and set(asked) == {1}
    assert 3 not in sizes and 2 not in sizes
