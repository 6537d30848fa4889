"""The text cleaning's fast path (no ftfy for printable ASCII without '&') gives what
open_clip's own cleaning gives: ftfy, then HTML unescaped twice."""

from __future__ import annotations

import html
import random
import string

import ftfy
import pytest

from photolens.core.embed.tokenizer import _needs_ftfy, clean_text


def reference(text: str) -> str:
    return html.unescape(html.unescape(ftfy.fix_text(text))).strip()


TYPED = [
    "kids on the beach at sunset", "grandma's birthday cake, candles", "  two   spaces  ", "it's \"quoted\"",
    "<b>bold</b> 50% off!", "C:\\photos\\2019", "a_b-c.d/e?f=g#h", "`~!@#$%^*()[]{};:,<>|", "",
]
NOT_FAST = [
    "Tom &amp; Jerry", "fish &amp;amp; chips", "caf\u00e9 cr\u00e8me", "\u201ccurly\u201d quotes", "\ufb01sh ligature",
    "ｗｉｄｅ", "mojibake Ã©tÃ©", "line\r\nbreak", "tab\there", "bell\x07", "\x1b[31mred\x1b[0m",
    "Lisboa à noite", "東京タワー", "emoji 🎂",
]


@pytest.mark.parametrize("text", TYPED)
def test_typed_ascii_skips_ftfy_and_matches_it(text: str) -> None:
    assert not _needs_ftfy(text)
    assert clean_text(text, "whitespace") == " ".join(reference(text).split())


@pytest.mark.parametrize("text", NOT_FAST)
def test_everything_else_goes_through_ftfy(text: str) -> None:
    assert _needs_ftfy(text)
    assert clean_text(text, "whitespace") == " ".join(reference(text).split())
    assert clean_text(text, "lower") == " ".join(reference(text).split()).lower()


def test_random_printable_ascii_is_left_as_ftfy_leaves_it() -> None:
    rng = random.Random(3)
    alphabet = string.printable[:95]  # 0x20-0x7e and nothing else
    assert set(alphabet) == {chr(c) for c in range(0x20, 0x7F)}
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        if not _needs_ftfy(text):
            assert ftfy.fix_text(text) == text and html.unescape(text) == text, repr(text)
