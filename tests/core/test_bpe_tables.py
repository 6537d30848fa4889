"""The tokenizer's word tables (core/embed/bpe_tables.py) give the ids the `tokenizers`
library gives, for any text; they are used only when they belong to the tokenizer.json at
hand, and anything they cannot do goes the library's way."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from photolens.core.embed import bpe_tables
from photolens.core.embed.tokenizer import ClipTokenizer

pytestmark = pytest.mark.smoke  # no torch: runs on every supported Python

ORACLE_TOKENIZER = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle" / "tokenizer.json"
TEXTS = [
    "kids on the beach at sunset", "Grandma's birthday cake, candles!!", "Ünïcödé 日本語 テスト 😀 emoji",
    "“quoted” &amp; html &lt;b&gt;", "  many   spaces\t\nnewline ", "I'll we've they're don't CAN'T",
    "123 4567 3.14", "İstanbul ŞİŞLİ ß straße", "", "café naïve résumé", "Ｆｕｌｌｗｉｄｔｈ", "ﬁne ligature",
    "x" * 300, "a " * 100, "mojibake: cafÃ©", "tab\tand\u00a0nbsp", "Здравствуй мир", "مرحبا بالعالم",
    "한국어 문장", "emoji 👨‍👩‍👧 family", "zero\u200bwidth", "supercalifragilisticexpialidocious",
    "antidisestablishmentarianism and floccinaucinihilipilification", "aaaaaaaaaaaaaaaa", "ababababab",
    "<start_of_text> inside <end_of_text>", "a<end_of_text>b", "WiFi password: sunflower42",
]


def _random_texts(n: int) -> list[str]:
    rng = random.Random(20261207)
    alphabet = "abcdefghijklmnopqrstuvwxyz  ABCXYZ0123456789.,!?'\"-_/éüß日本😀αβγ\u0301\u200b&;<>#@%ñø"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120))) for _ in range(400)]


@pytest.fixture
def tokenizer_file(tmp_path: Path) -> Path:
    path = tmp_path / "model" / "tokenizer.json"
    path.parent.mkdir()
    shutil.copy(ORACLE_TOKENIZER, path)
    return path


def _make(path: Path, tables: Path | None) -> ClipTokenizer:
    return ClipTokenizer(path, context_length=77, sot_id=49406, eot_id=49407, tables_dir=tables)


def test_tables_give_the_library_ids_for_any_text(tokenizer_file: Path, tmp_path: Path) -> None:
    library = _make(tokenizer_file, None)
    _make(tokenizer_file, tmp_path / "cache")  # loads the library once and writes the tables
    fast = _make(tokenizer_file, tmp_path / "cache")
    assert fast._tok is None and fast._words is not None  # served by the tables alone
    texts = TEXTS + _random_texts(400)
    assert np.array_equal(fast(texts), library(texts))
    for text in texts:
        assert fast.encode_words(text) == library.encode_words(text), text
    assert fast._tok is not None  # a text with a special token in it went the library's way


def test_a_plain_query_never_loads_the_library(tokenizer_file: Path, tmp_path: Path) -> None:
    _make(tokenizer_file, tmp_path / "cache")
    fast = _make(tokenizer_file, tmp_path / "cache")
    assert fast.count("grandma's birthday cake, candles") > 2
    assert fast._tok is None


def test_tables_of_another_or_changed_tokenizer_are_not_used(tokenizer_file: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _make(tokenizer_file, cache)
    spec = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    vocab = spec["model"]["vocab"]
    a, b = "kids</w>", "sunset</w>"
    vocab[a], vocab[b] = vocab[b], vocab[a]  # the same size, other ids
    tokenizer_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    os.utime(tokenizer_file, ns=(1, 1))
    changed = _make(tokenizer_file, cache)
    assert changed._words is None  # stale: the library serves, and writes them anew
    assert changed.encode_words("kids")[0] == vocab["kids</w>"] == _make(tokenizer_file, cache).encode_words("kids")[0]


@pytest.mark.parametrize("damage", ["truncated", "missing", "garbage-meta"])
def test_damaged_tables_fall_back_to_the_library(tokenizer_file: Path, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    _make(tokenizer_file, cache)
    expected = _make(tokenizer_file, None)(TEXTS)
    target = cache / ("bpe-pairs.npy" if damage != "garbage-meta" else bpe_tables.META_FILE)
    if damage == "truncated":
        target.write_bytes(target.read_bytes()[:1000])
    elif damage == "missing":
        target.unlink()
    else:
        target.write_text("{not json")
    assert np.array_equal(_make(tokenizer_file, cache)(TEXTS), expected)
    assert np.array_equal(_make(tokenizer_file, cache)(TEXTS), expected)  # and rewritten


def test_an_unwritable_cache_still_tokenises(tokenizer_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    tok = _make(tokenizer_file, blocker / "cache")
    assert np.array_equal(tok(TEXTS[:5]), _make(tokenizer_file, None)(TEXTS[:5]))


def test_a_tokenizer_of_another_kind_gets_no_tables(tokenizer_file: Path, tmp_path: Path) -> None:
    spec = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    spec["normalizer"] = {"type": "Lowercase"}
    tokenizer_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    _make(tokenizer_file, tmp_path / "cache")
    assert not (tmp_path / "cache" / bpe_tables.META_FILE).exists()
    assert _make(tokenizer_file, tmp_path / "cache")._words is None
