"""TextIndex: the text read in pictures, in the catalog (tables of migration m008_text).

`text_lines` keeps every line with its confidence and box (what the preview shows and
copies); `text_fts` and `text_trigrams` hold each item's whole text once (rowid = item
id), for word and phrase matches and for finding the words an OCR misreading stands for.
The indexing thread writes (TextAnalyzer.store); any reader, a read-only library too,
matches. A catalog from before m008 (a read-only open of an old library) has no text.
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
from .words import max_edits, trigrams, within_edits, words

log = logging.getLogger(__name__)

CANDIDATE_ROWS = 400  # texts scanned for the words a misspelt query word may stand for
MAX_VARIANTS = 4  # spellings kept per query word (the closest, most common first)
MAX_PHRASES = 32  # phrase spellings tried per phrase
STOP_WORDS = frozenset(
    "a an and at by de der die das el en et for from in is it la le of on or the to with".split()
)


@dataclass(frozen=True)
class TextMatch:
    """How a picture's text matches query words: the share of the query's words found
    (1.0: all, or the whole phrase) and the picture's words that matched (folded)."""

    coverage: float
    words: tuple[str, ...]


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
                self.conn.execute("INSERT INTO text_fts (rowid, text, item_id) VALUES (?, ?, ?)",
                                  (item_id, text, item_id))
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
    def phrase_items(self, phrase: str) -> dict[int, tuple[str, ...]]:
        """Items whose text contains the phrase (its words in order; diacritics and case
        folded; a word may be misread by one letter, two in long words): item id -> the
        picture's words that matched."""
        tokens = words(phrase)
        if not tokens or not self.available:
            return {}
        spellings = [self._spellings(t) for t in tokens]
        if not all(spellings):
            return {}
        phrases = list(itertools.islice(itertools.product(*spellings), MAX_PHRASES))
        expr = " OR ".join(_fts_phrase(p) for p in phrases)
        found = self._match("text_fts", expr)
        if len(tokens) > 1:  # OCR often runs words together ("WiFiPassword")
            found |= self._match("text_trigrams", _fts_phrase(["".join(tokens)])) if len("".join(tokens)) >= 3 else set()
        variants = {v for s in spellings for v in s} | {"".join(tokens)}
        return self._matched_words(found, variants)

    def word_matches(self, text: str) -> dict[int, TextMatch]:
        """Items whose text holds the words of a plain query (stop words aside), with the
        share of them found; the whole phrase in order counts as all."""
        tokens = [t for t in words(text) if t not in STOP_WORDS and (len(t) >= 3 or t.isdigit())]
        if not tokens or not self.available:
            return {}
        found: dict[int, set[str]] = {}
        hit_words: dict[int, set[str]] = {}
        for token in dict.fromkeys(tokens):
            for item, matched in self.phrase_items(token).items():
                found.setdefault(item, set()).add(token)
                hit_words.setdefault(item, set()).update(matched)
        whole = self.phrase_items(" ".join(tokens)) if len(tokens) > 1 else {}
        n = len(set(tokens))
        return {item: TextMatch(1.0 if item in whole else len(got) / n, tuple(sorted(hit_words[item])))
                for item, got in found.items()}

    def _spellings(self, token: str) -> list[str]:
        """The token itself and the words in pictures within its edit budget (misreadings)."""
        limit = max_edits(token)
        if limit == 0:
            return [token]
        grams = trigrams(token)
        if not grams:
            return [token]
        expr = " OR ".join(_fts_phrase([g]) for g in dict.fromkeys(grams))
        counts: dict[str, int] = {}
        try:
            rows = self.conn.execute(
                "SELECT text FROM text_trigrams WHERE text_trigrams MATCH ? ORDER BY rank LIMIT ?",
                (expr, CANDIDATE_ROWS),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            log.warning("text index lookup failed for %r: %s", token, exc)
            return [token]
        for (text,) in rows:
            for word in text.split():
                if word != token and within_edits(token, word, limit):
                    counts[word] = counts.get(word, 0) + 1
        close = sorted(counts, key=lambda w: (not within_edits(token, w, 1), -counts[w], w))
        return [token, *close[: MAX_VARIANTS - 1]]

    def _match(self, table: str, expr: str) -> set[int]:
        try:
            rows = self.conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (expr,))
            return {int(r[0]) for r in rows}
        except sqlite3.OperationalError as exc:  # never for quoted tokens; logged, not raised
            log.warning("text search %r failed: %s", expr, exc)
            return set()

    def _matched_words(self, items: set[int], variants: set[str]) -> dict[int, tuple[str, ...]]:
        out: dict[int, tuple[str, ...]] = {}
        if not items:
            return out
        ids = sorted(items)
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT rowid, text FROM text_trigrams WHERE rowid IN ({marks})", chunk)
            for rowid, text in rows:
                present = set(text.split())
                hits = tuple(sorted(v for v in variants if v in present or (" " not in v and v in text)))
                out[int(rowid)] = hits
        return out

