"""Analyzers: derived data per item, computed after the CLIP pass and kept up to date.

An analyzer has a name and a version. The indexer runs every analyzer after the
pictures of a run are embedded (so they are searchable first), at the indexer's low
priority, over each item that has a vector of the current model and no record of this
analyzer at this version: new items, and every older item when the analyzer is added
or its version changes (a backfill). A record is written per item once its results
are stored, so a killed or cancelled run resumes where it stopped.

Work that reads a file or decodes pixels (faces, text in pictures) is the function
`worker()` returns, run in crash-isolated worker processes; `store()` runs in the indexing
thread, the catalog's only writer, and writes the analyzer's own per-item table through
the catalog (`Catalog.ensure_item_table` / `replace_item_rows`; rows leave with their
items). Hub scores (core/query/hubness.py) are the first analyzer.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

from .catalog import AnalyzerItem, Catalog
from .embed.base import l2_normalize
from .media.workers import init_worker
from .progress import Controls, IndexProgress, ProgressCallback
from .query.hubness import HubIndex

log = logging.getLogger(__name__)

CANCEL_POLL_S = 0.1  # how often a batch in the workers looks whether the run was stopped


class Analyzer(ABC):
    """One kind of derived data. Subclasses set name, version and label."""

    name: str  # stable id of its records ("hubness/<model>", "faces")
    version: str  # a new version re-analyses every item
    label: str  # what the status bar says while it runs ("Finding faces")
    needs_vectors: bool = False  # store() gets the items' CLIP vectors (unit length)
    batch: int = 64  # items per store() and per progress report

    def worker(self) -> Callable[[AnalyzerItem], object] | None:
        """The per-item work that reads the file (decoding, detection), run in the worker
        processes: a module-level function or a functools.partial of one, so that it
        pickles (the analyzer itself holds the catalog and stays in the indexing thread).
        None: no per-item work, store() gets None for each item."""
        return None

    @abstractmethod
    def store(self, items: Sequence[AnalyzerItem], results: Sequence[object], vectors: np.ndarray | None) -> None:
        """Write the results of a batch through the catalog (the indexing thread)."""


class HubnessAnalyzer(Analyzer):
    """Hub scores of the model's items against its query bank (core/query/hubness.py)."""

    needs_vectors = True
    label = "Scoring generic pictures"
    batch = 4096  # one matrix product against the bank per batch

    def __init__(self, hubs: HubIndex):
        self.hubs = hubs
        self.name = f"hubness/{hubs.model_id}"
        self.version = hubs.key  # a new query bank rescores every item

    def store(self, items: Sequence[AnalyzerItem], results: Sequence[object], vectors: np.ndarray | None) -> None:
        assert vectors is not None
        self.hubs.record([i.item_id for i in items], vectors)


@dataclass
class AnalyzerReport:
    analyzed: int = 0
    failed: int = 0


def _work(work: Callable[[AnalyzerItem], object], item: AnalyzerItem) -> object:
    """In a worker process: the analyzer's work on one item; a failure is returned, not raised."""
    try:
        return work(item)
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
        return AnalysisFailed(f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class AnalysisFailed:
    reason: str


class AnalyzerStage:
    """Runs analyzers over the items that need them (the indexer's last stage)."""

    def __init__(self, catalog: Catalog, model_id: str, analyzers: Sequence[Analyzer], *, workers: int = 1,
                 low_priority: bool = True):
        self.catalog = catalog
        self.model_id = model_id
        self.analyzers = list(analyzers)
        self.workers = max(1, workers)
        self.low_priority = low_priority

    def pending(self) -> int:
        return sum(self.catalog.count_unanalyzed(a.name, a.version, self.model_id) for a in self.analyzers)

    def run(self, emit: ProgressCallback, controls: Controls) -> AnalyzerReport:
        report = AnalyzerReport()
        for analyzer in self.analyzers:
            if controls.cancel.is_set():
                break
            self._run_one(analyzer, emit, controls, report)
        return report

    def _run_one(self, analyzer: Analyzer, emit: ProgressCallback, controls: Controls,
                 report: AnalyzerReport) -> None:
        total = self.catalog.count_unanalyzed(analyzer.name, analyzer.version, self.model_id)
        if not total:
            return
        done = 0
        work = analyzer.worker()
        if work is not None:
            try:
                pickle.dumps(work)
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                raise TypeError(f"analyzer {analyzer.name}: its worker() must pickle ({exc})") from exc
        pool = self._pool() if work is not None else None
        try:
            while not controls.cancel.is_set():
                controls.resume.wait()
                items = self.catalog.unanalyzed_items(analyzer.name, analyzer.version, self.model_id,
                                                      analyzer.batch)
                if not items:
                    break
                results, pool = self._results(work, items, pool, controls)
                if results is None:  # stopped while the workers read: this batch stays to do
                    break
                vectors = self._vectors(items) if analyzer.needs_vectors else None
                ok = [i for i, r in enumerate(results) if not isinstance(r, AnalysisFailed)]
                for i, r in enumerate(results):
                    if isinstance(r, AnalysisFailed):
                        log.warning("%s failed on %s: %s", analyzer.name, items[i].path, r.reason)
                analyzer.store([items[i] for i in ok], [results[i] for i in ok],
                               vectors[ok] if vectors is not None else None)
                errors = {items[i].item_id: r.reason for i, r in enumerate(results) if isinstance(r, AnalysisFailed)}
                self.catalog.mark_analyzed(analyzer.name, analyzer.version, [i.item_id for i in items], errors)
                done += len(items)
                report.analyzed += len(ok)
                report.failed += len(items) - len(ok)
                emit(IndexProgress("analyze", done, total, current=analyzer.label, paused=controls.paused))
        finally:
            if pool is not None:  # stopped: the pictures being read finish on their own
                pool.shutdown(wait=not controls.cancel.is_set(), cancel_futures=True)
        log.info("%s: %d items analysed", analyzer.name, done)

    def _results(self, work: Callable[[AnalyzerItem], object] | None, items: list[AnalyzerItem],
                 pool: ProcessPoolExecutor | None,
                 controls: Controls) -> tuple[list[object] | None, ProcessPoolExecutor | None]:
        """The work's results for a batch, in order; None when the run is stopped meanwhile
        (a batch of OCR can take many seconds: Ctrl-C must not wait for it)."""
        if work is None or pool is None:
            return [None] * len(items), pool
        try:
            futures = [pool.submit(_work, work, item) for item in items]
            while wait(futures, timeout=CANCEL_POLL_S).not_done:
                if controls.cancel.is_set():
                    for f in futures:
                        f.cancel()
                    return None, pool
            return [f.result() for f in futures], pool
        except BrokenProcessPool:  # a crash on one of these files: go one by one in a fresh pool
            pool.shutdown(wait=False, cancel_futures=True)
            out: list[object] = []
            for item in items:
                pool = self._pool()
                try:
                    out.append(pool.submit(_work, work, item).result())
                except BrokenProcessPool:
                    out.append(AnalysisFailed("the analyzer crashed on this file"))
                finally:
                    pool.shutdown(wait=False, cancel_futures=True)
            return out, self._pool()

    def _vectors(self, items: list[AnalyzerItem]) -> np.ndarray:
        found = self.catalog.vectors([i.item_id for i in items], self.model_id)
        return l2_normalize(np.stack([found[i.item_id] for i in items]))

    def _pool(self) -> ProcessPoolExecutor:
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context(method),
                                   initializer=init_worker, initargs=(self.low_priority,))
