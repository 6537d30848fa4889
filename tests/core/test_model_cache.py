"""The per-model cache (core/embed/model_cache.py): optimised graphs and vocabulary vectors
written once per model in the models folder, shared by libraries, rebuilt for a new runtime."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from photolens.core.embed import model_cache
from photolens.core.library import Library

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"


def _start(data: Path, models: Path, model: Path = ORACLE) -> tuple[np.ndarray, np.ndarray]:
    """What a library's first search and first picture need: both towers and the bank."""
    with Library.open(data, model_path=model, models_dir=models) as lib:
        emb = lib.embedder
        size = emb.config.image_size
        text = emb.embed_texts(["a red circle"])
        pixels = emb.embed_pixels(np.zeros((1, 3, size, size), np.float32))
        bank = lib.vocabulary.bank.vectors
        return np.concatenate([text, pixels]), bank


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_libraries_on_one_model_share_one_cache(tmp_path: Path) -> None:
    models = tmp_path / "models"
    first, bank = _start(tmp_path / "a", models)
    caches = list((models / model_cache.CACHE_DIR).iterdir())
    assert len(caches) == 1
    written = _files(caches[0])
    version = model_cache.ort_version()
    assert f"ort-{version}/textual.opt.onnx" in written and f"ort-{version}/visual.opt.onnx" in written
    assert any(name.startswith("vocab-bank-") for name in written)
    second, bank2 = _start(tmp_path / "b", models)
    assert _files(caches[0]) == written  # read, not written again
    assert list((models / model_cache.CACHE_DIR).iterdir()) == caches
    assert np.allclose(first, second, atol=1e-5) and np.allclose(bank, bank2, atol=1e-6)
    for data in (tmp_path / "a", tmp_path / "b"):  # nothing model-sized in a data dir
        assert not (data / "ort-cache").exists() and not list(data.rglob("*.onnx")) and not list(data.rglob("vocab-*"))


def test_another_onnx_runtime_version_rebuilds_the_graphs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models = tmp_path / "models"
    expected, _ = _start(tmp_path / "a", models)
    (cache,) = (models / model_cache.CACHE_DIR).iterdir()
    old = cache / f"ort-{model_cache.ort_version()}"
    vocab = {p.name: p.stat().st_mtime_ns for p in cache.glob("vocab-*.npy")}
    monkeypatch.setattr(model_cache, "ort_version", lambda: "9.99.0")
    again, _ = _start(tmp_path / "b", models)
    assert sorted(p.name for p in (cache / "ort-9.99.0").glob("*.opt.onnx")) == ["textual.opt.onnx", "visual.opt.onnx"]
    assert not old.exists()  # the other runtime's graphs are removed: nothing kept twice
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("vocab-*.npy")} == vocab  # text vectors kept
    assert np.allclose(again, expected, atol=1e-5)


def test_a_changed_model_file_gets_a_new_cache_and_the_old_one_goes(tmp_path: Path) -> None:
    import shutil

    model = tmp_path / "oracle"
    shutil.copytree(ORACLE, model)
    models = tmp_path / "models"
    _start(tmp_path / "a", models, model)
    (before,) = (models / model_cache.CACHE_DIR).iterdir()
    st = (model / "visual.onnx").stat()
    os.utime(model / "visual.onnx", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # re-exported
    _start(tmp_path / "a", models, model)
    (after,) = (models / model_cache.CACHE_DIR).iterdir()
    assert after != before and (after / f"ort-{model_cache.ort_version()}" / "visual.opt.onnx").is_file()


def test_an_unwritable_models_folder_means_no_cache_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # chmod would not stop root: a file where the folder would be
    expected, bank = _start(tmp_path / "a", tmp_path / "models")
    got, bank2 = _start(tmp_path / "b", blocker / "models")
    assert np.allclose(got, expected, atol=1e-5) and np.allclose(bank, bank2, atol=1e-6)
    assert not list((tmp_path / "b").rglob("*.onnx"))


def test_a_legacy_cache_in_the_data_dir_is_removed(tmp_path: Path) -> None:
    data = tmp_path / "a"
    legacy = data / "ort-cache" / "oracle_custom"
    legacy.mkdir(parents=True)
    (legacy / "visual.opt.onnx").write_bytes(b"\0" * 1000)
    (data / "cache").mkdir()
    np.save(data / "cache" / "vocab-bank-x-1-abc.npy", np.zeros((1, 4), np.float32))
    _start(data, tmp_path / "models")
    assert not (data / "ort-cache").exists() and not (data / "cache").exists()


def test_a_read_only_library_uses_the_model_cache(tmp_path: Path) -> None:
    models = tmp_path / "models"
    _start(tmp_path / "a", models)
    (cache,) = (models / model_cache.CACHE_DIR).iterdir()
    written = _files(cache)
    with Library.open(tmp_path / "a", model_path=ORACLE, models_dir=models, read_only=True) as lib:
        assert lib.read_only
        lib.vocabulary.bank  # noqa: B018 - loads from the cache
        lib.embedder.embed_texts(["x"])
    assert _files(cache) == written
