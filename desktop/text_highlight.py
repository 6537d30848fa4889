"""The text read in a picture as rich text, the words a query matched highlighted."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from photolens.core.ocr.words import fold

_WORD = re.compile(r"\w+", re.UNICODE)
MARK_STYLE = "background-color: #ffe066; color: #000000; font-weight: bold;"


def highlight_html(text: str, matches: Iterable[str]) -> str:
    """HTML of `text` (escaped, lines kept) with each word whose folded form is one of the
    folded `matches` marked: "Café" is marked for the match "cafe"."""
    wanted = {m for m in matches if m}
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        word = m.group(0)
        if fold(word) in wanted:
            out.append(f'<span style="{MARK_STYLE}">{html.escape(word)}</span>')
        else:
            out.append(html.escape(word))
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def marked_words(text: str, matches: Iterable[str]) -> list[str]:
    """The words of `text` that highlight_html marks (for tests and tooltips)."""
    wanted = set(matches)
    return [w for w in _WORD.findall(text) if fold(w) in wanted]
