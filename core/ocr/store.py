"""TextIndex: the text read in pictures, in the catalog (tables of migration m008_text).

`text_lines` keeps every line with its confidence and box (what the preview shows and
copies); `text_fts` holds each item's whole text once (rowid = item id) for word and
phrase matches, with its words spelt backwards too, so that its vocabulary (`text_vocab`)
finds the words an OCR misreading stands for by their beginning or their end;
`text_trigrams` finds words OCR ran together ("WiFiPassword"). The indexing thread
writes (TextAnalyzer.store); any reader, a read-only library too, matches. A catalog from
before m008 (a read-only open of an old library) has no text.
"""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..catalog import Catalog
from .engine import PictureText, TextLine
from .words import max_edits, within_edits, words

log = logging.getLogger(__name__)

CANDIDATE_TERMS = 5000  # vocabulary words compared with a query word, per shared beginning or ending
MAX_VARIANTS = 4  # spellings kept per query word (the closest, most common first)
MAX_PHRASES = 32  # phrase spellings tried per phrase
STOP_WORDS = frozenset(
    "a an and at by de der die das el en et for from in is it la le of on or the to with".split()
)


@dataclass(frozen=True)
class PhraseMatch:
    """The items whose text holds a phrase, and the folded words that counted as its words
    (the query's own, the misreadings found for them, the phrase run together)."""

    items: frozenset[int]
    spellings: frozenset[str]


def _fts_phrase(tokens: Sequence[str]) -> str:
    """An FTS5 phrase of tokens; each quoted, so nothing the user typed is FTS syntax."""
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


class TextIndex:
    """Reads and writes the text in pictures through a catalog's connection."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.conn = catalog.conn

    @property
    def available(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'text_fts'").fetchone()
        return row is not None

    # -- writing (the indexing thread) ------------------------------------------------------
    def store(self, results: Sequence[tuple[int, PictureText]]) -> None:
        """Replace these items' text (one transaction; a picture without text keeps no rows)."""
        ids = [(item_id,) for item_id, _ in results]
        with self.conn:
            self.conn.executemany("DELETE FROM text_lines WHERE item_id = ?", ids)
            self.conn.executemany("DELETE FROM text_fts WHERE rowid = ?", ids)
            self.conn.executemany("DELETE FROM text_trigrams WHERE rowid = ?", ids)
            for item_id, page in results:
                if not page.lines:
                    continue
                self.conn.executemany(
                    "INSERT INTO text_lines (item_id, line, text, score, box) VALUES (?, ?, ?, ?, ?)",
                    [(item_id, n, line.text, round(line.score, 4), json.dumps(list(line.box)))
                     for n, line in enumerate(page.lines)],
                )
                text = page.text
                backwards = " ".join(w[::-1] for w in words(text))
                self.conn.execute("INSERT INTO text_fts (rowid, text, backwards, item_id) VALUES (?, ?, ?, ?)",
                                  (item_id, text, backwards, item_id))
                self.conn.execute("INSERT INTO text_trigrams (rowid, text, item_id) VALUES (?, ?, ?)",
                                  (item_id, " ".join(words(text)), item_id))

    # -- reading -----------------------------------------------------------------------------
    def lines(self, item_id: int) -> list[TextLine]:
        if not self.available:
            return []
        rows = self.conn.execute("SELECT text, score, box FROM text_lines WHERE item_id = ? ORDER BY line",
                                 (int(item_id),))
        return [TextLine(t, float(s or 0.0), tuple(json.loads(b or "[]"))) for t, s, b in rows]

    def texts(self, item_ids: Iterable[int]) -> dict[int, str]:
        """item id -> its whole text (lines joined by newlines), for the items that have some."""
        ids = [int(i) for i in item_ids]
        if not ids or not self.available:
            return {}
        out: dict[int, str] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            marks = ",".join("?" * len(chunk))
            for rowid, text in self.conn.execute(f"SELECT rowid, text FROM text_fts WHERE rowid IN ({marks})", chunk):
                out[int(rowid)] = text
        return out

    def count(self) -> int:
        if not self.available:
            return 0
        return int(self.conn.execute("SELECT count(*) FROM text_fts").fetchone()[0])

    # -- matching ----------------------------------------------------------------------------
    def phrase_items(self, phrase: str, *, fuzzy: bool = True) -> PhraseMatch:
        """Items whose text contains the phrase: its words in order; case and diacritics
        folded; with `fuzzy`, a word of 4+ letters may be misread by one letter (two from 9
        letters on), and OCR may have run the words together."""
        tokens = words(phrase)
        if not tokens or not self.available:
            return PhraseMatch(frozenset(), frozenset())
        spellings = [self._spellings(t) if fuzzy else [t] for t in tokens]
        phrases = list(itertools.islice(itertools.product(*spellings), MAX_PHRASES))
        found = self._match("text_fts", "text : (" + " OR ".join(_fts_phrase(p) for p in phrases) + ")")
        joined = "".join(tokens)
        if fuzzy and len(tokens) > 1 and len(joined) >= 3:  # "WiFiPassword"
            found |= self._match("text_trigrams", _fts_phrase([joined]))
        return PhraseMatch(frozenset(found), frozenset({v for s in spellings for v in s} | {joined}))

    def word_matches(self, text: str) -> tuple[dict[int, float], frozenset[str]]:
        """Items whose text holds words of a plain query (stop words aside): item id -> the
        share of them found (1.0 also when the words stand in order), and the words looked
        for. Exact words only: every query with words pays for this."""
        tokens = list(dict.fromkeys(t for t in words(text) if t not in STOP_WORDS and (len(t) >= 3 or t.isdigit())))
        if not tokens or not self.available:
            return {}, frozenset()
        counts: dict[int, int] = {}
        for token in tokens:
            for item in self._match("text_fts", "text : " + _fts_phrase([token])):
                counts[item] = counts.get(item, 0) + 1
        whole = self._match("text_fts", "text : " + _fts_phrase(tokens)) if len(tokens) > 1 else set()
        return ({item: 1.0 if item in whole else n / len(tokens) for item, n in counts.items()},
                frozenset(tokens))

    def _spellings(self, token: str) -> list[str]:
        """The token and the words in pictures within its edit budget (OCR misreadings): one
        edit leaves the first or the last half intact (two: a third), so the vocabulary is
        searched by the word's beginning and, spelt backwards, by its end."""
        limit = max_edits(token)
        if limit == 0:
            return [token]
        k = max(2, len(token) // (limit + 1))
        close: dict[str, int] = {}
        for column, key in (("text", token[:k]), ("backwards", token[::-1][:k])):
            rows = self.conn.execute(
                "SELECT term, doc FROM text_vocab WHERE col = ? AND term >= ? AND term < ? "
                "AND length(term) BETWEEN ? AND ? LIMIT ?",
                (column, key, key[:-1] + chr(ord(key[-1]) + 1), len(token) - limit, len(token) + limit,
                 CANDIDATE_TERMS),
            )
            for term, docs in rows:
                word = term if column == "text" else term[::-1]
                if word != token and within_edits(token, word, limit):
                    close[word] = max(close.get(word, 0), int(docs))
        best = sorted(close, key=lambda w: (not within_edits(token, w, 1), -close[w], w))
        return [token, *best[: MAX_VARIANTS - 1]]

    def _match(self, table: str, expr: str) -> set[int]:
        try:
            rows = self.conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (expr,))
            return {int(r[0]) for r in rows}
        except sqlite3.OperationalError as exc:  # never for quoted tokens; logged, not raised
            log.warning("text search %r failed: %s", expr, exc)
            return set()


def matched_words(text: str, spellings: frozenset[str]) -> tuple[str, ...]:
    """The words of a picture's text (folded) that a query matched: one of its spellings, or
    a word that holds one (OCR ran "WiFiPassword" together)."""
    present = set(words(text))
    found = present & spellings
    long = [s for s in spellings if len(s) >= 6]
    found |= {w for w in present - found if any(s in w for s in long)}
    return tuple(sorted(found))
