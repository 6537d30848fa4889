"""The runtime's tokenizer and preprocessing match open_clip exactly (no torch at runtime)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photolens.core.embed.model_files import ModelConfig
from photolens.core.embed.preprocess import preprocess
from photolens.core.embed.tokenizer import ClipTokenizer, write_tokenizer_json

open_clip = pytest.importorskip("open_clip")
torch = pytest.importorskip("torch")

FIXED = [
    "a dog on the beach", "Grandma's birthday cake, candles!!", "Ünïcödé 日本語 テスト 😀 emoji",
    "“quoted” &amp; html &lt;b&gt;", "  many   spaces\t\nnewline ", "I'll we've they're don't CAN'T",
    "123 4567 3.14", "İstanbul ŞİŞLİ ß straße", "", "café naïve résumé", "Ｆｕｌｌｗｉｄｔｈ", "ﬁne ligature",
    "<start_of_text> inside <end_of_text>", "x" * 500, "a " * 100, "mojibake: cafÃ©", "tab\tand\u00a0nbsp",
    "Здравствуй мир", "مرحبا بالعالم", "עברית", "한국어 문장", "emoji 👨‍👩‍👧 family", "zero\u200bwidth",
]


def _random_strings(n: int) -> list[str]:
    rng = random.Random(1234)
    alphabet = "abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,!?'\"-_/éüß日本😀αβγ\u0301\u200b&;<>#@%"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 160))) for _ in range(n)]


@pytest.fixture(scope="module", params=["library", "word tables"])
def tokenizers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, ClipTokenizer]:
    """open_clip's tokenizer, and ours: the `tokenizers` library on our tokenizer.json, or
    the word tables the model cache keeps of it (core/embed/bpe_tables.py)."""
    ref = open_clip.tokenizer.SimpleTokenizer()
    folder = tmp_path_factory.mktemp("tok")
    path = folder / "tokenizer.json"
    merges = sorted(ref.bpe_ranks, key=ref.bpe_ranks.get)
    write_tokenizer_json(path, ref.encoder, merges, ["<start_of_text>", "<end_of_text>"])
    tables = folder / "cache" if request.param == "word tables" else None
    ours = ClipTokenizer(path, context_length=77, sot_id=ref.sot_token_id, eot_id=ref.eot_token_id, tables_dir=tables)
    if tables is not None:  # the first load writes the tables; the next one is served by them
        ours = ClipTokenizer(path, context_length=77, sot_id=ref.sot_token_id, eot_id=ref.eot_token_id,
                             tables_dir=tables)
        assert ours._words is not None
    return ref, ours


def test_token_ids_match_open_clip(tokenizers: tuple[object, ClipTokenizer]) -> None:
    ref, ours = tokenizers
    texts = FIXED + _random_strings(300)
    expected = ref(texts, context_length=77).numpy()  # type: ignore[operator]
    got = ours(texts)
    mismatched = [t for t, a, b in zip(texts, expected, got, strict=True) if not np.array_equal(a, b)]
    assert not mismatched, f"{len(mismatched)} strings tokenised differently, e.g. {mismatched[:3]!r}"


def test_over_long_text_is_truncated_like_open_clip(tokenizers: tuple[object, ClipTokenizer]) -> None:
    ref, ours = tokenizers
    row = ours(["word " * 200])[0]
    assert row[0] == ref.sot_token_id and row[-1] == ref.eot_token_id  # type: ignore[attr-defined]
    assert ours.count("word " * 200) > 77


def _reference_pixels(image: Image.Image, size: int) -> np.ndarray:
    transform = open_clip.image_transform(size, is_train=False)
    return transform(image).numpy()


@pytest.mark.parametrize(
    ("w", "h", "size"),
    [(640, 480, 224), (480, 640, 224), (224, 224, 224), (1000, 333, 224), (333, 1000, 224), (97, 61, 64), (50, 50, 64)],
)
def test_preprocessing_matches_open_clip(w: int, h: int, size: int) -> None:
    rng = np.random.default_rng(w * h)
    image = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    config = ModelConfig(name="t", dim=8, image_size=size, context_length=77)
    ours = preprocess(image, config)
    ref = _reference_pixels(image, size)
    assert ours.shape == ref.shape == (3, size, size)
    assert np.abs(ours - ref).max() < 1e-5


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    from photolens.core.media.decode import open_image

    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, 100, 100))  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image.save(tmp_path / "rot.jpg", exif=exif.tobytes())
    upright = open_image(tmp_path / "rot.jpg")
    assert upright.size == (100, 200)
    top = np.asarray(upright)[10, 50]
    assert top[2] > 150 and top[0] < 100  # blue (the old left half) is now on top
