"""Words as the text index sees them: case and diacritics folded, split on non-letters,
and the one-edit neighbours that tolerate OCR misreadings."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
FUZZY_MIN_CHARS = 4  # shorter words match exactly only ("cat" -> "car" is noise, not a misreading)
FUZZY_LONG_CHARS = 9  # from this length two edits are allowed


def fold(text: str) -> str:
    """Lower case without diacritics (Café -> cafe, Münster -> munster, ß -> ss), as FTS5's
    unicode61 tokenizer with remove_diacritics 2 compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORD.findall(fold(text))


def max_edits(word: str) -> int:
    """How many edits a query word may be away from a word in a picture and still match."""
    if len(word) < FUZZY_MIN_CHARS or word.isdigit():
        return 0
    return 2 if len(word) >= FUZZY_LONG_CHARS else 1


def within_edits(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most `limit` (banded; stops early)."""
    if abs(len(a) - len(b)) > limit:
        return False
    if a == b:
        return True
    if limit == 0:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit

