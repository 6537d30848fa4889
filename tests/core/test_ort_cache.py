"""The optimised-graph cache of ONNX Runtime: a damaged one is thrown away, never trusted."""

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
    assert not list(cache.glob("*.tmp-*"))  # written to a temp name, renamed when complete
    for f in files:
        data = f.read_bytes()
        f.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"\x00junk" * 100, "empty": b""}[damage])
    again = _embed(cache)  # "Required inputs (['image']) are missing" before
    assert np.allclose(again, expected, atol=1e-4)
    for f in files:  # rebuilt whole
        assert f.stat().st_size > 1000
    assert np.allclose(_embed(cache), expected, atol=1e-4)  # and the rebuilt cache loads
