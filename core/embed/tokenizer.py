"""open_clip's text tokenizers without torch: its exact token ids from a tokenizer.json.

open_clip cleans text with ftfy, unescapes HTML twice, collapses white space and, for CLIP's
BPE ("lower" cleaning), lower-cases; it then splits with a regex, byte-encodes and applies
BPE with an end-of-word suffix. Models with a Hugging Face text tower (XLM-RoBERTa) use
open_clip's HFTokenizer instead: "whitespace" cleaning (no lower-casing), then the
tokenizer.json's own normalizer, pre-tokenizer and model (SentencePiece Unigram), with
<s> ... </s> around the ids and <pad> after. The `tokenizers` library applies a
tokenizer.json (ours, written at export time by :func:`build_tokenizer_json`, or a pack's);
the cleaning and the truncation rule (keep the first tokens, the last one becomes the end
marker, which is also what Hugging Face's truncation does) live here.
"""

from __future__ import annotations

import html
import json
import logging
import re
import string
import threading
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from ..errors import ModelFormatError
from .bpe_tables import BpeTables, WordBpe, supported

log = logging.getLogger(__name__)

SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
_WHITESPACE = re.compile(r"\s+")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
CLEAN_MODES = ("lower", "whitespace", "canonicalize")
# CLIP's pre-tokenizer in our tokenizer.json: the words of SPLIT_PATTERN, byte-level mapped
PRE_TOKENIZER: dict[str, Any] = {
    "type": "Sequence",
    "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": SPLIT_PATTERN}, "behavior": "Removed", "invert": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
    ],
}


def _pre_tokenizer() -> Any:  # noqa: ANN401 - tokenizers.pre_tokenizers.PreTokenizer
    """PRE_TOKENIZER as the library's object (microseconds: no vocabulary in it)."""
    from tokenizers import Regex, pre_tokenizers

    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(SPLIT_PATTERN), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])


def _needs_ftfy(text: str) -> bool:
    """Whether ftfy could change the text. Printable ASCII without '&' it leaves as it is
    (mojibake, curly quotes, ligatures, wide characters and control characters are all
    outside it, and '&' starts an HTML entity), so a typed query skips importing ftfy and
    wcwidth (~35 ms of a one-shot search); tests/core/test_tokenizer_clean.py holds it to
    ftfy's own output."""
    return not (text.isascii() and text.isprintable() and "&" not in text)


def _basic_clean(text: str) -> str:
    if _needs_ftfy(text):
        import ftfy  # noqa: PLC0415 - lazily: see _needs_ftfy

        text = html.unescape(html.unescape(ftfy.fix_text(text)))
    return text.strip()


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def clean_text(text: str, mode: str = "lower") -> str:
    """open_clip's text cleaning (its get_clean_fn), by mode.

    "lower": ftfy, HTML unescape (twice), white space collapsed, lower case (CLIP's BPE).
    "whitespace": the same without lower-casing (open_clip's HFTokenizer default).
    "canonicalize": ftfy and HTML unescape, "_" to space, ASCII punctuation removed,
    lower case, white space collapsed.
    """
    text = _basic_clean(text)
    if mode == "lower":
        return _collapse(text).lower()
    if mode == "whitespace":
        return _collapse(text)
    if mode == "canonicalize":
        return _collapse(text.replace("_", " ").translate(_PUNCTUATION).lower())
    raise ValueError(f"Unknown text cleaning {mode!r}; expected one of {', '.join(CLEAN_MODES)}")


class ClipTokenizer:
    """Turns strings into fixed-length int64 token arrays, as open_clip does.

    With `tables_dir` (the model cache) a CLIP BPE tokenizer.json of ours is served from
    memory-mapped tables (core/embed/bpe_tables.py) instead of being loaded whole: written
    there the first time the whole tokenizer loads, used from the next process on."""

    def __init__(self, path: Path, *, context_length: int, sot_id: int, eot_id: int, pad_id: int = 0,
                 clean: str = "lower", tables_dir: Path | None = None):
        if clean not in CLEAN_MODES:
            raise ModelFormatError(f"Unknown text cleaning {clean!r}; expected one of {', '.join(CLEAN_MODES)}")
        self.path = Path(path)
        self.context_length = context_length
        self.sot_id = sot_id
        self.eot_id = eot_id
        self.pad_id = pad_id
        self.clean = clean
        self._tables_dir = tables_dir if clean == "lower" else None
        self._lock = threading.Lock()
        self._tok: Tokenizer | None = None
        self._words: WordBpe | None = None
        self._pre: Any = None
        if self._tables_dir is not None:
            tables = BpeTables.load(self._tables_dir, self.path)
            if tables is not None:
                self._words, self._pre = WordBpe(tables), _pre_tokenizer()
        if self._words is None:
            self._library()  # a bad file is reported here, as before

    def _library(self) -> Tokenizer:
        """The `tokenizers` library's tokenizer, loaded on first need (writing the tables)."""
        with self._lock:
            if self._tok is None:
                try:
                    tok = Tokenizer.from_file(str(self.path))
                except Exception as exc:  # tokenizers raises a plain Exception on bad files
                    raise ModelFormatError(f"Cannot load tokenizer {self.path}: {exc}") from exc
                tok.no_padding()
                tok.no_truncation()
                self._tok = tok
                if self._tables_dir is not None and self._words is None:
                    self._write_tables()
            return self._tok

    def _write_tables(self) -> None:
        try:
            spec = json.loads(self.path.read_text(encoding="utf-8"))
            if not supported(spec, PRE_TOKENIZER):
                log.debug("%s is not a plain CLIP BPE: no word tables", self.path)
                return
            assert self._tables_dir is not None
            self._tables_dir.mkdir(parents=True, exist_ok=True)
            BpeTables.from_spec(spec).save(self._tables_dir, self.path)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # no tables: the library serves
            log.debug("BPE tables not written to %s: %s", self._tables_dir, exc)

    def encode_words(self, text: str) -> list[int]:
        """Token ids of the cleaned text, without start/end markers.

        The tokenizer.json's normalizer and pre-tokenizer still apply; its post-processor
        (which would add <s>/</s> or CLIP's markers) does not: we add sot/eot ourselves.
        """
        cleaned = clean_text(text, self.clean)
        words = self._words
        if words is not None and not any(sp in cleaned for sp in words.tables.specials):
            ids: list[int] = []
            for word, _span in self._pre.pre_tokenize_str(cleaned):
                piece = words.word_ids(word)
                if piece is None:
                    break
                ids.extend(piece)
            else:
                return ids
        return list(self._library().encode(cleaned, add_special_tokens=False).ids)

    def count(self, text: str) -> int:
        """How many positions the text takes, start/end markers included."""
        return len(self.encode_words(text)) + 2

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.full((len(texts), self.context_length), self.pad_id, dtype=np.int64)
        for row, text in enumerate(texts):
            tokens = [self.sot_id, *self.encode_words(text), self.eot_id]
            if len(tokens) > self.context_length:
                tokens = tokens[: self.context_length]
                tokens[-1] = self.eot_id
            out[row, : len(tokens)] = tokens
        return out


def build_tokenizer_json(encoder: dict[str, int], merges: list[tuple[str, str]], specials: list[str]) -> dict[str, Any]:
    """A Hugging Face tokenizer.json equivalent to open_clip's SimpleTokenizer.

    `encoder` is open_clip's token->id map, `merges` its BPE merges in rank order.
    """
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": encoder[s],
                "content": s,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for s in specials
        ],
        "normalizer": None,
        "pre_tokenizer": PRE_TOKENIZER,
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "</w>",
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": encoder,
            "merges": [[a, b] for a, b in merges],
        },
    }


def write_tokenizer_json(path: Path, encoder: dict[str, int], merges: list[tuple[str, str]], specials: list[str]) -> None:
    path.write_text(json.dumps(build_tokenizer_json(encoder, merges, specials), ensure_ascii=False), encoding="utf-8")
