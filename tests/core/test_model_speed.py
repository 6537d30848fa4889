"""Each model's speed on this machine, and the time a model switch has left.

An index run long enough to say records the model's end-to-end rate in the models dir; a run
that re-embeds for a switch leaves a live note of its rate, so `photolens status`, asked from
another process, says the time left; with no run going the figure measured here estimates it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photolens.core import model_speed
from photolens.core.cli import switch_time_left
from photolens.core.library import Library
from photolens.core.progress import IndexProgress
from photolens.core.switch import PROGRESS_FILE, SwitchStatus, read_note
from tests.conftest import ORACLE_DIR
from tests.core.test_model_switch import _open, _photos


def test_a_speed_is_kept_per_model_and_kind_and_bad_files_count_as_none(tmp_path: Path) -> None:
    models = tmp_path / "models"
    assert model_speed.best_speed(models, "m/a") is None
    model_speed.record_speed(models, "m/a", 12.5, "model")
    assert model_speed.best_speed(models, "m/a").text() == "12.5 img/s (model alone)"
    model_speed.record_speed(models, "m/a", 7.25, "indexing")
    model_speed.record_speed(models, "m/b", 3.0, "indexing")
    speeds = model_speed.known_speeds(models, "m/a")
    assert (speeds["model"].img_s, speeds["indexing"].img_s) == (12.5, 7.25)
    assert model_speed.best_speed(models, "m/a").how == "indexing"  # end to end is what a switch takes
    assert speeds["indexing"].cores == (os.cpu_count() or 1)
    with pytest.raises(ValueError):
        model_speed.record_speed(models, "m/a", 1.0, "guess")
    assert model_speed.record_speed(models, "m/a", 0.0, "model") is None  # nothing measured: nothing kept
    (models / model_speed.SPEEDS_FILE).write_text("{not json", encoding="utf-8")
    assert model_speed.best_speed(models, "m/a") is None
    model_speed.record_speed(models, "m/a", 2.0, "model")  # and it is written anew
    assert model_speed.best_speed(models, "m/a").img_s == 2.0


def test_an_unwritable_models_dir_keeps_no_figure_and_raises_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    assert model_speed.record_speed(blocked, "m/a", 5.0, "model") is None
    assert model_speed.best_speed(blocked, "m/a") is None


def test_measuring_a_model_times_its_image_tower(tmp_path: Path) -> None:
    from photolens.core.embed.model_files import ModelFolder

    img_s, kept = model_speed.measure_folder(tmp_path / "models", ModelFolder.load(ORACLE_DIR))
    assert img_s > 0 and kept is not None and kept.how == "model"
    assert model_speed.best_speed(tmp_path / "models", ModelFolder.load(ORACLE_DIR).config.model_id) == kept


def test_an_index_run_records_the_models_speed_here(tmp_path: Path, tiny_model_dir: Path) -> None:
    photos, data = _photos(tmp_path / "photos", model_speed.MIN_PICTURES + 4), tmp_path / "data"
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        speed = model_speed.best_speed(lib.models_dir, lib.model_id)
        assert speed is not None and speed.how == "indexing" and speed.img_s > 0


def test_a_short_run_says_too_little_to_record(tmp_path: Path, tiny_model_dir: Path) -> None:
    photos, data = _photos(tmp_path / "photos", 6), tmp_path / "data"
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        assert model_speed.best_speed(lib.models_dir, lib.model_id) is None


def _switching(tmp_path: Path, tiny_model_dir: Path, n: int) -> Library:
    """A library of `n` photos indexed with the tiny model, switched to the oracle (open)."""
    photos, data = _photos(tmp_path / "photos", n), tmp_path / "data"
    lib = _open(data, tiny_model_dir)
    lib.add_folder(photos)
    lib.index()
    lib.use_model(path=ORACLE_DIR)
    return lib


def test_re_embedding_leaves_a_live_rate_that_status_turns_into_time_left(tmp_path: Path,
                                                                          tiny_model_dir: Path) -> None:
    data = tmp_path / "data"
    with _switching(tmp_path, tiny_model_dir, 12) as lib:
        seen: list[SwitchStatus] = []

        def progress(p: IndexProgress) -> None:
            if p.phase == "reembed" and read_note(data, lib.model_id) is not None:
                with Library.open(data, models_dir=lib.models_dir) as reader:  # as `photolens status` does
                    switch = reader.status().switch
                assert switch is not None
                seen.append(switch)

        lib.index(progress)
        assert seen, "no live note while re-embedding"
        live = seen[0]
        assert live.running and live.rate and live.rate > 0 and live.eta_s is not None
        assert live.eta_s == pytest.approx((live.total - live.done) / live.rate)
        assert "ETA" in switch_time_left(live) and "re-embedding now" in switch_time_left(live)
        assert not (data / PROGRESS_FILE).exists()  # the run ended: no stale note
        assert lib.switch_status() is None


def test_with_no_run_going_the_time_left_comes_from_the_speed_measured_here(tmp_path: Path,
                                                                             tiny_model_dir: Path) -> None:
    data = tmp_path / "data"
    with _switching(tmp_path, tiny_model_dir, 8) as lib:
        switch = lib.switch_status()
        assert switch is not None and not switch.running and switch.eta_s is None
        assert switch_time_left(switch).startswith("not re-embedding now")
        model_speed.record_speed(lib.models_dir, lib.model_id, 4.0, "indexing")
        # a note a killed run left long ago is no live rate
        (data / PROGRESS_FILE).write_text(json.dumps(
            {"model_id": lib.model_id, "done": 1, "total": 8, "rate": 99.0, "at": time.time() - 3600}))
        switch = lib.switch_status()
        assert switch is not None and not switch.running and switch.rate == 4.0
        assert switch.eta_s == pytest.approx(8 / 4.0)
        assert "about 2 s at 4.0 img/s (measured here)" in switch_time_left(switch)
        (data / PROGRESS_FILE).write_text("garbage")
        assert lib.switch_status().rate == 4.0


def test_cli_status_prints_the_switch_time_left_and_models_speed_measures(tmp_path: Path,
                                                                         tiny_model_dir: Path) -> None:
    data = tmp_path / "data"
    _switching(tmp_path, tiny_model_dir, 4).close()
    env = {**os.environ, "PHOTOLENS_MODELS_DIR": str(tmp_path / "models")}
    cli = [sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data)]
    out = subprocess.run([*cli, "status"], env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "switch:  0 of 4 files" in out and "not re-embedding now" in out
    out = subprocess.run([*cli, "models", "speed", "--model-path", str(ORACLE_DIR)], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert "img/s, image model alone on this machine" in out
    out = subprocess.run([*cli, "status", "--json"], env=env, capture_output=True, text=True, timeout=120,
                         check=True).stdout
    switch = json.loads(out)["switch"]
    assert switch["rate"] > 0 and switch["eta_s"] == pytest.approx(4 / switch["rate"]) and not switch["running"]
