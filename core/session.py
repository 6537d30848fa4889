"""ModelSession: every piece of a library that depends on the model, built in one place.

The model folder, the embedder, the model's vector index (caught up with SQLite on first
use), the vocabulary and its query bank, and the hub index all follow from the settings
and the model path. A Library holds one session and swaps it whole when the model
changes (`Library.apply_settings`), so no piece can go on with the old model while
another uses the new one. Pieces load lazily: opening a library does not load a model.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .analyzers import Analyzer, HubnessAnalyzer
from .catalog import Catalog
from .config import Settings
from .embed.base import Embedder, l2_normalize
from .embed.model_cache import ModelCache, drop_legacy_caches
from .embed.model_files import QUERY_BANK_FILE, ModelFolder
from .embed.onnx_backend import OnnxEmbedder
from .embed.registry import resolve
from .errors import PhotolensError
from .indexer import resolve_decode_workers, visual_threads
from .query.hubness import HubIndex
from .query.vocab import Vocabulary
from .vectors import VectorStore

log = logging.getLogger(__name__)

# settings a session is built from: a change in any of them means a new session
BACKGROUND_SAMPLE = 2048  # library vectors a query is scored against for its cutoff (~0.2 ms)
MODEL_SETTINGS = ("model", "model_path", "backend", "device", "decode_workers")


def vectors_file(data_dir: Path, model_id: str) -> Path:
    """A model's vector index in a data dir."""
    return data_dir / f"vectors-{model_id.replace('/', '__')}.usearch"


@dataclass(frozen=True)
class SessionSpec:
    """What a session is built from (two equal specs build the same session)."""

    data_dir: Path
    models_dir: Path
    model: str
    model_path: Path | None
    backend: str
    device: str
    decode_workers: int
    read_only: bool

    @classmethod
    def of(cls, settings: Settings, *, data_dir: Path, models_dir: Path, model_path: Path | None,
           read_only: bool) -> SessionSpec:
        return cls(data_dir, models_dir, settings.model, model_path,
                   os.environ.get("PHOTOLENS_BACKEND", settings.backend), settings.device,
                   settings.decode_workers, read_only)


class ModelSession:
    """One model's view of a library: embedder, vectors, vocabulary, hub index."""

    def __init__(self, spec: SessionSpec, catalog: Catalog, *, embedder: Embedder | None = None):
        self.spec = spec
        self.catalog = catalog
        self._embedder = embedder
        self._vectors: VectorStore | None = None
        self._vocab: Vocabulary | None = None
        self._hubs: HubIndex | None = None
        self._ships_bank: bool | None = None
        self._background: tuple[int, np.ndarray] | None = None  # (library size then, sample)
        self._guard = threading.RLock()
        self._cache: ModelCache | None | bool = False if embedder is None else None  # False: not looked up yet

    # -- the model -------------------------------------------------------------------------
    def model_folder(self) -> ModelFolder:
        return resolve(self.spec.models_dir, self.spec.model, self.spec.model_path)

    def model_cache(self) -> ModelCache | None:
        """The model's cache in the models folder (optimised graphs, vocabulary vectors),
        shared by every library on the model; None for an injected embedder, without a
        model folder, or when the models folder can be neither written nor read."""
        with self._guard:
            if self._cache is False:
                try:
                    folder = self.model_folder()
                except PhotolensError:
                    self._cache = None
                else:
                    self._cache = ModelCache.open(self.spec.models_dir, folder)
                if not self.spec.read_only:
                    drop_legacy_caches(self.spec.data_dir)
            return self._cache if isinstance(self._cache, ModelCache) else None

    def model_dir(self) -> Path | None:
        """The model's folder, when the embedder came from one (a test may inject its own)."""
        try:
            return self.model_folder().path
        except PhotolensError:
            return None

    @property
    def embedder(self) -> Embedder:
        with self._guard:
            if self._embedder is None:
                self._embedder = self._make_embedder(self.model_folder())
            return self._embedder

    def _make_embedder(self, folder: ModelFolder) -> Embedder:
        backend, device = self.spec.backend, self.spec.device
        if backend == "torch":
            from .embed.torch_backend import TorchEmbedder

            return TorchEmbedder.from_pretrained(folder.config, device=device)
        if backend != "onnx":
            raise PhotolensError(f"Unknown backend {backend!r}: use 'onnx' or 'torch'")
        threads = int(os.environ.get("PHOTOLENS_THREADS", "0")) or None
        workers = resolve_decode_workers(self.spec.decode_workers)
        cache = self.model_cache()
        return OnnxEmbedder(folder, threads=threads, device="cpu" if device == "cpu" else None,
                            cache_dir=cache.graphs_dir if cache is not None else None,
                            visual_threads=threads or visual_threads(workers),
                            tables_dir=cache.tokenizer_dir if cache is not None else None)

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    # -- derived pieces ----------------------------------------------------------------------
    @property
    def vectors(self) -> VectorStore:
        """The vector index of this model, caught up with SQLite on first use."""
        with self._guard:
            if self._vectors is None:
                self._vectors = self._open_vectors()
            return self._vectors

    def known_model_id(self) -> str:
        """The model's id without loading it (from its config; an injected embedder's own)."""
        if self._embedder is not None:
            return self._embedder.model_id
        return self.model_folder().config.model_id

    def _open_vectors(self) -> VectorStore:
        emb = self.embedder
        store = VectorStore(vectors_file(self.spec.data_dir, emb.model_id), emb.dim)
        store.load(view=True)
        added = removed = 0
        # the same count, sum and max of ids: in step (reading every id costs 2 s at 1M)
        if store.key_summary() != self.catalog.embedding_key_summary(emb.model_id):
            keys = self.catalog.embedding_keys(emb.model_id)
            added, removed = store.sync(keys, self._fetch_vectors)
        if added or removed:
            log.info("vector index caught up with the catalog: +%d -%d", added, removed)
            if not self.spec.read_only:
                store.save()
        return store

    def _fetch_vectors(self, keys: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        model_id = self.embedder.model_id
        for i in range(0, len(keys), 5000):
            chunk = keys[i : i + 5000]
            found = self.catalog.vectors([int(k) for k in chunk], model_id)
            if found:
                ks = np.array(list(found), dtype=np.uint64)
                yield ks, np.stack([found[int(k)] for k in ks])

    @property
    def vectors_loaded(self) -> VectorStore | None:
        """The vector index if something opened it already (status must not load a model)."""
        return self._vectors

    @property
    def vocabulary(self) -> Vocabulary:
        with self._guard:
            if self._vocab is None:
                cache = self.model_cache()
                self._vocab = Vocabulary(self.embedder, cache.vectors_dir if cache is not None else None,
                                         self.model_dir())
            return self._vocab

    @property
    def hubs(self) -> HubIndex:
        """Per-item hubness statistics of this model against its query bank."""
        with self._guard:
            if self._hubs is None:
                emb = self.embedder
                self._hubs = HubIndex(self.catalog, emb.model_id, self.vocabulary.bank, emb.config.logit_scale)
            return self._hubs

    def background(self) -> np.ndarray:
        """Unit vectors of a fixed sample of the library (BACKGROUND_SAMPLE at most): what a
        query scores on pictures at large, for the result cutoff (core/query/cutoff.py).
        A systematic sample, evenly spaced over the items in the order they were added (so
        every period of the library is in it; numpy.random's import alone cost 9 ms of a
        one-shot search). Drawn again when the library has grown or shrunk by a tenth."""
        store = self.vectors
        size = len(store)
        with self._guard:
            if self._background is None or abs(size - self._background[0]) > 0.1 * max(1, self._background[0]):
                keys = np.sort(store.keys())
                pick = np.unique(np.linspace(0, len(keys) - 1, min(BACKGROUND_SAMPLE, len(keys))).round().astype(np.int64))
                sample = l2_normalize(store.vectors(keys[pick])) if len(pick) else np.zeros((0, 1), np.float32)
                self._background = (size, sample.astype(np.float32))
            return self._background[1]

    def analyzers(self) -> list[Analyzer]:
        """The analyzers this model brings: hub scores against its query bank."""
        return [HubnessAnalyzer(self.hubs)]

    def hubness_by_default(self) -> bool:
        """Whether word queries get hubness correction when the settings leave it open: yes
        when the model ships its own query bank (measured gain), no with the generic one."""
        if self._ships_bank is None:
            model_dir = self.model_dir()
            self._ships_bank = model_dir is not None and (model_dir / QUERY_BANK_FILE).is_file()
        return self._ships_bank

    def save(self) -> None:
        """Write the vector index if it changed (a writer's session only)."""
        with self._guard:
            if self._vectors is not None and self._vectors.dirty and not self.spec.read_only:
                self._vectors.save()
