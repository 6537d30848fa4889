"""A vocabulary of everyday photo terms (resources/vocab.txt), embedded once per model.

Used to name result clusters ("maybe you are looking for") and as the query bank for
hubness correction: the model's own bank (query_bank.txt in its folder) when it ships one,
else "a photo of <term>" for every term. Embeddings are cached once per model, in the models
folder (core/embed/model_cache.py), so a new library on a known model does not embed them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from importlib import resources
from pathlib import Path

import numpy as np

from ..atomic_file import write_atomic
from ..embed.base import Embedder, l2_normalize
from ..embed.model_files import QUERY_BANK_FILE
from .hubness import QueryBank

log = logging.getLogger(__name__)

BANK_TEMPLATE = "a photo of {}"


def read_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a text file."""
    return _lines(path.read_text(encoding="utf-8"))


def load_terms() -> list[str]:
    text = resources.files("photolens.resources").joinpath("vocab.txt").read_text(encoding="utf-8")
    return _lines(text)


def _lines(text: str) -> list[str]:
    return [t.strip() for t in text.splitlines() if t.strip() and not t.startswith("#")]


class Vocabulary:
    """Terms and their text embeddings (term vectors and 'a photo of <term>' bank vectors)."""

    def __init__(self, embedder: Embedder, cache_dir: Path | None, model_dir: Path | None = None):
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.terms = load_terms()
        self._vectors: np.ndarray | None = None
        self._bank: QueryBank | None = None
        self._model_bank_file = model_dir / QUERY_BANK_FILE if model_dir is not None else None
        self._lock = threading.Lock()

    def _load(self, kind: str, texts: list[str]) -> np.ndarray:
        path = None
        if self.cache_dir is not None:
            safe = self.embedder.model_id.replace("/", "__")
            digest = hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()[:12]
            path = self.cache_dir / f"vocab-{kind}-{safe}-{len(texts)}-{digest}.npy"
            if path.exists():
                try:
                    cached = np.load(path)
                    if cached.shape == (len(texts), self.embedder.dim):
                        return cached
                except (OSError, ValueError) as exc:
                    log.debug("vocabulary cache unreadable: %s", exc)
        vecs = l2_normalize(np.concatenate([self.embedder.embed_texts(texts[i : i + 64]) for i in range(0, len(texts), 64)]))
        if path is not None:
            _save(path, vecs)
        return vecs

    @property
    def vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                self._vectors = self._load("terms", self.terms)
            return self._vectors

    @property
    def bank(self) -> QueryBank:
        """The query bank for hubness correction (the model's own if it ships one)."""
        with self._lock:
            if self._bank is None:
                texts, source = [BANK_TEMPLATE.format(t) for t in self.terms], "generic"
                if self._model_bank_file is not None and self._model_bank_file.is_file():
                    try:
                        lines = read_lines(self._model_bank_file)
                    except (OSError, UnicodeDecodeError) as exc:
                        log.warning("cannot read %s (%s): using the generic query bank", self._model_bank_file, exc)
                    else:
                        if lines:
                            texts, source = lines, "model"
                self._bank = QueryBank(tuple(texts), self._load("bank", texts), source)
            return self._bank


def _save(path: Path, vecs: np.ndarray) -> None:
    """Whole or not at all: a concurrent reader never sees half a file."""
    buf = io.BytesIO()
    np.save(buf, vecs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buf.getvalue())
    except OSError as exc:
        log.debug("cannot cache vocabulary: %s", exc)
