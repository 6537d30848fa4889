"""Switching models keeps every picture findable: the previous model serves what the new one
has not embedded yet, a bad model changes nothing, and a kill -9 mid-switch loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photolens.core.config import load_settings
from photolens.core.errors import ModelFormatError
from photolens.core.library import Library
from photolens.core.progress import Controls, IndexProgress
from photolens.core.query.model import SearchQuery
from tests.conftest import ORACLE_DIR
from tests.helpers import make_image

COLOURS = [(220, 30, 30), (30, 200, 40), (40, 60, 220), (230, 220, 40), (200, 60, 200)]


def _photos(root: Path, n: int) -> Path:
    for i in range(n):
        make_image(root / f"p{i:03d}.png", COLOURS[i % len(COLOURS)], size=(64 + i % 7, 60), seed=i,
                   shape="circle" if i % 2 else "square")
    return root


def _open(data: Path, model: Path | None = None) -> Library:
    lib = Library.open(data, model_path=model, models_dir=data.parent / "models")
    changes: dict[str, object] = {"model_path": str(model)} if model else {}  # as the app's model dialog does
    lib.save_settings(lib.settings.with_changes(collapse_duplicates=False, batch_size=2, decode_workers=1, **changes))
    return lib


def _findable(lib: Library, n: int, text: str = "a red circle") -> set[str]:
    """Every path a word query returns, weak ones included (a long enough list: all)."""
    res = lib.search(SearchQuery(text=text, limit=n + 10, collapse_duplicates=False))
    paths = [h.path for h in res.hits]
    assert len(paths) == len(set(paths)), "a picture listed twice"
    return set(paths)


def _cancel_after_batches(controls: Controls, batches: int):  # noqa: ANN202 - a progress callback
    seen = {"n": 0}

    def progress(p: IndexProgress) -> None:
        if p.phase == "reembed" and p.done:
            seen["n"] += 1
            if seen["n"] >= batches:
                controls.cancel.set()
    return progress


def test_a_switch_keeps_every_picture_findable_and_then_drops_the_old_vectors(
        tmp_path: Path, tiny_model_dir: Path) -> None:
    # 24 pictures: a run stopped after 2 batches of 2 still finishes what it has read and
    # embedded by then (a few batches ahead, more under load), which once was all of 12
    n = 24
    photos, data = _photos(tmp_path / "photos", n), tmp_path / "data"
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        every = {str(p) for p in photos.iterdir()}
        old_id = lib.model_id
        assert _findable(lib, n) == every
        lib.use_model(path=ORACLE_DIR)
        status = lib.status()
        assert status.switch is not None and (status.switch.done, status.switch.total) == (0, n)
        assert _findable(lib, n) == every  # nothing embedded by the new model yet: the old one serves
        controls = Controls.new()
        lib.index(_cancel_after_batches(controls, 2), controls)
        switch = lib.switch_status()
        assert switch is not None and 0 < switch.done < n
        assert _findable(lib, n) == every  # part new, part old: one list, each picture once
        assert {m.model_id for m in lib.models_disk_use()} == {old_id, lib.model_id}
        report = lib.index()
        assert report.embedded == n - switch.done  # resumed, nothing embedded twice
        assert lib.switch_status() is None
        assert _findable(lib, n) == every
        assert [m.model_id for m in lib.models_disk_use()] == [lib.model_id]  # the old vectors went
        assert not list(data.glob(f"vectors-{old_id.split('/')[0]}*"))
        assert load_settings(data).previous_model is None


def test_kept_vectors_make_switching_back_instant(tmp_path: Path, tiny_model_dir: Path) -> None:
    photos, data = _photos(tmp_path / "photos", 6), tmp_path / "data"
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        lib.use_model(path=ORACLE_DIR, keep_previous=True)
        assert lib.index().embedded == 6
        assert len(lib.models_disk_use()) == 2  # kept
        lib.use_model(path=tiny_model_dir)
        assert lib.index().embedded == 0  # its vectors are all there
        assert lib.switch_status() is None
        assert _findable(lib, 6) == {str(p) for p in photos.iterdir()}


def test_a_broken_model_is_refused_and_the_old_one_keeps_serving(tmp_path: Path, tiny_model_dir: Path) -> None:
    photos, data = _photos(tmp_path / "photos", 6), tmp_path / "data"
    missing = shutil.copytree(ORACLE_DIR, tmp_path / "missing")
    (missing / "textual.onnx").unlink()
    wrong_dim = shutil.copytree(ORACLE_DIR, tmp_path / "wrong-dim")
    config = json.loads((wrong_dim / "config.json").read_text())
    (wrong_dim / "config.json").write_text(json.dumps({**config, "dim": 48}))
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        before = lib.settings
        with pytest.raises(ModelFormatError, match="textual.onnx"):
            lib.use_model(path=missing)
        with pytest.raises(ModelFormatError, match="48"):
            lib.use_model(path=wrong_dim)
        assert lib.settings == before and load_settings(data).model_path == before.model_path
        assert _findable(lib, 6) == {str(p) for p in photos.iterdir()}


def test_a_new_model_that_breaks_mid_switch_leaves_search_to_the_old_one(
        tmp_path: Path, tiny_model_dir: Path) -> None:
    photos, data = _photos(tmp_path / "photos", 6), tmp_path / "data"
    new_model = shutil.copytree(ORACLE_DIR, tmp_path / "oracle")
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        lib.use_model(path=new_model)
    (new_model / "textual.onnx").write_bytes(b"not a graph")  # damaged after it was chosen
    with _open(data) as lib:
        assert _findable(lib, 6) == {str(p) for p in photos.iterdir()}


def _new_vectors(data: Path, model_id: str) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'catalog.db'}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()[0])
    except sqlite3.Error:
        return 0


def test_kill_9_while_re_embedding_loses_nothing(tmp_path: Path, tiny_model_dir: Path) -> None:
    n = 40
    photos, data = _photos(tmp_path / "photos", n), tmp_path / "data"
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        lib.use_model(path=ORACLE_DIR)
        new_id = lib.session.known_model_id()
    cmd = [sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), "index"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and _new_vectors(data, new_id) == 0:
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    every = {str(p) for p in photos.iterdir()}
    with _open(data) as lib:
        done = _new_vectors(data, new_id)
        assert 0 < done < n
        assert _findable(lib, n) == every  # mid-switch after a crash: each picture once
        assert lib.index().embedded == n - done  # resumes where it was
        assert lib.switch_status() is None
        assert _findable(lib, n) == every


def test_the_command_line_switches_and_says_how_far_it_is(tmp_path: Path, tiny_model_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from photolens.core.cli import main

    photos, data = _photos(tmp_path / "photos", 4), tmp_path / "data"
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
    assert main(["--data-dir", str(data), "models", "use", "--model-path", str(tmp_path / "nowhere")]) != 0
    assert "nowhere" in capsys.readouterr().err
    assert main(["--data-dir", str(data), "models", "use", "--model-path", str(ORACLE_DIR)]) == 0
    out = capsys.readouterr().out
    assert "4 of 4 files are embedded again" in out and "every picture stays findable" in out
    assert main(["--data-dir", str(data), "status"]) == 0
    assert "switch:  0 of 4 files embedded" in capsys.readouterr().out
    assert main(["--data-dir", str(data), "index"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["switch"] is None and [m["vectors"] for m in status["models"]] == [4]


def test_searches_while_the_new_model_embeds_always_find_everything(tmp_path: Path, tiny_model_dir: Path) -> None:
    import threading

    n = 30
    photos, data = _photos(tmp_path / "photos", n), tmp_path / "data"
    with _open(data, tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
        every = {str(p) for p in photos.iterdir()}
        lib.use_model(path=ORACLE_DIR)
        lib.search("warm up")  # both models loaded before the race starts
        run = threading.Thread(target=lib.index)
        run.start()
        searched = 0
        while run.is_alive():
            assert _findable(lib, n) == every
            searched += 1
        run.join()
        assert searched > 1 and lib.switch_status() is None
        assert _findable(lib, n) == every
