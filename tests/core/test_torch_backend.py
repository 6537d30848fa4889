"""The torch backend gives the same vectors as the ONNX export (so both can fill one index)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photolens.core.embed.model_files import ModelFolder
from photolens.core.embed.onnx_backend import OnnxEmbedder
from tests.helpers import tiny_clip

torch = pytest.importorskip("torch")


def test_torch_and_onnx_agree(tiny_model_dir: Path) -> None:
    from photolens.core.embed.torch_backend import TorchEmbedder, choose_device

    folder = ModelFolder.load(tiny_model_dir)
    onnx = OnnxEmbedder(folder, device="cpu")
    emb = TorchEmbedder(tiny_clip(), folder.config, device="cpu")
    assert emb.model_id == onnx.model_id and choose_device("cpu") == "cpu"
    images = [Image.new("RGB", (50 + i, 40), (i * 30, 100, 200)) for i in range(20)]
    np.testing.assert_allclose(emb.embed_images(images), onnx.embed_images(images), atol=1e-4)
    texts = ["a red circle", "a blue square on the left"]
    np.testing.assert_allclose(emb.embed_texts(texts), onnx.embed_texts(texts), atol=1e-4)
