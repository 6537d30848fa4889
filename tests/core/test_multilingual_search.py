"""A multilingual model searches end to end in German, French, Japanese and Arabic.

Plumbing, not quality: xlm-roberta-base-ViT-B-32's weights cannot be downloaded here, so an
open_clip CLIP with an XLM-RoBERTa text tower (the same architecture, tiny and random) is
built on an XLM-R-style tokenizer trained in the test (tests/core/test_tokenizer_multilingual.py),
exported with `export_model`, and a library is indexed and searched with it. The queries'
vectors must be open_clip's own (torch) and the ranking the one those vectors give.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from photolens.core.embed.export import export_model
from photolens.core.embed.model_files import ModelFolder
from photolens.core.embed.onnx_backend import OnnxEmbedder
from photolens.core.library import Library
from photolens.core.query.model import SearchQuery
from tests.core.test_tokenizer_multilingual import _build_folder
from tests.helpers import make_image

open_clip = pytest.importorskip("open_clip")
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

QUERIES = {  # words the test tokenizer was trained on (its vocabulary is 600 pieces)
    "de": "Ein Hund läuft am Strand",
    "fr": "café crème brûlée à Paris",
    "ja": "ビーチを走る犬, うみのうえのゆうひ",
    "ar": "كلب يجري على الشاطئ و غروب الشمس فوق البحر",
}
COLOURS = [(220, 30, 30), (30, 200, 40), (40, 60, 220), (230, 220, 40), (200, 60, 200), (20, 20, 20)]


def _tiny_xlmr_clip(folder: Path):  # noqa: ANN202 - an open_clip CustomTextCLIP
    """open_clip's xlm-roberta-base-ViT-B-32 layout (HF text tower, mean pooling, linear
    projection), shrunk and random; the tower's config is read from `folder` (offline)."""
    vocab = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    size = len(vocab["model"]["vocab"]) + len(vocab.get("added_tokens", []))
    (folder / "config.json").write_text(json.dumps({
        "model_type": "xlm-roberta", "architectures": ["XLMRobertaModel"], "vocab_size": size,
        "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
        "max_position_embeddings": 514, "type_vocab_size": 1, "pad_token_id": 1, "bos_token_id": 0,
        "eos_token_id": 2, "layer_norm_eps": 1e-5,
    }), encoding="utf-8")
    torch.manual_seed(0)
    model = open_clip.CustomTextCLIP(
        embed_dim=32,
        vision_cfg={"image_size": 32, "layers": 2, "width": 32, "head_width": 16, "patch_size": 8},
        text_cfg={"hf_model_name": str(folder), "hf_tokenizer_name": str(folder), "hf_model_pretrained": False,
                  "hf_proj_type": "linear", "hf_pooler_type": "mean_pooler", "context_length": 77},
    )
    return model.eval()


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object, Path]:
    tok_dir = _build_folder(tmp_path_factory.mktemp("xlmr-tok"), "XLMRobertaTokenizerFast", nfkc=False)
    model = _tiny_xlmr_clip(tok_dir)
    tok = open_clip.tokenizer.HFTokenizer(str(tok_dir), context_length=77, clean="whitespace")
    out = tmp_path_factory.mktemp("models") / "xlm-roberta-base-ViT-B-32"
    report = export_model(model, out, name="xlm-roberta-base-ViT-B-32", tokenizer=tok, quantize_textual=False)
    assert report.verified
    return model, tok, out


def test_the_export_keeps_xlm_roberta_ids_and_cleaning(multilingual: tuple[object, object, Path]) -> None:
    _, tok, folder = multilingual
    config = ModelFolder.load(folder).config
    assert (config.sot_token_id, config.eot_token_id, config.pad_token_id, config.text_clean) == (0, 2, 1, "whitespace")
    ours = OnnxEmbedder(ModelFolder.load(folder), threads=1).tokenizer
    texts = list(QUERIES.values())
    assert np.array_equal(ours(texts), tok(texts).numpy())  # type: ignore[operator]
    assert all((row != 3).all() for row in ours(texts))  # no <unk>: every script is in the vocabulary


def test_queries_in_four_languages_search_end_to_end(tmp_path: Path,
                                                     multilingual: tuple[object, object, Path]) -> None:
    model, tok, folder = multilingual
    photos = tmp_path / "photos"
    for i in range(12):
        make_image(photos / f"p{i:02d}.png", COLOURS[i % len(COLOURS)], size=(60 + 3 * i, 56), seed=i,
                   shape="circle" if i % 2 else "square")
    with Library.open(tmp_path / "data", model_path=folder, models_dir=tmp_path / "models") as lib:
        lib.add_folder(photos)
        assert lib.index().embedded == 12
        ids = sorted(int(k) for k in lib.vectors.keys())
        images = np.stack([lib.vectors.vectors(np.array([k], dtype=np.uint64))[0] for k in ids])
        images /= np.linalg.norm(images, axis=1, keepdims=True)
        for lang, text in QUERIES.items():
            with torch.no_grad():
                ref = model.encode_text(tok([text]), normalize=True).numpy()[0]  # type: ignore[attr-defined,operator]
            got = lib.embedder.embed_texts([text])[0]
            assert float(np.abs(ref - got).max()) < 1e-4, lang  # open_clip's own query vector
            res = lib.search(SearchQuery(text=text, limit=50, plan=False, collapse_duplicates=False))
            assert len(res.hits) == 12, lang  # every picture findable, weak ones included
            paths = {h.item_id: h.path for h in res.hits}
            expected = [paths[ids[i]] for i in np.argsort(-(images @ ref))]
            assert [h.path for h in res.hits][:3] == expected[:3], lang
        assert len({lib.embedder.embed_texts([t])[0].tobytes() for t in QUERIES.values()}) == 4


def test_a_tokenizer_that_strips_separators_is_refused_clearly(tmp_path: Path,
                                                               multilingual: tuple[object, object, Path]) -> None:
    from photolens.core.errors import ExportError

    model, tok, _ = multilingual
    odd = open_clip.tokenizer.HFTokenizer(tok.tokenizer.name_or_path, strip_sep_token=True)  # type: ignore[attr-defined]
    with pytest.raises(ExportError, match="strips separators"):
        export_model(model, tmp_path / "out", name="odd", tokenizer=odd)
    assert not (tmp_path / "out").exists()  # nothing half-written
