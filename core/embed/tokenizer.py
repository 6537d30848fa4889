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
import re
import string
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from ..errors import ModelFormatError

SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
_WHITESPACE = re.compile(r"\s+")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
CLEAN_MODES = ("lower", "whitespace", "canonicalize")


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
    """Turns strings into fixed-length int64 token arrays, as open_clip does."""

    def __init__(self, path: Path, *, context_length: int, sot_id: int, eot_id: int, pad_id: int = 0,
                 clean: str = "lower"):
        if clean not in CLEAN_MODES:
            raise ModelFormatError(f"Unknown text cleaning {clean!r}; expected one of {', '.join(CLEAN_MODES)}")
        try:
            self._tok = Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises a plain Exception on bad files
            raise ModelFormatError(f"Cannot load tokenizer {path}: {exc}") from exc
        self._tok.no_padding()
        self._tok.no_truncation()
        self.context_length = context_length
        self.sot_id = sot_id
        self.eot_id = eot_id
        self.pad_id = pad_id
        self.clean = clean

    def encode_words(self, text: str) -> list[int]:
        """Token ids of the cleaned text, without start/end markers.

        The tokenizer.json's normalizer and pre-tokenizer still apply; its post-processor
        (which would add <s>/</s> or CLIP's markers) does not: we add sot/eot ourselves.
        """
        return list(self._tok.encode(clean_text(text, self.clean), add_special_tokens=False).ids)

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
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": SPLIT_PATTERN}, "behavior": "Removed", "invert": True},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
            ],
        },
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
