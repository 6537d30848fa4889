"""Export of open_clip towers to ONNX: parity with torch, dynamic batch, the model folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photolens.core.embed.model_files import ModelFolder
from photolens.core.embed.onnx_backend import OnnxEmbedder
from photolens.core.errors import ModelFormatError
from tests.helpers import tiny_clip

torch = pytest.importorskip("torch")


def test_export_matches_torch_and_batches(tiny_model_dir: Path) -> None:
    folder = ModelFolder.load(tiny_model_dir)
    cfg = folder.config
    assert cfg.dim == 32 and cfg.image_size == 32 and cfg.context_length == 20
    model = tiny_clip().eval()
    emb = OnnxEmbedder(folder, device="cpu")
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 256, (40 + i, 50, 3), dtype=np.uint8)) for i in range(5)]
    from photolens.core.embed.preprocess import preprocess

    pixels = np.stack([preprocess(im, cfg) for im in images])
    with torch.no_grad():
        ref = model.encode_image(torch.from_numpy(pixels), normalize=True).numpy()
    got = emb.embed_images(images)  # a batch of 5 through a graph exported with batch 2
    assert got.shape == (5, 32)
    assert np.abs(got - ref).max() < 1e-4
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)

    import open_clip

    tok = open_clip.tokenizer.SimpleTokenizer()
    texts = ["a red circle", "two dogs", "ünïcode ☃", "long " * 50]
    with torch.no_grad():
        ref_t = model.encode_text(tok(texts, context_length=20), normalize=True).numpy()
    assert np.abs(emb.embed_texts(texts) - ref_t).max() < 1e-4


def test_int8_export_is_smaller_and_close(tmp_path: Path) -> None:
    from photolens.core.embed.export import export_model

    report = export_model(tiny_clip(), tmp_path / "q", name="tiny-q", quantize_visual=True, quantize_textual=True)
    assert report.verified
    assert report.config.textual_quantized and report.config.visual_quantized
    assert report.textual_min_cosine > 0.95 and report.visual_min_cosine > 0.95
    assert json.loads((tmp_path / "q" / "config.json").read_text())["name"] == "tiny-q"


def test_incomplete_model_folder_is_a_clear_error(tmp_path: Path, tiny_model_dir: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_model_dir / "config.json").read_text())
    with pytest.raises(ModelFormatError, match="missing .*visual.onnx"):
        ModelFolder.load(broken)


def test_fixed_batch_graph_is_fed_row_by_row(tmp_path: Path, tiny_model_dir: Path) -> None:
    """Published packs may have a batch fixed to 1; the embedder must still batch."""
    onnx = pytest.importorskip("onnx")
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    for name in ("config.json", "tokenizer.json", "textual.onnx"):
        (fixed / name).write_bytes((tiny_model_dir / name).read_bytes())
    graph = onnx.load(str(tiny_model_dir / "visual.onnx"))
    graph.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1
    graph.graph.output[0].type.tensor_type.shape.dim[0].dim_value = 1
    onnx.save(graph, str(fixed / "visual.onnx"))
    emb_fixed = OnnxEmbedder(ModelFolder.load(fixed), device="cpu")
    emb = OnnxEmbedder(ModelFolder.load(tiny_model_dir), device="cpu")
    images = [Image.new("RGB", (40, 40), (i * 40, 0, 0)) for i in range(3)]
    np.testing.assert_allclose(emb_fixed.embed_images(images), emb.embed_images(images), atol=1e-5)
