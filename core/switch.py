"""A model switch that costs nothing visible: the previous model serves until the new one
has embedded everything.

When the user picks another model (`Library.use_model`), the settings remember the model
whose vectors cover the library (`previous_model`). Indexing then embeds every indexed file
with the new model in the background (core/indexer.py `reembed`: the files stay indexed,
each committed batch takes them off the list, so a kill -9 resumes where it was). Meanwhile
a search asks both models: the new one over what it has embedded, the previous one over the
rest, merged on one scale (core/query/merge.py). When the new model covers the library the
previous model's vectors are deleted, unless the user keeps them to switch back instantly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .catalog import STATUS_INDEXED, Catalog
from .config import Settings
from .errors import ModelFormatError, PhotolensError, QueryError
from .query.merge import merge_results
from .query.model import SearchQuery, SearchResults
from .session import ModelSession, SessionSpec, vectors_file

MERGE_DEFAULT = "rank"  # measured a hair better than "z" (tests/bench/switch_eval.py; README, "Switching models")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SwitchStatus:
    """Where a switch stands: `done` of `total` items have the new model's vectors."""

    previous: str  # the model serving the rest (its name, or its folder)
    current: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def complete(self) -> bool:
        return self.done >= self.total

    def to_json(self) -> dict[str, object]:
        return {"previous": self.previous, "current": self.current, "done": self.done, "total": self.total}


@dataclass(frozen=True)
class ModelUse:
    """A model's disk use in this library: vectors in the catalog and its vector index."""

    model_id: str
    vectors: int
    catalog_bytes: int
    index_bytes: int

    @property
    def bytes(self) -> int:
        return self.catalog_bytes + self.index_bytes


def validate_model(session: ModelSession) -> str:
    """Load a model the user chose and check it answers with vectors of its stated size:
    a clear error (ModelFormatError) if not, before anything else changes. Its id."""
    try:
        emb = session.embedder
        probe = emb.embed_texts(["a photo"])
    except PhotolensError:
        raise
    except Exception as exc:  # onnxruntime and friends raise their own
        raise ModelFormatError(f"The model in {session.model_dir() or session.spec.model} cannot be used: "
                               f"{exc}") from exc
    if probe.ndim != 2 or probe.shape[1] != emb.dim:
        raise ModelFormatError(f"The model {emb.model_id} says its vectors have {emb.dim} numbers but gives "
                               f"{probe.shape[-1]}: its config.json does not match its graphs.")
    return emb.model_id


def model_id_or_none(session: ModelSession) -> str | None:
    """A session's model id from its config (nothing loaded); None when its folder is gone."""
    try:
        return session.known_model_id()
    except PhotolensError as exc:
        log.warning("model %s cannot be used: %s", session.spec.model_path or session.spec.model, exc)
        return None


def settings_for_switch(old: Settings, name: str, path: str | None, *, keep_previous: bool,
                        covered: dict[str, int], ids: dict[tuple[str, str | None], str | None]) -> Settings:
    """The settings after choosing model `name` (or the folder `path`). The previous model
    becomes whichever of the current and the previous one covers more of the library
    (`covered`: vectors per model id; `ids`: (name, path) -> model id); none when it covers
    nothing, or when it is the chosen model itself (switching back)."""
    chosen = ids.get((name, path))
    candidates = [(old.model, old.model_path)]
    if old.previous_model:
        candidates.append((old.previous_model, old.previous_model_path))
    best: tuple[str, str | None] | None = None
    best_count = 0
    for cand in candidates:
        mid = ids.get(cand)
        count = covered.get(mid, 0) if mid else 0
        if mid is None or mid == chosen or count == 0:
            continue
        if count > best_count:
            best, best_count = cand, count
    return old.with_changes(
        model=name, model_path=path, previous_model=best[0] if best else None,
        previous_model_path=best[1] if best else None, keep_previous_model=keep_previous,
    )


Runner = Callable[[ModelSession, "np.ndarray | None"], SearchResults]


class ModelSwitch:
    """The previous model's session while a switch is on, what only it can rank, and the
    merged search."""

    def __init__(self, catalog: Catalog, strategy: str = MERGE_DEFAULT):
        self.catalog = catalog
        self.strategy = strategy
        self._session: ModelSession | None = None
        # (index sizes, what the new model ranks, what only the previous one can)
        self._within: tuple[tuple[int, int], np.ndarray, np.ndarray] | None = None
        self._guard = threading.Lock()
        self.failed: str | None = None  # why the new model could not search (the previous one served)

    def session(self, spec: SessionSpec | None, reuse: ModelSession | None = None) -> ModelSession | None:
        """The previous model's session for `spec` (None: no switch). `reuse`: a session
        already built for the same spec (the model just left: its model stays loaded)."""
        with self._guard:
            if spec is None:
                self._session = self._within = None
            elif self._session is None or self._session.spec != spec:
                self._session = reuse if reuse is not None and reuse.spec == spec else ModelSession(spec, self.catalog)
                self._within = None
            return self._session

    def partition(self, current: ModelSession, previous: ModelSession) -> tuple[np.ndarray, np.ndarray]:
        """(items the new model ranks, items only the previous one can), read from the two
        vector indexes at one moment: each picture is in exactly one part, even while the
        indexer adds a batch (the catalog commits a batch before the index holds it).
        Cached until either index changes size."""
        new, old = current.vectors, previous.vectors
        counts = (len(new), len(old))
        with self._guard:
            if self._within is None or self._within[0] != counts:
                new_keys = new.keys()
                self._within = (counts, new_keys, np.setdiff1d(old.keys(), new_keys, assume_unique=True))
            return self._within[1], self._within[2]

    def search(self, query: SearchQuery, current: ModelSession, previous: ModelSession, run: Runner) -> SearchResults:
        """The new model over what it embedded, the previous one over the rest, as one list.
        A new model that fails to load or run: the previous one serves every picture."""
        old_id = model_id_or_none(previous)
        if old_id is None:
            return run(current, None)
        try:
            ranked_new, only_old = self.partition(current, previous)
            new = run(current, ranked_new)
        except QueryError:
            raise
        except (PhotolensError, RuntimeError, OSError) as exc:
            if self.failed is None:
                log.warning("the new model cannot search (%s): the previous model serves meanwhile", exc)
            self.failed = str(exc)
            return run(previous, None)
        self.failed = None
        if not new.ranked:  # a listing by date: every indexed file already, whatever the model
            return new
        if not len(only_old):
            return new
        return merge_results(new, run(previous, only_old), max(1, query.limit), self.strategy)

    def status(self, current: ModelSession, previous: ModelSession, current_label: str,
               previous_label: str) -> SwitchStatus | None:
        """n of N files the new model has embedded (None: it cannot be read)."""
        new_id = model_id_or_none(current)
        if new_id is None:
            return None
        total = self.catalog.counts().get(STATUS_INDEXED, 0)
        left = self.catalog.count_unembedded(new_id)
        return SwitchStatus(previous_label, current_label, total - left, total)

    def finished(self, current: ModelSession, previous: ModelSession, keep: bool) -> bool:
        """True when the new model covers the library (nothing pending, nothing left to
        re-embed); then the previous model's vectors go, unless `keep`."""
        new_id = model_id_or_none(current)
        if new_id is None or self.catalog.count_pending() or self.catalog.count_unembedded(new_id):
            return False
        old_id = model_id_or_none(previous)
        if old_id is not None and old_id != new_id and not keep:
            removed = self.catalog.delete_model_vectors(old_id)
            path = vectors_file(previous.spec.data_dir, old_id)
            for part in path.parent.glob(path.name + "*"):  # the index and its check file
                part.unlink(missing_ok=True)
            log.info("switch to %s done: %d vectors of %s deleted", new_id, removed, old_id)
        self.session(None)
        return True


def disk_use(catalog: Catalog, data_dir: Path) -> list[ModelUse]:
    """Every model with vectors in this library, and the disk they take."""
    out = []
    for model_id, (count, nbytes) in sorted(catalog.model_vector_bytes().items()):
        index = vectors_file(data_dir, model_id)
        out.append(ModelUse(model_id, count, nbytes, index.stat().st_size if index.exists() else 0))
    return out
