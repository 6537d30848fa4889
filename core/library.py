"""Library: the one facade the CLI and the GUI use.

`Library.open(data_dir)` builds the object graph: settings, the SQLite catalog, the
writer lock, and (lazily, on first need) the embedder and the vector index. A second
process finds the lock taken and opens read-only: it can search but not index.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .analyzers import Analyzer
from .catalog import (
    STATUS_ERROR,
    STATUS_INDEXED,
    STATUS_OFFLINE,
    STATUS_PENDING,
    Catalog,
    FolderRecord,
)
from .config import (
    Settings,
    default_data_dir,
    default_models_dir,
    ensure_private_dir,
    load_settings,
    save_settings,
)
from .embed.base import Embedder
from .embed.model_files import ModelFolder
from .errors import (
    CatalogError,
    LibraryLockedError,
    OcrUnavailableError,
    PhotolensError,
    ReadOnlyError,
    StorageError,
)
from .faces.people import People
from .gate import OpenGate
from .indexer import Indexer, IndexReport
from .lock import LockUnavailableError, WriterLock
from .model_speed import best_speed
from .ocr.store import TextIndex
from .places.geocode import Geocoder
from .places.store import PlaceIndex
from .progress import Controls, ProgressCallback
from .query.hubness import HubIndex
from .query.model import Filters, SearchQuery, SearchResults
from .query.search import run_search
from .query.terms import TermsCache
from .query.vocab import Vocabulary
from .scanner import is_pseudo_filesystem
from .session import ModelSession, SessionSpec
from .switch import (
    ModelSwitch,
    ModelUse,
    RunMeter,
    SwitchStatus,
    disk_use,
    model_id_or_none,
    settings_for_switch,
    validate_model,
)
from .vectors import VectorStore

if TYPE_CHECKING:
    from .cluster.options import ClusterOptions
    from .cluster.run import ClusterStage

log = logging.getLogger(__name__)

CATALOG_FILE = "catalog.db"
DISK_FULL_BYTES = 1 << 20  # less free space than this, and a catalog that will not open, is a full disk


def _cluster_run(stage: ClusterStage) -> Callable[..., Any]:  # an indexer embed run
    import functools

    from .cluster.run import ClusterEmbedRun

    return functools.partial(ClusterEmbedRun, stage=stage)


def disk_full(exc: BaseException) -> bool:
    """Whether an error is a full disk (SQLite's SQLITE_FULL, or ENOSPC / EDQUOT)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None
LOCK_FILE = "photolens.lock"


@dataclass(frozen=True)
class LibraryStatus:
    """Everything `photolens status` shows."""

    data_dir: str
    read_only: bool
    model: str
    model_path: str | None
    model_installed: bool
    folders: tuple[FolderRecord, ...]
    indexed: int
    pending: int
    errors: tuple[tuple[str, str], ...]
    offline: int
    vectors: int
    index_bytes: int
    catalog_bytes: int
    error_count: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    people: int = 0  # people found (named or not, hidden ones too)
    faces: int = 0
    analysis_errors: tuple[tuple[str, str, str], ...] = ()  # (path, analyzer, reason): searchable anyway
    analysis_error_count: int = 0
    text_pictures: int = 0  # pictures (and video frames) whose text was read (core/ocr)
    ocr: bool = True  # whether text in pictures is read (the `ocr` setting)
    placed: int = 0  # pictures with a named place (core/places)
    switch: SwitchStatus | None = None  # a model switch in progress (core/switch.py)
    models: tuple[ModelUse, ...] = ()  # each model with vectors here, and its disk use

    def to_json(self) -> dict[str, object]:
        return {
            "data_dir": self.data_dir, "read_only": self.read_only, "model": self.model,
            "model_path": self.model_path, "model_installed": self.model_installed,
            "folders": [{"path": f.path, "online": f.online} for f in self.folders],
            "indexed": self.indexed, "pending": self.pending, "offline": self.offline,
            "errors": [{"path": p, "reason": r} for p, r in self.errors], "error_count": self.error_count,
            "vectors": self.vectors, "index_bytes": self.index_bytes, "catalog_bytes": self.catalog_bytes,
            "notes": list(self.notes), "people": self.people, "faces": self.faces,
            "analysis_errors": [{"path": p, "analyzer": a, "reason": r} for p, a, r in self.analysis_errors],
            "analysis_error_count": self.analysis_error_count,
            "text_pictures": self.text_pictures, "ocr": self.ocr, "placed": self.placed,
            "switch": self.switch.to_json() if self.switch else None,
            "models": [{"model_id": m.model_id, "vectors": m.vectors, "bytes": m.bytes} for m in self.models],
        }


class Library:
    """A user's indexed media: folders, catalog, vectors and the model that made them."""

    def __init__(
        self,
        data_dir: Path,
        settings: Settings,
        catalog: Catalog,
        lock: WriterLock | None,
        *,
        models_dir: Path,
        model_path: Path | None = None,
        embedder: Embedder | None = None,
    ):
        self.data_dir = data_dir
        self.catalog = catalog
        self._lock = lock
        self.models_dir = models_dir
        self._settings = settings
        self._model_path = model_path
        self._guard = threading.RLock()
        self._gate = OpenGate()  # search, status and indexing finish before the catalog closes
        self._session = ModelSession(self._spec(), catalog, embedder=embedder)
        self._switch = ModelSwitch(catalog)  # the previous model, while a new one re-embeds
        self._analyzers: dict[str, Analyzer] = {}
        self._people: People | None = None
        self.read_only_reason: str | None = None  # why it opened read-only (shown when a write is refused)
        self._ocr_warned = False
        self._geocoder: Geocoder | None = None  # its GeoNames tables load once, on first use
        self._terms = TermsCache()  # the names the query planner knows, read again on change
        self.notes: list[str] = []

    # -- construction --------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        data_dir: Path | str | None = None,
        *,
        model: str | None = None,
        model_path: Path | str | None = None,
        read_only: bool | None = None,
        embedder: Embedder | None = None,
        models_dir: Path | str | None = None,
    ) -> Library:
        """Open (creating if needed) the library in `data_dir`.

        read_only=None: write if the lock is free, else read-only with a note;
        read_only=False: raise LibraryLockedError if another process writes.
        """
        data_dir = Path(data_dir).expanduser() if data_dir else default_data_dir()
        ensure_private_dir(data_dir)
        lock: WriterLock | None = None
        notes: list[str] = []
        unwritable = False
        if read_only is not True:
            lock = WriterLock(data_dir / LOCK_FILE)
            try:
                acquired = lock.acquire()
            except LockUnavailableError as exc:
                why = f"{data_dir} cannot be written to ({exc.strerror})"
                if read_only is False or not (data_dir / CATALOG_FILE).exists():
                    raise PhotolensError(f"Cannot open the library for writing: {why}. Choose another folder "
                                         "with --data-dir, or make this one writable.") from exc
                notes.append(f"Opened read-only: {why}. Searching works; nothing can be indexed or changed.")
                log.warning(notes[-1])
                acquired, lock, unwritable = True, None, True
            if lock is not None and not acquired:
                pid = lock.holder_pid()
                msg = f"another Photolens process{f' (pid {pid})' if pid else ''} is writing to {data_dir}"
                if read_only is False:
                    raise LibraryLockedError(f"Cannot open for writing: {msg}")
                notes.append(f"Opened read-only: {msg}. Searching works; indexing is up to that process.")
                log.warning(notes[-1])
                lock = None
        ro = lock is None
        catalog_path = data_dir / CATALOG_FILE
        if ro and not catalog_path.exists():
            raise PhotolensError(f"No library in {data_dir} yet, and another process holds its lock")
        try:
            settings = load_settings(data_dir, notes, repair=not ro)
            if model:
                settings = settings.with_changes(model=model)
            try:
                catalog = Catalog(catalog_path, read_only=ro, immutable=unwritable)
            except CatalogError:
                free = _free_bytes(data_dir)
                if ro or free is None or free > DISK_FULL_BYTES or not catalog_path.exists():
                    raise
                # SQLite cannot even make its WAL files: search what is there, write nothing.
                # Immutable is safe: this process holds the writer lock, nobody else writes.
                notes.append(f"The disk holding {data_dir} is full ({free // 1024} KB free): searching works; "
                             "indexing resumes once some space is freed.")
                log.warning(notes[-1])
                catalog = Catalog(catalog_path, immutable=True)
                unwritable = True
        except Exception:
            if lock:
                lock.release()
            raise
        if unwritable and lock is not None:
            lock.release()
            lock = None
        lib = cls(
            data_dir, settings, catalog, lock,
            models_dir=Path(models_dir) if models_dir else default_models_dir(),
            model_path=Path(model_path).expanduser() if model_path else (
                Path(settings.model_path) if settings.model_path else None),
            embedder=embedder,
        )
        lib.notes.extend(notes)
        lib.read_only_reason = next((n for n in notes if n.startswith(("Opened read-only", "The disk"))), None)
        return lib

    def close(self) -> None:
        """Wait for searches and indexing runs in other threads, then save and close.

        Stop a watch first (its controls): close waits for it. Later calls raise
        LibraryClosedError instead of touching a closed database.
        """
        if self._gate.closed:
            return
        self._gate.close()
        with self._guard:
            try:
                self._session.save()  # a full disk: StorageError, after the rest is closed
            finally:
                self.catalog.close()
                if self._lock:
                    self._lock.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_rest: object) -> None:
        if exc_type is None:
            self.close()
            return
        try:  # an error is on its way out: closing must not replace it with its own
            self.close()
        except PhotolensError as exc:
            log.warning("while closing the library: %s", exc)

    @property
    def read_only(self) -> bool:
        return self._lock is None

    # -- settings and the model session -------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def model_path(self) -> Path | None:
        """The model folder in use when one was given (settings or --model-path), else None."""
        return self._model_path

    @property
    def session(self) -> ModelSession:
        """The current model's pieces; take it once per operation, a swap replaces it whole."""
        return self._session

    def _spec(self) -> SessionSpec:
        return SessionSpec.of(self._settings, data_dir=self.data_dir, models_dir=self.models_dir,
                              model_path=self._model_path, read_only=self.read_only)

    def save_settings(self, settings: Settings) -> None:
        """Persist settings and apply them (a new model swaps the session)."""
        self._writable()
        save_settings(self.data_dir, settings)
        self.apply_settings(settings)

    def apply_settings(self, settings: Settings) -> None:
        """Use these settings in this process (a read-only library: for this session only).

        When a model setting changed, the model session is rebuilt in this one call: the
        old one saves its vector index, and indexing and search use the new model only.
        Call it between indexing runs (the app's writer thread does).
        """
        with self._guard:
            old = self._settings
            self._settings = settings
            if settings.model_path != old.model_path:
                self._model_path = Path(settings.model_path).expanduser() if settings.model_path else None
            spec = self._spec()
            if spec != self._session.spec:
                self._session.save()
                self._session = ModelSession(spec, self.catalog)
                log.info("model session rebuilt for %s", spec.model_path or spec.model)

    def model_folder(self) -> ModelFolder:
        return self._session.model_folder()

    # -- switching models (core/switch.py) -------------------------------------------------
    def _previous_spec(self) -> SessionSpec | None:
        s = self._settings
        if not s.previous_model:
            return None
        path = Path(s.previous_model_path).expanduser() if s.previous_model_path else None
        return SessionSpec.of(s.with_changes(model=s.previous_model), data_dir=self.data_dir,
                              models_dir=self.models_dir, model_path=path, read_only=self.read_only)

    def previous_session(self) -> ModelSession | None:
        """The model that serves what the current one has not embedded yet (None: no switch)."""
        return self._switch.session(self._previous_spec())

    def use_model(self, name: str | None = None, path: Path | str | None = None, *,
                  keep_previous: bool = False) -> Settings:
        """Switch to the known model `name` or the model folder `path`. The model is loaded
        and checked first (a clear error, and nothing changes, if it cannot be used); then
        the next index run re-embeds the library with it in the background while the model
        in use now keeps serving what it has not embedded yet. keep_previous: keep the old
        vectors after the switch, to switch back instantly."""
        self._writable()
        with self._guard:
            # the model in use, whether the settings or --model-path named its folder
            old = self._settings.with_changes(model_path=str(self._model_path) if self._model_path else None)
            name = name or old.model
            folder = str(Path(path).expanduser().resolve()) if path else None
            chosen = replace(self._spec(), model=name, model_path=Path(folder) if folder else None)
            candidate = ModelSession(chosen, self.catalog)
            validate_model(candidate)
            pairs = {(name, folder), (old.model, old.model_path)}
            if old.previous_model:
                pairs.add((old.previous_model, old.previous_model_path))

            def model_id(pair: tuple[str, str | None]) -> str | None:
                if pair == (name, folder):
                    return candidate.model_id
                if pair == (old.model, old.model_path):
                    return model_id_or_none(self._session)
                spec = replace(self._spec(), model=pair[0], model_path=Path(pair[1]) if pair[1] else None)
                return model_id_or_none(ModelSession(spec, self.catalog))

            ids = {pair: model_id(pair) for pair in pairs}
            covered = {mid: n for mid, (n, _) in self.catalog.model_vector_bytes().items()}
            new = settings_for_switch(old, name, folder, keep_previous=keep_previous, covered=covered, ids=ids)
            leaving = self._session
            self.save_settings(new)
            if self._session.spec == candidate.spec:
                self._session = candidate  # loaded once already, for the check
            self._switch.session(self._previous_spec(), reuse=leaving)
            log.info("model %s in use%s", folder or name,
                     f"; {new.previous_model_path or new.previous_model} serves until it covers the library"
                     if new.previous_model else "")
            return new

    def switch_status(self) -> SwitchStatus | None:
        """Where a model switch stands (None: none in progress)."""
        previous = self.previous_session()
        if previous is None:
            return None
        s = self._settings
        new_id = model_id_or_none(self._session)
        measured = best_speed(self.models_dir, new_id) if new_id else None
        return self._switch.status(self._session, previous, s.model_path or s.model,
                                   s.previous_model_path or s.previous_model or "", measured)

    def models_disk_use(self) -> list[ModelUse]:
        """Each model with vectors here, and the disk they take (catalog and vector index)."""
        return disk_use(self.catalog, self.data_dir)

    def _maybe_finish_switch(self) -> None:
        previous = self.previous_session()
        if previous is None or self.read_only:
            return
        if self._switch.finished(self._session, previous, keep=self._settings.keep_previous_model):
            self.save_settings(self._settings.with_changes(previous_model=None, previous_model_path=None))

    @property
    def embedder(self) -> Embedder:
        return self._session.embedder

    @property
    def model_id(self) -> str:
        return self._session.model_id

    @property
    def vectors(self) -> VectorStore:
        return self._session.vectors

    @property
    def vocabulary(self) -> Vocabulary:
        return self._session.vocabulary

    @property
    def hubs(self) -> HubIndex:
        return self._session.hubs

    def hubness_by_default(self) -> bool:
        return self._session.hubness_by_default()

    # -- folders ----------------------------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(self.read_only_reason or
                                "This library is open read-only (another Photolens process is writing to it)")

    def add_folder(self, path: Path | str) -> FolderRecord:
        self._writable()
        p = Path(path).expanduser()
        if not p.is_dir():
            raise PhotolensError(f"{p} is not a folder")
        if is_pseudo_filesystem(p):
            raise PhotolensError(f"{p} is a system file system (like /proc, /sys or /dev), not a picture folder")
        resolved = str(p.resolve())
        for f in self.catalog.folders():
            if resolved == f.path or resolved.startswith(f.path.rstrip(os.sep) + os.sep):
                return f  # already covered by that folder
        self.catalog.add_folder(resolved)
        record = self.catalog.folder_by_path(resolved)
        assert record is not None
        return record

    def remove_folder(self, path: Path | str) -> None:
        """Forget a folder: its files leave the catalog and their vectors the index."""
        self._writable()
        resolved = str(Path(path).expanduser().resolve())
        record = self.catalog.folder_by_path(resolved) or self.catalog.folder_by_path(str(path))
        if record is None:
            raise PhotolensError(f"{path} is not one of the library's folders")
        with self._guard:
            self.catalog.remove_folder(record.id)
            orphans = self.catalog.orphan_items()
            self.catalog.delete_items(orphans)
            vectors = self._session.vectors_loaded
            if vectors is not None and orphans:
                vectors.remove(np.asarray(orphans, dtype=np.uint64))
                vectors.save()

    def folders(self) -> list[FolderRecord]:
        return self.catalog.folders()

    # -- indexing -------------------------------------------------------------------------
    def indexer(self, cluster: ClusterStage | None = None) -> Indexer:
        """The indexer; with `cluster`, its decode and embed run on that stage."""
        self._writable()
        s, session = self.settings, self._session
        return Indexer(
            self.catalog, session.vectors, session.embedder, batch_size=s.batch_size,
            decode_workers=s.decode_workers, low_priority=s.low_priority, exclude=s.exclude_patterns,
            analyzers=[*session.analyzers(), *self._builtin_analyzers(), *self._analyzers.values()],
            embed_run=_cluster_run(cluster) if cluster is not None else None,
        )

    def _builtin_analyzers(self) -> list[Analyzer]:
        """The analyzers every library runs, as its settings allow: faces (`faces`, when
        dlib is here) and text in pictures (`ocr`). One registered under the same name wins."""
        return [*self._face_analyzers(), *self._text_analyzers(), *self._place_analyzers()]

    def _place_analyzers(self) -> list[Analyzer]:
        """Places cost one k-d tree lookup per batch of positions (no worker process, no
        file read): always on, when the GeoNames package is here."""
        if "places" in self._analyzers:
            return []
        from .places.geocode import available

        ok, why = available()
        if not ok:
            log.warning("places are not named: %s", why)
            return []
        from .places.analyzer import PlacesAnalyzer

        if self._geocoder is None:
            self._geocoder = Geocoder()
        return [PlacesAnalyzer(self.catalog, self._geocoder)]

    def _face_analyzers(self) -> list[Analyzer]:
        if not self.settings.faces or "faces" in self._analyzers:
            return []
        from .faces.detect import available

        ok, why = available()
        if not ok:
            log.warning("faces are not looked for: %s", why)
            return []
        from .faces.analyzer import FaceAnalyzer

        return [FaceAnalyzer(self.people)]

    @property
    def people(self) -> People:
        """The faces and people of this library (core/faces/people.py)."""
        if self._people is None:
            self._people = People(self.catalog)
        return self._people

    @property
    def places(self) -> PlaceIndex:
        """Where this library's pictures were taken (core/places/store.py)."""
        return PlaceIndex(self.catalog)

    def _text_analyzers(self) -> list[Analyzer]:
        if not self.settings.ocr or "text" in self._analyzers:
            return []
        from .ocr.analyzer import TextAnalyzer
        from .ocr.engine import bundled_models

        try:
            bundled_models()
        except OcrUnavailableError as exc:
            if not self._ocr_warned:
                self._ocr_warned = True
                log.warning("Text in pictures is off: %s", exc)
                self.notes.append(f"Text in pictures is off: {exc}")
            return []
        return [TextAnalyzer(self.catalog)]

    def register_analyzer(self, analyzer: Analyzer) -> None:
        """Add an analyzer (one of a name: the newest replaces it); the next index run
        backfills it over every indexed item, then keeps it current."""
        self._analyzers[analyzer.name] = analyzer

    def index(self, progress: ProgressCallback | None = None, controls: Controls | None = None, *,
              cluster: ClusterOptions | None = None) -> IndexReport:
        """Scan every folder and embed what is new or changed (resumable at any point).

        cluster: decode and embed on a Ray cluster (the `cluster` extra); this process stays
        the catalog's only writer and everything else runs as without it.
        """
        with self._gate.enter(), self._disk_full_is_storage_error():
            meter = self._run_meter(progress)
            try:
                if cluster is None:
                    report = self.indexer().run(meter, controls)
                else:
                    report = self._index_on_cluster(cluster, meter, controls)
            finally:
                meter.finish()
            self._maybe_back_up(report.embedded + report.deleted + report.changed)
            if not report.cancelled:
                self._maybe_finish_switch()
            return report

    def _run_meter(self, progress: ProgressCallback | None) -> RunMeter:
        """The run's progress, noted for `photolens status` and this model's speed here."""
        return RunMeter(self.data_dir, self.models_dir, model_id_or_none(self._session), progress)

    @contextlib.contextmanager
    def _disk_full_is_storage_error(self) -> Iterator[None]:
        """A disk that fills during a run: SQLite rolls the batch back (everything committed
        before stays), and the error says what happened and what to do, not "damaged"."""
        try:
            yield
        except (sqlite3.OperationalError, OSError) as exc:
            if not disk_full(exc):
                raise
            free = _free_bytes(self.data_dir)
            where = f" ({free // 1024} KB free)" if free is not None else ""
            message = (f"The disk holding the library ({self.data_dir}) is full{where}: indexing stopped. "
                       "Everything indexed before is kept; free some space and index again to go on.")
            log.warning(message)
            raise StorageError(message) from exc

    def _index_on_cluster(self, options: ClusterOptions, progress: ProgressCallback | None,
                          controls: Controls | None) -> IndexReport:
        from .cluster.ray_stage import RayStage, connect

        self._writable()
        folder = self._session.model_folder()  # the workers run this model's exported image tower
        with connect(options) as ray:
            stage = RayStage(ray, options, folder, batch_size=self.settings.batch_size)
            return self.indexer(cluster=stage).run(progress, controls)

    def _maybe_back_up(self, changed: int) -> None:
        """A rolling backup of the catalog after a run: daily, or after many changes."""
        from . import backup

        if not self.read_only and backup.due(self.data_dir, changed):
            backup.back_up(self.catalog.conn, self.data_dir)  # (checks every page first)
        elif not self.read_only:
            checked = backup.last_health(self.data_dir)
            if checked is None or time.time() - checked[0] >= backup.EVERY_S:
                backup.record_health(self.data_dir, backup.healthy(self.catalog.conn))

    def watch(
        self,
        controls: Controls,
        progress: ProgressCallback | None = None,
        on_update: Callable[[IndexReport], None] | None = None,
        *,
        debounce_s: float | None = None,
    ) -> None:
        """Reconcile, then keep indexing changes as they happen until controls.stop()."""
        from .watcher import DEBOUNCE_S, LiveIndexer

        meter = self._run_meter(progress)

        def updated(report: IndexReport) -> None:  # each live batch (and the first reconcile)
            meter.finish()
            self._maybe_back_up(report.embedded + report.deleted + report.changed)
            if not report.cancelled:
                self._maybe_finish_switch()  # the first reconcile re-embeds what a switch left
            if on_update is not None:
                on_update(report)

        with self._gate.enter(), self._disk_full_is_storage_error():
            try:
                LiveIndexer(self.indexer(), debounce_s=debounce_s or DEBOUNCE_S).run(controls, meter, updated)
            finally:
                meter.finish()

    # -- search ---------------------------------------------------------------------------
    def browse(self, filters: Filters | None = None, limit: int = 1000) -> SearchResults:
        """Every indexed picture and video passing `filters`, newest first (core/browse.py);
        needs no model."""
        from .browse import browse

        with self._gate.enter():
            return browse(self.catalog, filters, limit)

    def warm_up_in_background(self, *, textual: bool = True, visual: bool = False) -> threading.Thread:
        """Load the towers a search will need in a thread, now. ONNX Runtime builds a session
        without holding the GIL, so the tokenizer, the vector index and the planner's names
        load meanwhile (a one-shot `photolens search` waits for the longest, not the sum). A
        failure here is only logged: the search itself loads again and reports it."""

        def load() -> None:
            try:
                warm = getattr(self.embedder, "warm_up", None)
                if warm is not None:
                    warm(textual=textual, visual=visual)
            except Exception as exc:  # noqa: BLE001 - the search reports it, with its own message
                log.debug("background warm-up failed: %s", exc)

        thread = threading.Thread(target=load, name="photolens-warm-up", daemon=True)
        thread.start()
        return thread

    def search(self, query: SearchQuery | str, limit: int | None = None) -> SearchResults:
        """Run a query with the current model; a plain string gets the library's preferences."""
        if isinstance(query, str):
            query = self.settings.search_preferences().apply(SearchQuery(text=query))
        if limit is not None:
            query = replace(query, limit=limit)
        with self._gate.enter():
            session = self._session  # one model for the whole query, even if a swap happens meanwhile
            previous = self.previous_session()
            terms = self._terms.get(self.catalog)

            def run(s: ModelSession, within: np.ndarray | None) -> SearchResults:
                return run_search(query, self.catalog, s.vectors, s.embedder, s.vocabulary, hubs=lambda: s.hubs,
                                  hubness_by_default=s.hubness_by_default(), terms=terms, background=s.background,
                                  within=within)

            if previous is None:
                return run(session, None)
            return self._switch.search(query, session, previous, run)

    # -- status ---------------------------------------------------------------------------
    def status(self, max_errors: int = 1000) -> LibraryStatus:
        with self._gate.enter():
            return self._status(max_errors)

    def _status(self, max_errors: int) -> LibraryStatus:
        counts = self.catalog.counts()
        analysis_error_count, analysis_errors = self.catalog.analysis_errors(max_errors)
        try:
            folder = self.model_folder()
            installed, model_name = True, folder.config.name
            model_path: str | None = str(folder.path)
        except PhotolensError:
            installed, model_path = False, str(self.model_path) if self.model_path else None
            model_name = self.settings.model
        index_files = list(self.data_dir.glob("vectors-*.usearch"))
        catalog_bytes = sum(
            (self.data_dir / n).stat().st_size
            for n in (CATALOG_FILE, CATALOG_FILE + "-wal") if (self.data_dir / n).exists()
        )
        return LibraryStatus(
            data_dir=str(self.data_dir), read_only=self.read_only, model=model_name,
            model_path=model_path, model_installed=installed, folders=tuple(self.catalog.folders()),
            indexed=counts.get(STATUS_INDEXED, 0), pending=counts.get(STATUS_PENDING, 0),
            errors=tuple(self.catalog.errors(max_errors)), error_count=counts.get(STATUS_ERROR, 0),
            offline=counts.get(STATUS_OFFLINE, 0),
            vectors=self._vector_count(installed),
            index_bytes=sum(f.stat().st_size for f in index_files), catalog_bytes=catalog_bytes,
            notes=(*self.notes, *self._health_notes()), people=len(self.people.everyone(include_hidden=True)),
            faces=self.people.count_faces(), analysis_errors=tuple(analysis_errors),
            analysis_error_count=analysis_error_count,
            text_pictures=TextIndex(self.catalog).count(), ocr=self.settings.ocr,
            placed=PlaceIndex(self.catalog).count(), switch=self.switch_status(),
            models=tuple(self.models_disk_use()),
        )

    def _health_notes(self) -> list[str]:
        """What the last check of every catalog page found, when it found damage."""
        from . import backup

        checked = backup.last_health(self.data_dir)
        if checked is None or checked[1] is None:
            return []
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(checked[0]))
        return [f"The catalog is damaged (the check of {when} found: {checked[1][:200]}). Your pictures are "
                "safe: `photolens repair` restores the last good backup, keeps what can still be read and "
                "rescans your folders."]

    def _vector_count(self, installed: bool) -> int:
        loaded = self._session.vectors_loaded
        if loaded is not None:
            return len(loaded)
        if not installed:
            return 0
        try:
            return self.catalog.count_embeddings(self.model_folder().config.model_id)
        except PhotolensError:
            return 0
