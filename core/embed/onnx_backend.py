"""ONNX Runtime backend: the default on CPU; needs no torch.

Sessions load lazily under a lock (the text tower alone for a text query), CPU thread
counts are fixed, and optimised graphs are cached in the model's cache (cache_dir: one
per model and ONNX Runtime version, core/embed/model_cache.py; the weights beside the
graph, core/embed/graph_cache.py) so later starts skip graph optimisation. Graphs with a
fixed batch of 1 (as some published packs have) are fed one row at a time.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import ModelFormatError
from .base import l2_normalize
from .graph_cache import CachedGraph
from .model_files import ModelConfig, ModelFolder
from .preprocess import preprocess
from .tokenizer import ClipTokenizer

log = logging.getLogger(__name__)

PROVIDER_PREFERENCE = ("CUDAExecutionProvider", "CoreMLExecutionProvider", "CPUExecutionProvider")


def choose_providers(preferred: str | None = None) -> list[str]:
    """Execution providers available here, best first ('cpu' forces the CPU)."""
    from ..ort_runtime import ort

    available = set(ort.get_available_providers())
    if preferred == "cpu":
        return ["CPUExecutionProvider"]
    return [p for p in PROVIDER_PREFERENCE if p in available] or ["CPUExecutionProvider"]


class _Tower:
    """One ONNX graph, loaded on first use."""

    def __init__(self, path: Path, *, threads: int, providers: list[str], cache_dir: Path | None):
        self.path = path
        self._threads = threads
        self._providers = providers
        self._cache_dir = cache_dir
        self._session = None
        self._lock = threading.Lock()
        self.input_name = ""
        self.input_dtype: type = np.float32
        self.fixed_batch: int | None = None

    def session(self):  # noqa: ANN201 - onnxruntime.InferenceSession, imported lazily
        with self._lock:
            if self._session is None:
                self._session = self._load()
            return self._session

    def _load(self):  # noqa: ANN202
        """The session, from the optimised-graph cache when it is fresh and loads; else from
        the model itself, writing the cache anew (graph_cache.py: staged, then renamed)."""
        cached = CachedGraph(self._cache_dir, self.path) if self._cache_dir is not None else None
        session = None
        if cached is not None and cached.fresh():
            try:
                session = self._open(cached.graph, optimise=False)
            except Exception as exc:  # noqa: BLE001 - any damage: drop the cache, use the model
                log.warning("optimised graph cache %s unusable (%s); rebuilding it from %s", cached.graph, exc,
                            self.path)
                cached.drop()
        if session is None:
            session = self._open_model(cached)
        inp = session.get_inputs()[0]
        self.input_name = inp.name
        self.input_dtype = {"tensor(int32)": np.int32, "tensor(int64)": np.int64}.get(inp.type, np.float32)
        batch = inp.shape[0]
        self.fixed_batch = batch if isinstance(batch, int) and batch > 0 else None
        log.info("loaded %s (%s, batch %s)", self.path.name, session.get_providers()[0], self.fixed_batch or "dynamic")
        return session

    def _open_model(self, cached: CachedGraph | None):  # noqa: ANN202
        if cached is None:
            return self._open_or_explain(None)
        with cached.staging() as folder:
            return self._open_or_explain(cached.save_options(folder) if folder is not None else None)

    def _open_or_explain(self, save: tuple[str, dict[str, str]] | None):  # noqa: ANN202
        try:
            return self._open(self.path, optimise=True, save=save)
        except Exception as exc:
            raise ModelFormatError(f"Cannot load {self.path}: {exc}") from exc

    def _open(self, source: Path, *, optimise: bool, save: tuple[str, dict[str, str]] | None = None):  # noqa: ANN202
        from ..ort_runtime import ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self._threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3  # our logging reports what matters
        opts.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimise
                                         else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
        if save is not None:
            opts.optimized_model_filepath, entries = save
            for key, value in entries.items():
                opts.add_session_config_entry(key, value)
        return ort.InferenceSession(str(source), sess_options=opts, providers=self._providers)

    def run(self, x: np.ndarray) -> np.ndarray:
        session = self.session()
        x = x.astype(self.input_dtype, copy=False)
        if self.fixed_batch and x.shape[0] != self.fixed_batch:
            step = self.fixed_batch
            parts = [session.run(None, {self.input_name: x[i : i + step]})[0] for i in range(0, len(x), step)]
            return np.concatenate(parts, axis=0)
        return session.run(None, {self.input_name: x})[0]

    def unload(self) -> None:
        with self._lock:
            self._session = None


class OnnxEmbedder:
    """CLIP image and text towers on ONNX Runtime."""

    def __init__(self, folder: ModelFolder, *, threads: int | None = None, device: str | None = None,
                 cache_dir: Path | None = None, visual_threads: int | None = None,
                 tables_dir: Path | None = None):
        """threads: intra-op threads of both towers (default: all cores); visual_threads
        overrides the image tower's (the indexer leaves cores to its decode workers);
        tables_dir: where the tokenizer keeps its word tables (the model cache)."""
        self.folder = folder
        self._config = folder.config
        threads = threads or max(1, (os.cpu_count() or 2))
        providers = choose_providers(device)
        self._visual = _Tower(folder.visual, threads=visual_threads or threads, providers=providers,
                              cache_dir=cache_dir)
        self._textual = _Tower(folder.textual, threads=threads, providers=providers, cache_dir=cache_dir)
        self._tokenizer: ClipTokenizer | None = None
        self._tok_lock = threading.Lock()
        self._tables_dir = tables_dir

    @property
    def model_id(self) -> str:
        return self._config.model_id

    @property
    def dim(self) -> int:
        return self._config.dim

    @property
    def config(self) -> ModelConfig:
        return self._config

    @property
    def visual_threads(self) -> int:
        """The image tower's intra-op threads (the indexer runs batches side by side on it)."""
        return self._visual._threads

    @property
    def tokenizer(self) -> ClipTokenizer:
        with self._tok_lock:
            if self._tokenizer is None:
                c = self._config
                self._tokenizer = ClipTokenizer(
                    self.folder.tokenizer, context_length=c.context_length, sot_id=c.sot_token_id,
                    eot_id=c.eot_token_id, pad_id=c.pad_token_id, clean=c.text_clean, tables_dir=self._tables_dir,
                )
            return self._tokenizer

    def embed_pixels(self, pixels: np.ndarray) -> np.ndarray:
        if len(pixels) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(self._visual.run(np.ascontiguousarray(pixels, dtype=np.float32)))

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.embed_pixels(np.stack([preprocess(im, self._config) for im in images]))

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(self._textual.run(self.tokenizer(texts)))

    def warm_up(self, *, visual: bool = True, textual: bool = True) -> None:
        """Load the sessions now (e.g. in a background thread) instead of at first use."""
        if textual:
            self._textual.session()
        if visual:
            self._visual.session()

    def unload(self) -> None:
        self._visual.unload()
        self._textual.unload()
