"""The optimised-graph cache of ONNX Runtime: a damaged one is thrown away, never trusted;
the weights are kept beside the graph (external data), and an older inline graph is
written anew in that form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from photolens.core.embed.model_files import ModelFolder
from photolens.core.embed.onnx_backend import OnnxEmbedder

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"


def _embed(cache: Path) -> np.ndarray:
    emb = OnnxEmbedder(ModelFolder.load(ORACLE), device="cpu", cache_dir=cache)
    texts = emb.embed_texts(["a red circle"])
    pixels = emb.embed_pixels(np.zeros((2, 3, emb.config.image_size, emb.config.image_size), np.float32))
    return np.concatenate([texts, pixels])


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_cache_is_rebuilt_and_search_works(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "ort-cache"
    expected = _embed(cache)
    files = sorted(cache.glob("*.opt.onnx"))
    assert [f.name for f in files] == ["textual.opt.onnx", "visual.opt.onnx"]
    weights = sorted(cache.glob("*.opt.data"))
    assert [f.name for f in weights] == ["textual.opt.data", "visual.opt.data"]
    assert all(f.stat().st_size > f.with_suffix(".onnx").stat().st_size for f in weights)  # the weights are there
    assert sorted(p.name for p in cache.iterdir()) == sorted(f.name for f in files + weights)  # no staging left
    for f in files:
        data = f.read_bytes()
        f.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"\x00junk" * 100, "empty": b""}[damage])
    again = _embed(cache)  # "Required inputs (['image']) are missing" before
    assert np.allclose(again, expected, atol=1e-4)
    for f in files:  # rebuilt whole
        assert f.stat().st_size > 1000
    assert np.allclose(_embed(cache), expected, atol=1e-4)  # and the rebuilt cache loads


@pytest.mark.parametrize("damage", ["truncated", "missing"])
def test_damaged_weights_are_rebuilt(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "ort-cache"
    expected = _embed(cache)
    for f in cache.glob("*.opt.data"):
        if damage == "missing":
            f.unlink()
        else:
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    assert np.allclose(_embed(cache), expected, atol=1e-4)
    assert all(f.stat().st_size > 1000 for f in cache.glob("*.opt.data"))
    assert np.allclose(_embed(cache), expected, atol=1e-4)


def test_an_inline_graph_of_an_older_version_is_replaced(tmp_path: Path) -> None:
    """Caches written before kept the weights inside the graph: they still would load, but
    are written once more with the weights beside, as new ones are."""
    import onnxruntime as ort

    cache = tmp_path / "ort-cache"
    cache.mkdir()
    for name in ("textual", "visual"):  # as the older code wrote them
        opts = ort.SessionOptions()
        opts.optimized_model_filepath = str(cache / f"{name}.opt.onnx")
        ort.InferenceSession(str(ORACLE / f"{name}.onnx"), opts, providers=["CPUExecutionProvider"])
    assert not list(cache.glob("*.opt.data"))
    expected = _embed(tmp_path / "fresh")
    assert np.allclose(_embed(cache), expected, atol=1e-4)
    assert sorted(f.name for f in cache.glob("*.opt.data")) == ["textual.opt.data", "visual.opt.data"]


def test_an_unwritable_cache_still_loads(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert _embed(blocker / "ort-cache").shape[0] == 3


def test_a_staging_folder_left_by_a_kill_is_swept(tmp_path: Path) -> None:
    """A process killed while saving a graph leaves its staging folder (~100 MB for a real
    model); the next save removes it once it is old, and leaves a young one alone (another
    process may be saving right now)."""
    import os

    cache = tmp_path / "ort-cache"
    old, young = cache / ".staging-visual-999999-1", cache / ".staging-textual-999998-1"
    for folder in (old, young):
        folder.mkdir(parents=True)
        (folder / "visual.opt.data").write_bytes(b"\0" * 1000)
    os.utime(old, (1, 1))
    _embed(cache)
    assert not old.exists() and young.is_dir()
