"""Query text syntax: words, -negatives, and filters.

    beach sunset -people after:2019 before:2021-06 in:Holidays type:image camera:canon
    person:Anna person:"Ben Smith" person:#12
    text:"wifi password" (pictures whose text, read by OCR, holds the phrase)

Quoted phrases keep their spaces ("-\"red car\""). Unknown `key:value` tokens stay words.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
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


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # unbalanced quotes: fall back to plain words
        return text.replace('"', " ").replace("'", " ").split()


def parse_query(text: str, base: Filters | None = None) -> tuple[str, tuple[str, ...], Filters]:
    """Split query text into (positive words, negative phrases, filters)."""
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
    filters = base or Filters()
    words: list[str] = []
    negatives: list[str] = []
    for token in _split(text.replace("\x00", " ")):
        key, sep, value = token.partition(":")
        k = key.lower()
        if sep and value and k in ("after", "since", "from"):
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
        elif sep and k == "text":
            if not value.strip():
                raise QueryError('text: needs words to look for in pictures, e.g. text:"wifi password"')
            filters = replace(filters, text=(*filters.text, " ".join(value.split())))
        elif token.startswith("-") and len(token) > 1:
            negatives.append(token[1:])
        else:
            words.append(token)
    return re.sub(r"\s+", " ", " ".join(words)).strip(), tuple(negatives), filters
