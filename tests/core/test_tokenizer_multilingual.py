"""XLM-RoBERTa-style (SentencePiece Unigram) tokenizers: our torch-free path gives open_clip's ids.

The real xlm-roberta-base tokenizer cannot be downloaded here, so a small Unigram model with
XLM-R's layout (<s>=0, <pad>=1, </s>=2, <unk>=3, WhitespaceSplit + Metaspace, NFKC + space collapsing
in place of XLM-R's precompiled charsmap, a "<s> $A </s>" post-processor) is trained in the test
and saved as a Hugging Face folder; open_clip's HFTokenizer reads it through transformers, ours
reads the bare tokenizer.json. Two folders: one loaded verbatim (PreTrainedTokenizerFast, as
transformers 4 loaded XLMRobertaTokenizerFast) with the NFKC normalizer, one as
XLMRobertaTokenizerFast, which transformers 5 rebuilds from its class (no normalizer here).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from photolens.core.embed.registry import convert_immich_pack
from photolens.core.embed.tokenizer import ClipTokenizer, clean_text

open_clip = pytest.importorskip("open_clip")
pytest.importorskip("transformers")

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
CONTEXT = 32

SEEDS = {
    "latin": ["Ein Hund läuft am Strand", "café crème brûlée à Paris", "Łódź, Kraków i Gdańsk",
              "señora niño año mañana", "Ærøskøbing på Ærø", "İstanbul ŞİŞLİ çiçek", "straße groß Maß"],
    "greek": ["Ένας σκύλος στην παραλία", "ηλιοβασίλεμα πάνω από τη θάλασσα", "γενέθλια της γιαγιάς"],
    "cyrillic": ["Собака бежит по пляжу", "закат над морем", "день рождения бабушки", "Київ і Львів"],
    "arabic": ["كلب يجري على الشاطئ", "غروب الشمس فوق البحر", "عيد ميلاد الجدة"],
    "hebrew": ["כלב רץ על החוף", "שקיעה מעל הים", "יום ההולדת של סבתא"],
    "devanagari": ["समुद्र तट पर दौड़ता कुत्ता", "समुद्र के ऊपर सूर्यास्त", "दादी का जन्मदिन"],
    "thai": ["สุนัขวิ่งบนชายหาด", "พระอาทิตย์ตกเหนือทะเล", "วันเกิดของยาย"],
    "han": ["海滩上奔跑的狗", "海上的日落", "奶奶的生日蛋糕", "北京天安门广场"],
    "kana": ["ビーチを走る犬", "うみのうえのゆうひ", "おばあちゃんのたんじょうび", "東京タワーの夜景"],
    "hangul": ["해변을 달리는 개", "바다 위의 일몰", "할머니의 생신 케이크"],
}
ODD = [
    "", "   ", "Dog 🐕 on the beach 🏖️", "👨‍👩‍👧 family photo", "Tom &amp; Jerry &lt;3", "&amp;amp; twice",
    "tabs\tand\nnewlines\r\n here", "no\u00a0break\u2003em\u3000ideographic", "zero\u200bwidth\u200djoiner",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "ﬁne ﬂower ligatures", "e\u0301 combining vs é", "mojibake cafÃ©",
    "<s> literal specials </s> <pad>", "UPPER lower MiXeD", "2024-07-14 12:30", "Москва 北京 Paris",
    "mixed עברית and English", "العربية mixed with 日本語", "ㄱㄴㄷ jamo", "x" * 300,
    " ".join(["Собака бежит по пляжу"] * 20), "海" * 200, " ".join(["ένας"] * 60),
]


def _corpus() -> list[str]:
    lines = [s for group in SEEDS.values() for s in group]
    return [line for line in lines for _ in range(3)] + [line.lower() for line in lines] + ODD


def _sentences(n: int) -> list[str]:
    rng = random.Random(15)
    words = [w for group in SEEDS.values() for s in group for w in s.split()]
    odd_bits = ["🐕", "&amp;", "\t", "\u00a0", "  ", "É", "!", "?", "123", "ﬁ", "\u200b", "Ａ", "&lt;b&gt;"]
    out = list(ODD) + [s for group in SEEDS.values() for s in group]
    while len(out) < n:
        k = rng.randint(1, 25)
        parts = [rng.choice(words) if rng.random() < 0.85 else rng.choice(odd_bits) for _ in range(k)]
        out.append(rng.choice([" ", " ", "", "  "]).join(parts))
    return out


def _build_folder(folder: Path, tokenizer_class: str, *, nfkc: bool) -> Path:
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )

    tok = Tokenizer(models.Unigram())
    if nfkc:  # XLM-R's tokenizer.json: a precompiled (NFKC-like) charsmap, then spaces collapsed
        tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=600, special_tokens=SPECIALS, unk_token="<unk>")
    tok.train_from_iterator(_corpus(), trainer=trainer)
    assert [tok.token_to_id(s) for s in SPECIALS] == [0, 1, 2, 3]
    tok.add_special_tokens(["<mask>"])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": tokenizer_class, "bos_token": "<s>", "eos_token": "</s>",
        "sep_token": "</s>", "cls_token": "<s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "mask_token": "<mask>", "model_max_length": 512,
    }), encoding="utf-8")
    (folder / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
    }), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def xlmr_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # transformers 5 rebuilds an XLM-R tokenizer from its class: Unigram from the vocab, the
    # normalizer only from a SentencePiece precompiled charsmap (which we cannot make here, so
    # none), WhitespaceSplit + Metaspace. Our tokenizer.json must say the same to compare.
    return _build_folder(tmp_path_factory.mktemp("xlmr"), "XLMRobertaTokenizerFast", nfkc=False)


@pytest.fixture(scope="module")
def verbatim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_folder(tmp_path_factory.mktemp("verbatim"), "PreTrainedTokenizerFast", nfkc=True)


def test_sentences_cover_the_scripts_the_brief_names() -> None:
    texts = _sentences(200)
    assert len(texts) >= 200 and len(SEEDS) >= 10
    assert any(len(t) > 150 for t in texts)  # some truncate at CONTEXT


def test_xlmr_style_ids_match_open_clip_hf_tokenizer(xlmr_folder: Path) -> None:
    ref = open_clip.tokenizer.HFTokenizer(str(xlmr_folder), context_length=CONTEXT, clean="whitespace")
    ours = ClipTokenizer(xlmr_folder / "tokenizer.json", context_length=CONTEXT, sot_id=0, eot_id=2, pad_id=1,
                         clean="whitespace")
    texts = _sentences(200)
    expected = ref(texts).numpy()
    got = ours(texts)
    mismatched = [t for t, a, b in zip(texts, expected, got, strict=True) if not np.array_equal(a, b)]
    assert not mismatched, f"{len(mismatched)} of {len(texts)} differ, e.g. {mismatched[:3]!r}"
    truncated = [row for row in got if row[-1] != 1]
    assert truncated and all(row[-1] == 2 for row in truncated)  # </s> kept last, as HF does
    assert (got[:, 0] == 0).all()


def test_whitespace_cleaning_keeps_case_and_lower_does_not() -> None:
    assert clean_text("  Tom &amp;amp;  JERRY\t") == "tom & jerry"
    assert clean_text("  Tom &amp;amp;  JERRY\t", "whitespace") == "Tom & JERRY"
    assert clean_text("Tom's_dog, JERRY!", "canonicalize") == "toms dog jerry"
    with pytest.raises(ValueError):
        clean_text("x", "upper")


@pytest.mark.parametrize("text", ["Tom's_dog, JERRY!", "  A &amp;  b__c. ", "Ünï-cödé; 日本語!", ""])
@pytest.mark.parametrize("mode", ["lower", "whitespace", "canonicalize"])
def test_clean_modes_match_open_clip(mode: str, text: str) -> None:
    assert clean_text(text, mode) == open_clip.tokenizer.get_clean_fn(mode)(text)


def test_immich_xlmr_pack_gets_whitespace_cleaning_and_xlmr_ids(xlmr_folder: Path, tmp_path: Path) -> None:
    (tmp_path / "visual").mkdir()
    (tmp_path / "textual").mkdir()
    (tmp_path / "config.json").write_text(json.dumps({"embed_dim": 512, "text_cfg": {
        "hf_model_name": "xlm-roberta-base", "hf_tokenizer_name": "xlm-roberta-base", "hf_pooler_type": "mean_pooler"}}))
    (tmp_path / "visual" / "preprocess_cfg.json").write_text(json.dumps({"size": [224, 224]}))
    (tmp_path / "textual" / "tokenizer.json").write_bytes((xlmr_folder / "tokenizer.json").read_bytes())
    config = convert_immich_pack(tmp_path, "xlm-roberta-base-ViT-B-32", "laion5b_s13b_b90k")
    assert (config.sot_token_id, config.eot_token_id, config.pad_token_id) == (0, 2, 1)
    assert config.text_clean == "whitespace"
    assert config.context_length == 77


def test_verbatim_tokenizer_json_ids_match_open_clip_hf_tokenizer(verbatim_folder: Path) -> None:
    """PreTrainedTokenizerFast applies the tokenizer.json as it is (normalizer included)."""
    ref = open_clip.tokenizer.HFTokenizer(str(verbatim_folder), context_length=CONTEXT, clean="whitespace")
    ours = ClipTokenizer(verbatim_folder / "tokenizer.json", context_length=CONTEXT, sot_id=0, eot_id=2,
                         pad_id=1, clean="whitespace")
    texts = _sentences(200)
    got = ours(texts)
    mismatched = [t for t, a, b in zip(texts, ref(texts).numpy(), got, strict=True) if not np.array_equal(a, b)]
    assert not mismatched, f"{len(mismatched)} of {len(texts)} differ, e.g. {mismatched[:3]!r}"


def test_onnx_embedder_tokenizes_with_the_folders_text_clean(tmp_path: Path) -> None:
    from photolens.core.embed.model_files import ModelFolder
    from photolens.core.embed.onnx_backend import OnnxEmbedder

    source = Path(__file__).parent.parent / "fixtures" / "models" / "oracle"
    rows = {}
    for mode in ("lower", "whitespace"):
        folder = tmp_path / mode
        shutil.copytree(source, folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        config["text_clean"] = mode
        (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
        tokenizer = OnnxEmbedder(ModelFolder.load(folder), threads=1).tokenizer
        assert tokenizer.clean == mode
        rows[mode] = tokenizer(["A DOG on the Beach"])[0]
    assert not np.array_equal(rows["lower"], rows["whitespace"])  # case kept only by "whitespace"
