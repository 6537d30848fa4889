"""Turn a SearchQuery into one query vector (training-free fusion, see LITERATURE.md).

- text: the text tower; a text longer than the tower's context is split into clauses,
  embedded separately and averaged (never silently truncated);
- image / sketch: the image tower;
- sketch + text: weighted sum of the normalised vectors (sketch_weight vs text_weight);
- image + text (composed): the image vector moved along the text's direction,
  img + alpha * (txt(text) - txt(base)), then fused with the text vector;
- negatives and "less like this": subtracted (weighted) before the final normalisation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from ..catalog import Catalog
from ..embed.base import Embedder, l2_normalize
from ..errors import DecodeError, QueryError
from ..media.decode import open_image
from ..media.video import is_video_path, probe, read_frame
from .model import ImageSource, SearchQuery

COMPOSE_ALPHA = 1.0
COMPOSE_BASE = "a photo"
# "More / less like this" with words (and no example image): Rocchio's update in CLIP's
# space, q = words + LIKE_WEIGHT x liked - UNLIKE_WEIGHT x unliked (unit vectors). On the
# oracle (tests/bench/feedback_eval.py, one round) the relevant pictures not yet marked
# reached recall@5 0.750 from 0.271 for a vague query ("red" for red circles; treating the
# liked pictures as a composed example, 0.625), and 0.958 for a precise one, where marking
# has nothing to add (0.979 unmarked; as a composed example, 0.812).
LIKE_WEIGHT = 0.75
UNLIKE_WEIGHT = 0.15
_CLAUSES = re.compile(r"(?<=[.!?;,])\s+|\s+(?=(?:and|with|but|while)\s)")


def load_query_image(source: ImageSource) -> Image.Image:
    """The example picture; for a video file, its middle frame."""
    if isinstance(source, Image.Image):
        return source.convert("RGB")
    try:
        if is_video_path(source):
            return read_frame(source, int(probe(source).duration_s * 500))
        return open_image(Path(source))
    except DecodeError as exc:
        raise QueryError(f"Cannot use {source} as a query image: {exc}") from exc


def split_long_text(text: str, fits: Callable[[str], bool], max_parts: int = 8) -> list[str]:
    """Clauses that each fit the text tower (greedy packing of clauses)."""
    if fits(text):
        return [text]
    clauses = [c.strip() for c in _CLAUSES.split(text) if c and c.strip()]
    parts: list[str] = []
    current = ""
    for clause in clauses:
        candidate = f"{current} {clause}".strip()
        if current and not fits(candidate):
            parts.append(current)
            current = clause
        else:
            current = candidate
    if current:
        parts.append(current)
    out: list[str] = []
    for part in parts:  # a single clause still too long: cut by words
        words = part.split()
        while words:
            n = len(words)
            while n > 1 and not fits(" ".join(words[:n])):
                n = max(1, n * 3 // 4)
            out.append(" ".join(words[:n]))
            words = words[n:]
    return out[:max_parts]


def embed_text(embedder: Embedder, text: str) -> np.ndarray:
    tokenizer = getattr(embedder, "tokenizer", None)
    if tokenizer is not None:
        parts = split_long_text(text, lambda t: tokenizer.count(t) <= tokenizer.context_length)
    else:
        parts = [text]
    vecs = embedder.embed_texts(parts)
    return l2_normalize(vecs.mean(axis=0))


class QueryEncoder:
    """Encodes queries with an embedder; stored vectors come from the catalog."""

    def __init__(self, embedder: Embedder, catalog: Catalog):
        self.embedder = embedder
        self.catalog = catalog

    def _items(self, ids: tuple[int, ...]) -> np.ndarray | None:
        if not ids:
            return None
        found = self.catalog.vectors(list(ids), self.embedder.model_id)
        if not found:
            raise QueryError("The pictures to search like are not indexed (any more)")
        return l2_normalize(np.mean(list(found.values()), axis=0))

    def encode(self, query: SearchQuery, text: str, negatives: tuple[str, ...]) -> np.ndarray:
        if not (text or query.image is not None or query.sketch is not None or query.like_items):
            raise QueryError("Nothing to search for: type some words, or give an image or a sketch")
        text_vec = embed_text(self.embedder, text) if text else None
        images = [load_query_image(query.image)] if query.image is not None else []
        image_vec = l2_normalize(self.embedder.embed_images(images)[0]) if images else None
        like_vec = self._items(query.like_items)
        rocchio = text_vec is not None and image_vec is None and query.sketch is None
        if like_vec is not None and rocchio:
            assert text_vec is not None
            text_vec = l2_normalize(text_vec + LIKE_WEIGHT * like_vec)
        elif like_vec is not None:
            image_vec = like_vec if image_vec is None else l2_normalize(image_vec + like_vec)
        sketch_vec = None
        if query.sketch is not None:
            sketch_vec = l2_normalize(self.embedder.embed_images([load_query_image(query.sketch)])[0])

        parts: list[np.ndarray] = []
        if image_vec is not None and text_vec is not None:
            # composed retrieval: move the image along what the words add, then fuse
            base = embed_text(self.embedder, COMPOSE_BASE)
            moved = l2_normalize(image_vec + COMPOSE_ALPHA * (text_vec - base))
            parts.append(query.image_weight * moved)
            parts.append(query.text_weight * text_vec)
        elif image_vec is not None:
            parts.append(query.image_weight * image_vec)
        elif text_vec is not None:
            parts.append(query.text_weight * text_vec)
        if sketch_vec is not None:
            parts.append(query.sketch_weight * sketch_vec)
        q = l2_normalize(np.sum(parts, axis=0))

        negs = [n for n in negatives if n.strip()]
        if negs:
            neg_vec = l2_normalize(self.embedder.embed_texts(negs).mean(axis=0))
            q = l2_normalize(q - query.negative_weight * neg_vec)
        unlike = self._items(query.unlike_items)
        if unlike is not None:
            q = l2_normalize(q - (UNLIKE_WEIGHT if rocchio else query.negative_weight) * unlike)
        return q
