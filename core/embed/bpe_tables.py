"""CLIP's BPE for a few words, without loading the whole tokenizer.

Loading CLIP's tokenizer.json (49,408 tokens, 48,894 merges) takes the `tokenizers`
library 60-80 ms, holding the GIL: the largest single cost of a one-shot `photolens
search` after the imports (tests/bench/cli_latency.py). A query has a handful of words, and
CLIP's BPE works on one word at a time, so the vocabulary and the merge ranks are kept in
the model cache as sorted arrays (memory-mapped: ~1 ms to open) and looked up by binary
search for just the pairs a word has.

Only what :func:`tokenizer.build_tokenizer_json` writes takes this path (checked when the
tables are built: no normalizer, our pre-tokenizer, a BPE model with "</w>" and nothing
else set); the `tokenizers` library still splits the text into words and maps bytes
(its pre-tokenizer alone loads in microseconds), and a text holding a special token goes
the library's whole way. The merge loop is the standard one: the adjacent pair of lowest
rank is merged, the leftmost first among equals, until no pair has a rank (what the
library's BPE model does; tests/core/test_bpe_tables.py holds the two to the same ids,
and test_tokenizer_preprocess_parity.py both to open_clip's).
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic_file import write_atomic

log = logging.getLogger(__name__)

SUFFIX = "</w>"
FILES = ("bpe-tokens.npy", "bpe-ids.npy", "bpe-pairs.npy", "bpe-ranks.npy")
META_FILE = "bpe-meta.json"
_EXPECTED_MODEL = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                   "end_of_word_suffix": SUFFIX, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False}


def _source_stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _sorted_table(keys: list[str], values: list[int]) -> tuple[np.ndarray, np.ndarray]:
    encoded = np.array([k.encode("utf-8") for k in keys], dtype=bytes)
    order = np.argsort(encoded, kind="stable")
    return encoded[order], np.asarray(values, dtype=np.int32)[order]


def supported(spec: dict[str, Any], expected_pre_tokenizer: dict[str, Any]) -> bool:
    """Whether a tokenizer.json is the plain CLIP BPE these tables reproduce."""
    model = spec.get("model") or {}
    return (spec.get("normalizer") is None and spec.get("post_processor") is None
            and spec.get("pre_tokenizer") == expected_pre_tokenizer
            and all(model.get(k) == v for k, v in _EXPECTED_MODEL.items()))


@dataclass(frozen=True)
class BpeTables:
    """Sorted UTF-8 keys with their values: token -> id, "left right" -> merge rank."""

    tokens: np.ndarray
    ids: np.ndarray
    pairs: np.ndarray
    ranks: np.ndarray
    specials: tuple[str, ...]

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> BpeTables:
        model = spec["model"]
        vocab: dict[str, int] = model["vocab"]
        merges = [m.split(" ", 1) if isinstance(m, str) else m for m in model["merges"]]
        tokens, ids = _sorted_table(list(vocab), list(vocab.values()))
        pairs, ranks = _sorted_table([f"{a} {b}" for a, b in merges], list(range(len(merges))))
        specials = tuple(t["content"] for t in spec.get("added_tokens") or ())
        return cls(tokens, ids, pairs, ranks, specials)

    def save(self, folder: Path, source: Path) -> None:
        """Write the tables (each file whole, renamed into place); the meta file, written
        last, names the tokenizer.json they came from, so a half-written set is never used."""
        for name, array in zip(FILES, (self.tokens, self.ids, self.pairs, self.ranks), strict=True):
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=False)
            write_atomic(folder / name, buf.getvalue())
        meta = {"source": str(source.resolve()), "stamp": _source_stamp(source), "specials": list(self.specials)}
        write_atomic(folder / META_FILE, json.dumps(meta).encode())

    @classmethod
    def load(cls, folder: Path, source: Path) -> BpeTables | None:
        """The tables of `source` in `folder` (memory-mapped), or None if missing or stale."""
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            if meta.get("source") != str(source.resolve()) or meta.get("stamp") != _source_stamp(source):
                return None
            arrays = [np.load(folder / name, mmap_mode="r", allow_pickle=False) for name in FILES]
        except (OSError, ValueError, AttributeError) as exc:
            log.debug("no BPE tables in %s: %s", folder, exc)
            return None
        tokens, ids, pairs, ranks = arrays
        if len(tokens) != len(ids) or len(pairs) != len(ranks) or tokens.dtype.kind != "S" or pairs.dtype.kind != "S":
            return None
        return cls(tokens, ids, pairs, ranks, tuple(meta.get("specials") or ()))

    def token_id(self, token: str) -> int | None:
        return _find(self.tokens, self.ids, token.encode("utf-8"))

    def rank(self, left: str, right: str) -> int | None:
        return _find(self.pairs, self.ranks, f"{left} {right}".encode())


def _find(keys: np.ndarray, values: np.ndarray, key: bytes) -> int | None:
    i = int(np.searchsorted(keys, key))
    if i < len(keys) and keys[i] == key:
        return int(values[i])
    return None


class WordBpe:
    """Token ids of pre-tokenized words (byte-level strings), by the tables."""

    def __init__(self, tables: BpeTables):
        self.tables = tables
        self.word_ids = lru_cache(maxsize=4096)(self._word_ids)

    def _word_ids(self, word: str) -> tuple[int, ...] | None:
        """None when a piece has no id (the caller then asks the library)."""
        symbols = list(word)
        if not symbols:
            return ()
        symbols[-1] += SUFFIX
        rank = self.tables.rank
        while len(symbols) > 1:
            best, at = None, -1
            for i in range(len(symbols) - 1):
                r = rank(symbols[i], symbols[i + 1])
                if r is not None and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            symbols[at : at + 2] = [symbols[at] + symbols[at + 1]]
        ids: list[int] = []
        for symbol in symbols:
            found = self.tables.token_id(symbol)
            if found is None:
                return None
            ids.append(found)
        return tuple(ids)
