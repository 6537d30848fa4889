"""Query text syntax: words, -negatives, and filters.

    beach sunset -people after:2019 before:2021-06 in:Holidays type:image camera:canon
    person:Anna person:"Ben Smith" person:#12 place:Lisbon place:"New York"
    text:"wifi password" (pictures whose text, read by OCR, holds the phrase)

Double-quoted phrases keep their spaces ("-\"red car\"", person:"Ben Smith"); an
apostrophe is a letter ("new year's eve"). Unknown `key:value` tokens stay words. The
words left are what the query planner (core/query/planner.py) reads: it knows which of
them were quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from ..errors import QueryError
from .model import Filters

MAX_QUERY_CHARS = 4000
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m", "%Y")


def _parse_date(value: str) -> float:
    """Start of the given year/month/day (local time): after: includes it, before: excludes it."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).timestamp()
        except ValueError:
            continue
    raise QueryError(f"Cannot read the date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")


_TOKEN = re.compile(r'(?:[^\s"]*"[^"]*"[^\s"]*)+|[^\s"]+')


@dataclass(frozen=True)
class Word:
    """A word of the query as typed (a quoted phrase is one word)."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[Word, ...]
    negatives: tuple[str, ...]
    filters: Filters

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(w.text for w in self.words)).strip()


def _split(text: str) -> list[tuple[str, bool]]:
    """Tokens with their double quotes removed, and whether the token was all one quoted
    phrase. An unbalanced quote is dropped (its words stay words)."""
    if text.count('"') % 2:
        text = text.replace('"', " ")
    out = []
    for token in _TOKEN.findall(text):
        quoted = len(token) > 1 and token.startswith('"') and token.endswith('"') and token.count('"') == 2
        bare = token.replace('"', "")
        if bare.strip():
            out.append((bare, quoted))
    return out


def parse_query(text: str, base: Filters | None = None) -> tuple[str, tuple[str, ...], Filters]:
    """Split query text into (positive words, negative phrases, filters)."""
    parsed = parse_words(text, base)
    return parsed.text, parsed.negatives, parsed.filters


def parse_words(text: str, base: Filters | None = None) -> ParsedQuery:
    """The query's explicit syntax (filters, -negatives) read; the other words kept in order."""
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
    filters = base or Filters()
    words: list[Word] = []
    negatives: list[str] = []
    for token, quoted in _split(text.replace("\x00", " ")):
        key, sep, value = token.partition(":")
        k = key.lower()
        if quoted:
            words.append(Word(" ".join(token.split()), True))
        elif sep and value and k in ("after", "since", "from"):
            filters = replace(filters, after=_parse_date(value))
        elif sep and value and k in ("before", "until"):
            filters = replace(filters, before=_parse_date(value))
        elif sep and value and k in ("in", "folder"):
            filters = replace(filters, folder=value)
        elif sep and value and k == "type":
            kind = value.lower()
            if kind in ("photo", "photos", "image", "images", "picture"):
                kind = "image"
            elif kind in ("video", "videos", "movie"):
                kind = "video"
            else:
                raise QueryError(f"Unknown type {value!r}: use type:image or type:video")
            filters = replace(filters, media_type=kind)
        elif sep and value and k == "camera":
            filters = replace(filters, camera=value)
        elif sep and value and k in ("person", "people", "who"):
            if value not in filters.people:
                filters = replace(filters, people=(*filters.people, value))
        elif sep and value and k in ("place", "where", "at"):
            if value not in filters.places:
                filters = replace(filters, places=(*filters.places, value))
        elif sep and k == "text":
            if not value.strip():
                raise QueryError('text: needs words to look for in pictures, e.g. text:"wifi password"')
            filters = replace(filters, text=(*filters.text, " ".join(value.split())))
        elif token.startswith("-") and len(token) > 1:
            negatives.append(token[1:])
        else:
            words.append(Word(token))
    return ParsedQuery(tuple(words), tuple(negatives), filters)
