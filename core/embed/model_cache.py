"""What a model costs to start, computed once per model and kept in the models folder.

Two things are slow on a model's first use: ONNX Runtime optimising its graphs (~2-3 s for
ViT-B-32) and embedding the vocabulary's ~200 terms and query bank (~2 s). Both depend on
the model alone, not on a library, so they live in `<models dir>/.cache/`, one folder per
model, shared by every library (data dir) on it:

    <models dir>/.cache/<model id>-<key>/model.json          what the key was made of
    <models dir>/.cache/<model id>-<key>/vocab-*.npy          the vocabulary's text vectors
    <models dir>/.cache/<model id>-<key>/bpe-*                the tokenizer's word tables
    <models dir>/.cache/<model id>-<key>/ort-<version>/*.opt.onnx   optimised graphs
    <models dir>/.cache/<model id>-<key>/ort-<version>/*.opt.data   their weights

The key digests the model folder's path and the size and mtime of each of its files, so a
re-fetched or re-exported model gets a new folder (the old one is removed); the optimised
graphs sit under the ONNX Runtime version that wrote them, so an upgrade re-optimises
instead of loading a graph the new runtime may read differently (the old version's folder
is removed). Writers write to a temp name and rename (graph_cache, vocab), so concurrent
starts never see a half-written file. A models folder that cannot be written gives no
cache (a debug line), never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..atomic_file import write_atomic
from .model_files import (
    CONFIG_FILE,
    QUERY_BANK_FILE,
    TEXTUAL_FILE,
    TOKENIZER_FILE,
    VISUAL_FILE,
    ModelFolder,
)

log = logging.getLogger(__name__)

CACHE_DIR = ".cache"
META_FILE = "model.json"
KEYED_FILES = (CONFIG_FILE, VISUAL_FILE, TEXTUAL_FILE, TOKENIZER_FILE, QUERY_BANK_FILE)
LEGACY_GRAPHS = "ort-cache"  # data_dir/ort-cache/<model>: the optimised graphs before
LEGACY_VOCAB = "cache"  # data_dir/cache/vocab-*.npy: the vocabulary vectors before


def ort_version() -> str:
    """The version of the ONNX Runtime that loads (and so writes) optimised graphs."""
    from ..ort_runtime import ort

    return str(ort.__version__)


def model_key(folder: ModelFolder) -> dict[str, object]:
    """What identifies a model on disk: its id, its folder, each file's size and mtime."""
    files: dict[str, list[int]] = {}
    for name in KEYED_FILES:
        try:
            st = (folder.path / name).stat()
        except OSError:
            continue  # the query bank is optional
        files[name] = [st.st_size, st.st_mtime_ns]
    return {"model_id": folder.config.model_id, "path": str(folder.path.resolve()), "files": files}


def _safe(model_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id)


@dataclass(frozen=True)
class ModelCache:
    """One model's cache folder (may be read-only: writers then skip, with a debug line)."""

    root: Path
    runtime: str

    @property
    def vectors_dir(self) -> Path:
        """Where the vocabulary's text vectors go (they do not depend on the runtime)."""
        return self.root

    @property
    def tokenizer_dir(self) -> Path:
        """Where the tokenizer's word tables go (core/embed/bpe_tables.py)."""
        return self.root

    @property
    def graphs_dir(self) -> Path:
        """Where this ONNX Runtime's optimised graphs go."""
        return self.root / f"ort-{_safe(self.runtime)}"

    @classmethod
    def open(cls, models_dir: Path, folder: ModelFolder, *, runtime: str | None = None) -> ModelCache | None:
        """The cache of `folder` in `models_dir`, created if missing; None if it can be
        neither created nor read. Stale siblings (the same model folder before it changed,
        or a folder that is gone) and other runtimes' graphs are removed on creation."""
        runtime = runtime or ort_version()
        key = model_key(folder)
        digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        base = Path(models_dir) / CACHE_DIR
        root = base / f"{_safe(folder.config.model_id)}-{digest}"
        cache = cls(root, runtime)
        if root.is_dir():
            cache._drop_other_runtimes()
            return cache
        try:
            root.mkdir(parents=True, exist_ok=True)
            write_atomic(root / META_FILE, json.dumps(key, indent=1, sort_keys=True).encode())
        except OSError as exc:
            log.debug("no model cache in %s: %s", base, exc)
            return None
        _drop_stale(base, root, str(key["path"]))
        return cache

    def _drop_other_runtimes(self) -> None:
        try:
            others = [p for p in self.root.glob("ort-*") if p.is_dir() and p != self.graphs_dir]
        except OSError:
            return
        for other in others:
            log.info("removing optimised graphs of another ONNX Runtime: %s", other)
            shutil.rmtree(other, ignore_errors=True)


def _drop_stale(base: Path, keep: Path, path: str) -> None:
    """Remove the caches of this model folder before it changed, and of folders now gone."""
    try:
        siblings = [p for p in base.iterdir() if p.is_dir() and p != keep]
    except OSError:
        return
    for sibling in siblings:
        try:
            old = json.loads((sibling / META_FILE).read_text(encoding="utf-8")).get("path", "")
        except (OSError, ValueError, AttributeError):
            continue  # being created by another process, or not ours: leave it
        if old == path or not Path(old).is_dir():
            log.info("removing the stale model cache %s", sibling)
            shutil.rmtree(sibling, ignore_errors=True)


def drop_legacy_caches(data_dir: Path) -> None:
    """Remove what older versions cached inside a data dir (the optimised graphs, ~150 MB
    per model, and the vocabulary vectors): they are rebuilt once in the models cache
    rather than reused, since nothing recorded which ONNX Runtime wrote those graphs."""
    legacy = Path(data_dir) / LEGACY_GRAPHS
    if legacy.is_dir():
        log.info("removing %s: optimised graphs are cached per model in the models folder now", legacy)
        shutil.rmtree(legacy, ignore_errors=True)
    vocab = Path(data_dir) / LEGACY_VOCAB
    try:
        old = list(vocab.glob("vocab-*.npy"))
    except OSError:
        return
    for f in old:
        f.unlink(missing_ok=True)
    if old:
        try:
            vocab.rmdir()  # only when nothing else is there
        except OSError:
            pass
