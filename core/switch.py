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

import json
import logging
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .atomic_file import write_atomic
from .catalog import STATUS_INDEXED, Catalog
from .config import Settings
from .errors import ModelFormatError, PhotolensError, QueryError
from .model_speed import MIN_PICTURES, Speed, record_speed
from .progress import IndexProgress, ProgressCallback
from .query.merge import merge_results
from .query.model import SearchQuery, SearchResults
from .session import ModelSession, SessionSpec, vectors_file

MERGE_DEFAULT = "rank"  # measured a hair better than "z" (tests/bench/switch_eval.py; README, "Switching models")
PROGRESS_FILE = "switch-progress.json"  # in the data dir: the re-embedding run's rate, for `photolens status`
LIVE_S = 30.0  # a note older than this: no run is re-embedding now
NOTE_EVERY_S = 2.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SwitchStatus:
    """Where a switch stands: `done` of `total` items have the new model's vectors."""

    previous: str  # the model serving the rest (its name, or its folder)
    current: str
    done: int
    total: int
    rate: float | None = None  # pictures a second: of the run re-embedding now, else as measured here
    running: bool = False  # a run (the app, `photolens index` or `watch`) is re-embedding now

    @property
    def eta_s(self) -> float | None:
        """Seconds left at `rate` (None: no rate known)."""
        if self.complete:
            return 0.0
        return (self.total - self.done) / self.rate if self.rate else None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def complete(self) -> bool:
        return self.done >= self.total

    def to_json(self) -> dict[str, object]:
        return {"previous": self.previous, "current": self.current, "done": self.done, "total": self.total,
                "rate": self.rate, "running": self.running, "eta_s": self.eta_s}


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
               previous_label: str, measured: Speed | None = None) -> SwitchStatus | None:
        """n of N files the new model has embedded (None: it cannot be read), with the rate
        of the run re-embedding now, else `measured` (the new model's speed here)."""
        new_id = model_id_or_none(current)
        if new_id is None:
            return None
        total = self.catalog.counts().get(STATUS_INDEXED, 0)
        left = self.catalog.count_unembedded(new_id)
        status = SwitchStatus(previous_label, current_label, total - left, total,
                              rate=measured.img_s if measured else None)
        live = read_note(current.spec.data_dir, new_id)
        if live is not None and live > 0:
            status = replace(status, rate=live, running=True)
        return status

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


def _note_path(data_dir: Path) -> Path:
    return data_dir / PROGRESS_FILE


def read_note(data_dir: Path, model_id: str, now: float | None = None) -> float | None:
    """The rate of the run re-embedding with `model_id` now (None: none is, or the note is
    stale or unreadable)."""
    try:
        note = json.loads(_note_path(data_dir).read_text(encoding="utf-8"))
        if note["model_id"] != model_id or (now or time.time()) - float(note["at"]) > LIVE_S:
            return None
        return float(note["rate"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("switch progress note unreadable: %s", exc)
        return None


class RunMeter:
    """Wraps an index run's progress callback: keeps what other processes want to know of the
    run. A re-embedding pass leaves a note of its rate in the data dir every few seconds (the
    time left in `photolens status`, asked from another process); at the end of a run long
    enough to say, the end-to-end rate is recorded as the model's speed on this machine
    (core/model_speed.py)."""

    def __init__(self, data_dir: Path, models_dir: Path, model_id: str | None, inner: ProgressCallback | None):
        self.data_dir, self.models_dir, self.model_id, self.inner = data_dir, models_dir, model_id, inner
        self._last_note = 0.0
        self._rates: list[float] = []
        self._embedded = 0

    def __call__(self, p: IndexProgress) -> None:
        if self.inner is not None:
            self.inner(p)
        if p.phase not in ("index", "reembed") or self.model_id is None:
            return
        if p.done >= MIN_PICTURES // 2 and p.rate > 0:  # past the warm-up
            self._rates.append(p.rate)
            self._embedded = max(self._embedded, p.done)
        if p.phase == "reembed":
            now = time.time()
            if now - self._last_note >= NOTE_EVERY_S and p.rate > 0:
                self._last_note = now
                self._write_note({"model_id": self.model_id, "done": p.done, "total": p.total,
                                  "rate": p.rate, "at": now})

    def _write_note(self, note: dict[str, object]) -> None:
        try:
            write_atomic(_note_path(self.data_dir), json.dumps(note).encode())
        except OSError as exc:  # a read-only or full disk: status just shows no live rate
            log.debug("switch progress note not written: %s", exc)

    def finish(self) -> Speed | None:
        """The run ended (or a live batch did): drop the note, record the rate seen."""
        try:
            _note_path(self.data_dir).unlink(missing_ok=True)
        except OSError as exc:
            log.debug("switch progress note not removed: %s", exc)
        rates, self._rates = self._rates, []
        embedded, self._embedded = self._embedded, 0
        if self.model_id is None or embedded < MIN_PICTURES or not rates:
            return None
        return record_speed(self.models_dir, self.model_id, statistics.median(rates), "indexing")
