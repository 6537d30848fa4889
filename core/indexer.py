"""The indexing pipeline: scan -> hash + metadata -> decode (processes) -> embed (batched) -> commit.

One thread runs it and is the only writer of the catalog and the vector index. Decoding
runs in worker processes, a few batches ahead of the embedder, so decoding overlaps
inference and a decoder that crashes on a hostile file takes only a worker down.
Commits are batched; the vector index is saved every few seconds and at the end, and is
caught up from SQLite on open, so a kill at any moment loses no embedded work.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .catalog import Catalog, FileDone, FileRecord
from .embed.base import Embedder
from .errors import DecodeError
from .media.hashing import content_hashes, is_legacy
from .media.metadata import MediaMeta, read_media_metadata
from .media.video import MAX_FRAMES, sample_times
from .media.workers import (
    DecodedFrames,
    DecodeJob,
    decode_timed,
    init_worker,
    pool_context,
    ready,
    terminate_pool,
)
from .pipeline_balance import CostMeter, Split, plan_split
from .progress import Controls, IndexProgress, ProgressCallback, RateMeter
from .scanner import ScanPlan, plan_folder
from .vectors import VectorStore

if TYPE_CHECKING:
    from .analyzers import Analyzer

log = logging.getLogger(__name__)

SAVE_EVERY_S = 15.0
FIRST_BALANCE_BATCHES = 3  # measured after the first batch (its session load excluded), then re-planned
BALANCE_EVERY_BATCHES = 8
HASH_WORKERS = 1  # hashing + metadata (crash-isolated); 2 measured no better (README, Performance)
MAX_CRASHES_PER_FILE = 2
# A decode that has not answered in this long is stuck (a damaged file that loops the
# decoder, a drive that stopped answering): its workers are stopped and the file skipped
# with an error, so indexing never hangs on one file. A 12-MP JPEG takes ~30 ms, a long
# video's frames seconds.
DECODE_TIMEOUT_S = 300.0
HASH_TIMEOUT_S = 300.0  # the same for reading one file's content hash and metadata
HASH_S_PER_FILE = 2.0  # and a batch read in one go may take this much longer per file


@dataclass
class IndexReport:
    """What one indexing run did."""

    scanned: int = 0
    new: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    embedded: int = 0
    reused: int = 0
    errors: int = 0
    analyzed: int = 0  # analyses done in this run, one per item and analyzer (faces, text, places, ...)
    offline_folders: list[str] = field(default_factory=list)
    back_online: list[str] = field(default_factory=list)  # folders reachable again (a drive plugged in)
    cancelled: bool = False
    seconds: float = 0.0


@dataclass
class _Hashed:
    file: FileRecord
    hash: str | None
    meta: MediaMeta | None
    error: str | None
    legacy_hash: str | None = None  # the old algorithm's, when the catalog may know it so


def _hash_and_meta(file: FileRecord, legacy: bool = False) -> _Hashed:
    """legacy: hash it the old way too (core/media/hashing.py), in the same read."""
    try:
        digest, old = content_hashes(file.path, legacy=legacy)
    except FileNotFoundError:
        return _Hashed(file, None, None, "file disappeared before it could be read")
    except PermissionError:
        return _Hashed(file, None, None, "permission denied")
    except OSError as exc:
        return _Hashed(file, None, None, f"cannot read file: {exc.strerror or exc}")
    if file.size == 0:
        return _Hashed(file, digest, None, "empty file (0 bytes)", old)
    try:
        meta = read_media_metadata(file.path, fallback_time=file.mtime_ns / 1e9)
    except DecodeError as exc:
        return _Hashed(file, digest, None, str(exc), old)
    except Exception as exc:
        return _Hashed(file, digest, None, _describe_open_error(exc), old)
    return _Hashed(file, digest, meta, None, old)


def _describe_open_error(exc: Exception) -> str:
    from PIL import Image, UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):
        return "not a readable image (unknown format or wrong extension)"
    if isinstance(exc, Image.DecompressionBombError):
        return "image too large (decompression bomb guard)"
    return f"cannot read image: {exc}"


def warm_image_tower(embedder: Embedder) -> None:
    """Load the image tower in a thread while the worker pools start and the first files are
    hashed and decoded (~0.3 s for ViT-B-32 from its cached graph, on the first picture's
    path otherwise). The first batch waits for it under the tower's lock."""
    warm = getattr(embedder, "warm_up", None)
    if warm is None:
        return

    def run() -> None:
        try:
            warm(visual=True, textual=False)
        except Exception as exc:  # noqa: BLE001 - the first batch meets it again and reports it
            log.debug("image tower warm-up failed: %s", exc)

    threading.Thread(target=run, name="image-tower-warm-up", daemon=True).start()


def auto_decode_workers(cores: int | None = None) -> int:
    """Decode processes for this machine. On 2 cores (tests/bench/index_throughput.py, 12 MP
    JPEGs, ViT-B-32 int8) one or two workers beside a one-thread image tower index at the same
    rate within noise (23.3 and 23.5 img/s) and three tower threads lose (17 img/s); two
    workers keep decoding going while the model runs. Larger machines keep a core for it."""
    cores = cores or os.cpu_count() or 2
    return cores if cores <= 2 else min(cores - 1, 4)


def resolve_decode_workers(setting: int) -> int:
    """The settings' decode_workers: a positive count as given, 0 (or less) = auto_decode_workers()."""
    return setting if setting > 0 else auto_decode_workers()


def visual_threads(decode_workers: int, cores: int | None = None) -> int:
    """ORT intra-op threads for the image tower while decode workers run beside it."""
    cores = cores or os.cpu_count() or 2
    return max(1, cores - decode_workers)


class Indexer:
    """Runs scans and indexing for a Library; construct with its collaborators."""

    def __init__(
        self,
        catalog: Catalog,
        vectors: VectorStore,
        embedder: Embedder,
        *,
        batch_size: int = 16,
        decode_workers: int = 0,
        low_priority: bool = True,
        exclude: tuple[str, ...] = (),
        analyzers: Sequence[Analyzer] = (),
        embed_run: Callable[..., _EmbedRun] | None = None,
    ):
        """embed_run: another embed pass (core/cluster's, which decodes and embeds on a
        cluster: `functools.partial(ClusterEmbedRun, stage=...)`); routing, commits, moves,
        duplicates and analyzers stay here, in this thread, whichever runs."""
        self.catalog = catalog
        self.embed_run = embed_run
        self.analyzers = list(analyzers)  # derived data per item, after the CLIP pass
        self.vectors = vectors
        self.embedder = embedder
        self.batch_size = max(1, batch_size)
        self.decode_workers = resolve_decode_workers(decode_workers)
        self.auto_workers = decode_workers <= 0  # the lane plan may add decoders (not to a set count)
        self.low_priority = low_priority
        self.exclude = exclude

    # -- scanning ----------------------------------------------------------------------------
    def scan(self, report: IndexReport, emit: ProgressCallback) -> None:
        """The startup reconciliation walk over every folder (stat only)."""
        for folder in self.catalog.folders():
            if not folder.online and Path(folder.path).is_dir():
                self.catalog.set_folder_online(folder.id, True)  # back before we compare
                report.back_online.append(folder.path)
            self.apply_plan(plan_folder(self.catalog, folder, self.exclude), report)
            emit(IndexProgress("scan", report.scanned, 0, current=folder.path))

    def apply_plan(self, plan: ScanPlan, report: IndexReport) -> None:
        """Record a plan: new/changed files become pending work, deleted ones leave."""
        folder = plan.folder
        if not plan.online:
            log.warning("folder %s is not reachable: its items stay, marked offline", folder.path)
            report.offline_folders.append(folder.path)
            if folder.online:
                self.catalog.set_folder_online(folder.id, False)
            return
        moved = self._match_moves(plan)
        work = plan.new + plan.changed
        self.catalog.mark_pending(folder.id, [(f.path, f.size, f.mtime_ns, f.inode, f.ctime_ns)
                                              for f in work if not f.problem])
        bad = [(f.path, f.size, f.mtime_ns, f.inode, f.problem) for f in work if f.problem]
        if bad:
            self.catalog.record_path_errors(folder.id, bad)
            report.errors += len(bad)
        self.catalog.delete_files(plan.deleted)
        if plan.stat_updates:
            self.catalog.set_stats(plan.stat_updates)
        report.reused += moved
        report.new += len(plan.new)
        report.changed += len(plan.changed)
        report.deleted += len(plan.deleted)
        report.unchanged += plan.unchanged
        report.scanned += len(work) + plan.unchanged + plan.pending

    def _match_moves(self, plan: ScanPlan) -> int:
        """New paths whose (inode, size, mtime) equal a vanished file's are moves: the row
        follows the file, so nothing is hashed or embedded again."""
        if not plan.new or not plan.deleted:
            return 0
        vanished = self.catalog.stats_for_ids(plan.deleted)
        if not vanished:
            return 0
        remaining = []
        moved_ids: set[int] = set()
        for fs in plan.new:
            fid = vanished.get((fs.inode, fs.size, fs.mtime_ns))
            if fid is not None and fid not in moved_ids and not fs.problem:
                self.catalog.move_file(fid, plan.folder.id, fs.path, fs.ctime_ns)
                moved_ids.add(fid)
            else:
                remaining.append(fs)
        plan.new = remaining
        plan.deleted = [i for i in plan.deleted if i not in moved_ids]
        return len(moved_ids)

    # -- the whole run -----------------------------------------------------------------------
    def run(self, progress: ProgressCallback | None = None, controls: Controls | None = None) -> IndexReport:
        controls = controls or Controls.new()
        emit = progress or (lambda _p: None)
        report = IndexReport()
        start = time.monotonic()
        if self.low_priority:
            _lower_thread_priority()
        self.scan(report, emit)
        if not controls.cancel.is_set():
            self.index_pending(report, emit, controls)  # new and changed files first
        if not controls.cancel.is_set():
            self.reembed(report, emit, controls)
        if not controls.cancel.is_set() and self.catalog.count_pending() == 0:
            self.cleanup()
        if self.vectors.dirty:
            self.vectors.save()  # searchable before the analyzers run
        report.analyzed = self.derive(emit, controls)
        report.cancelled = controls.cancel.is_set()
        report.seconds = time.monotonic() - start
        total = report.embedded + report.reused + report.errors
        emit(IndexProgress("done", total, total, errors=report.errors))
        return report

    def derive(self, emit: ProgressCallback, controls: Controls) -> int:
        """The last stage: every analyzer over the items that need it (resumable). Returns
        the analyses done, one per item and analyzer (failures too: they are recorded)."""
        if not self.analyzers or controls.cancel.is_set():
            return 0
        from .analyzers import AnalyzerStage

        stage = AnalyzerStage(self.catalog, self.embedder.model_id, self.analyzers,
                              workers=self.decode_workers, low_priority=self.low_priority)
        done = stage.run(emit, controls)
        return done.analyzed + done.failed

    def cleanup(self) -> int:
        """Drop items (and vectors) that no file refers to any more."""
        orphans = self.catalog.orphan_items()
        if orphans:
            self.catalog.delete_items(orphans)
            self.vectors.remove(np.asarray(orphans, dtype=np.uint64))
            log.info("removed %d items no file refers to", len(orphans))
        return len(orphans)

    # -- indexing pending files --------------------------------------------------------------
    def index_pending(self, report: IndexReport, emit: ProgressCallback, controls: Controls) -> None:
        """Hash, decode, embed and commit every pending file."""
        total = self.catalog.count_pending()
        if not total:
            return
        warm_image_tower(self.embedder)
        hashed = self._hashed_pending()
        run_class = self.embed_run or _EmbedRun
        try:
            run_class(self, report, emit, controls, total).run(hashed)
        finally:
            hashed.close()  # a cancelled run: the metadata reader stops now

    def reembed(self, report: IndexReport, emit: ProgressCallback, controls: Controls) -> None:
        """Embed with this model the indexed files that only another model has vectors of (a
        model switch). They stay indexed and searchable by their old vectors meanwhile; each
        batch committed takes its files off the list, so a killed run resumes where it was."""
        model_id = self.embedder.model_id
        total = self.catalog.count_unembedded(model_id)
        if not total:
            return
        log.info("%d files have no vector of %s yet: embedding them", total, model_id)
        hashed = self._hashed_pending(self.catalog.iter_unembedded(model_id))
        run_class = self.embed_run or _EmbedRun
        try:
            run_class(self, report, emit, controls, total, phase="reembed").run(hashed)
        finally:
            hashed.close()

    def _hashed_pending(self, chunks: Iterator[list[FileRecord]] | None = None) -> Generator[_Hashed, None, None]:
        """Every pending file (or those of `chunks`) hashed and its metadata read (EXIF, the
        video probe) in a worker process: a reader that crashes on a hostile file takes only
        the worker down, and that file becomes an error. A file of the size of content the
        catalog knows by its old hash, or stored with an old hash (a file re-embedded by a new
        model), is hashed both ways (moves and copies in a library from before xxh3)."""
        legacy_sizes = self.catalog.legacy_sizes()
        pool = self._new_pool(HASH_WORKERS)
        try:
            for chunk in chunks if chunks is not None else self.catalog.iter_pending(chunk=256):
                done = 0
                legacy = [f.size in legacy_sizes or (f.hash is not None and is_legacy(f.hash)) for f in chunk]
                try:
                    # results wait for the consumer; only a chunk not read by then is stuck
                    deadline = HASH_TIMEOUT_S + HASH_S_PER_FILE * len(chunk)
                    for h in pool.map(_hash_and_meta, chunk, legacy, chunksize=8, timeout=deadline):
                        done += 1
                        yield h
                except (BrokenProcessPool, FutureTimeout) as exc:
                    what = "died" if isinstance(exc, BrokenProcessPool) else "stopped answering"
                    log.warning("a metadata reader %s; reading the rest of the batch one by one", what)
                    pool = self._restart_pool(pool, HASH_WORKERS)
                    for file, old in zip(chunk[done:], legacy[done:], strict=True):
                        h, pool = self._hash_one(pool, file, old)
                        yield h
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _hash_one(self, pool: ProcessPoolExecutor, file: FileRecord,
                  legacy: bool) -> tuple[_Hashed, ProcessPoolExecutor]:
        """One file's hash and metadata; a reader that crashes or hangs on it fails only this
        file, and the next one gets a fresh pool."""
        try:
            return pool.submit(_hash_and_meta, file, legacy).result(timeout=HASH_TIMEOUT_S), pool
        except BrokenProcessPool:
            reason = "the metadata reader crashed on this file"
        except FutureTimeout:
            reason = _too_slow(HASH_TIMEOUT_S)
        return _Hashed(file, None, None, reason), self._restart_pool(pool, HASH_WORKERS)

    def _embed(self, pixels: np.ndarray) -> np.ndarray:
        """The image tower over a batch, in model-sized chunks (a video brings many frames)."""
        step = self.batch_size
        return np.concatenate([self.embedder.embed_pixels(pixels[i : i + step]) for i in range(0, len(pixels), step)])

    def _new_pool(self, workers: int | None = None) -> ProcessPoolExecutor:
        count = workers or self.decode_workers
        pool = ProcessPoolExecutor(max_workers=count, mp_context=pool_context(), initializer=init_worker,
                                   initargs=(self.low_priority,))
        for _ in range(count):  # the workers start now, not when the first file is ready for them
            pool.submit(ready)
        return pool

    def _restart_pool(self, pool: ProcessPoolExecutor, workers: int | None = None) -> ProcessPoolExecutor:
        """A fresh pool for one whose worker died or is stuck (every worker of it stopped)."""
        terminate_pool(pool)
        return self._new_pool(workers)


def _too_slow(seconds: float) -> str:
    """The error of a file whose read or decode did not answer in time."""
    return f"reading it took longer than {seconds:.0f} s (a damaged file, or a drive that stopped answering); skipped"


Decoded = np.ndarray | DecodedFrames


class _EmbedRun:
    """One pass over the pending files, as stages: each hashed file is routed (an error, a
    copy of content already embedded, a twin of content queued, or new content to decode);
    decodes run in the worker processes, a bounded number ahead; finished decodes are
    embedded in batches and committed with the files' metadata in one transaction."""

    concurrent_embeds = True  # batches may run in lanes beside this thread (not on a cluster)
    decode_timeout_s = DECODE_TIMEOUT_S

    def __init__(self, indexer: Indexer, report: IndexReport, emit: ProgressCallback, controls: Controls,
                 total: int, phase: str = "index"):
        self.ix = indexer
        self.phase = phase  # "reembed": files another model indexed, embedded by this one
        self.catalog = indexer.catalog
        self.model_id = indexer.embedder.model_id
        self.config = indexer.embedder.config
        self.report, self.emit, self.controls = report, emit, controls
        self.total, self.done, self.error_count = total, 0, 0
        self.meter = RateMeter()
        self.last_save = time.monotonic()
        self.inflight: deque[tuple[_Hashed, Future[tuple[Decoded | str, float]]]] = deque()
        self.waiting: dict[str, list[_Hashed]] = {}  # same content queued twice: embed once
        self.ready: list[tuple[_Hashed, Decoded]] = []
        self.committed: list[FileDone] = []
        self.errors: list[tuple[int, str]] = []
        self.crashes: dict[int, int] = {}
        self.max_inflight = indexer.batch_size * 2 + indexer.decode_workers
        # and in frames: a video brings up to MAX_FRAMES (0.6 MB each at 224 px); two long
        # videos may decode at once, memory stays bounded whatever the mix
        self.max_frames = 2 * MAX_FRAMES
        self.pool = indexer._new_pool()
        self.pool_size = indexer.decode_workers
        self.retired: list[ProcessPoolExecutor] = []  # smaller pools finishing their queued decodes
        self.head_since = time.monotonic()  # when the oldest decode in flight became the oldest
        # the image tower in lanes: batches run side by side on one ORT session, as many as
        # the measured costs call for (core/pipeline_balance.py); an embedder that does not
        # say its thread count (torch, test doubles) runs its batches here, one at a time
        self.lane_threads: int | None = getattr(indexer.embedder, "visual_threads", None)
        self.cores = os.cpu_count() or 2
        # until measured, as many lanes as the session's threads fit in the cores: a slow model
        # then uses every core from the first batch; a fast one loses nothing by it (README)
        self.split = Split(decoders=indexer.decode_workers,
                           lanes=max(1, self.cores // max(1, self.lane_threads or 1)))
        self.embedding: deque[tuple[list[tuple[_Hashed, Decoded]], Future[np.ndarray]]] = deque()
        self.lane_pool: ThreadPoolExecutor | None = None
        self.costs = CostMeter()
        self.batches_done = 0
        self.window_cpu: float | None = None  # process CPU time when the measuring window began
        self.window_batches = FIRST_BALANCE_BATCHES

    def run(self, hashed: Iterable[_Hashed]) -> None:
        try:
            for h in hashed:
                self.controls.resume.wait()
                if self.controls.cancel.is_set():
                    break
                self._route(h)
                if len(self.committed) + len(self.errors) >= self.ix.batch_size:
                    self._flush()
                self._collect(wait_one=self._queue_full())
            if self.controls.cancel.is_set():
                for _, fut in self.inflight:
                    fut.cancel()
                self.inflight.clear()
                self.waiting.clear()
            self._collect(wait_all=True)
            self._flush(force=True)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            for old in self.retired:
                old.shutdown(wait=True, cancel_futures=True)
            if self.lane_pool is not None:
                self.lane_pool.shutdown(wait=True, cancel_futures=True)

    # -- routing -----------------------------------------------------------------------------
    def _route(self, h: _Hashed) -> None:
        if h.error or h.hash is None or h.meta is None:
            self.errors.append((h.file.id, h.error or "unreadable"))
            return
        if h.legacy_hash is not None and h.legacy_hash == h.file.hash:
            h.hash = h.file.hash  # unchanged content stored by its old hash (a re-embed): same item
        known = self.catalog.item_for_hash(h.hash, self.model_id) is not None
        if not known and h.legacy_hash and self.catalog.item_for_hash(h.legacy_hash, self.model_id) is not None:
            h.hash, known = h.legacy_hash, True  # content embedded before xxh3: the file joins its item
        if known:
            self.committed.append(FileDone(h.file.id, h.hash, h.meta, None))  # content embedded already
            self.report.reused += 1
        elif h.hash in self.waiting:
            self.waiting[h.hash].append(h)
            self.report.reused += 1
        else:
            self.waiting[h.hash] = [h]
            self._submit(h)

    def _submit(self, h: _Hashed) -> None:
        if not self.inflight:
            self.head_since = time.monotonic()
        self.inflight.append((h, self._decode(h)))

    def _decode(self, h: _Hashed) -> Future[tuple[Decoded | str, float]]:
        return self.pool.submit(decode_timed, DecodeJob(h.file.path, self.config))

    def _queue_full(self) -> bool:
        return (len(self.inflight) >= self.max_inflight
                or sum(_expected_frames(x) for x, _ in self.inflight) >= self.max_frames)

    # -- decodes coming back -------------------------------------------------------------------
    def _collect(self, wait_one: bool = False, wait_all: bool = False) -> None:
        """Take finished decodes off the queue, in order; optionally wait."""
        while self.inflight and (wait_all or wait_one or self.inflight[0][1].done()):
            h, fut = self.inflight.popleft()
            try:
                # counted from when it became the oldest: every decode before it is done, so
                # it is running (or next); never less than its own time
                result, cpu_ms = fut.result(timeout=max(0.0, self.head_since + self.decode_timeout_s
                                                        - time.monotonic()))
            except FutureTimeout:
                self._after_hang(h)
                continue
            except BrokenProcessPool:
                self._after_crash(h)
                continue
            self.head_since = time.monotonic()
            self.costs.add_decode(cpu_ms)
            if isinstance(result, str):
                self._fail_with_twins(h, result)
            else:
                self.ready.append((h, result))
            self._flush()
            wait_one = False

    def _after_crash(self, h: _Hashed) -> None:
        """A worker died: a fresh pool, and every queued file retried, up to a limit each."""
        log.warning("a decode worker died; restarting the worker pool")
        for r in [h, *self._restart_decoders()]:
            self.crashes[r.file.id] = self.crashes.get(r.file.id, 0) + 1
            if self.crashes[r.file.id] > MAX_CRASHES_PER_FILE:
                self.errors.append((r.file.id, "the decoder crashed on this file"))
                self.waiting.pop(r.hash or "", None)
            else:
                self._submit(r)

    def _after_hang(self, h: _Hashed) -> None:
        """A decode did not answer in time: every worker is stopped (the stuck one cannot be
        told to), the file fails with the reason, and the other queued files are decoded
        again by a fresh pool."""
        log.warning("decoding %s took longer than %.0f s: skipped; restarting the decode workers",
                    h.file.path, self.decode_timeout_s)
        retry = self._restart_decoders()
        self._fail_with_twins(h, _too_slow(self.decode_timeout_s))
        for r in retry:
            self._submit(r)

    def _restart_decoders(self) -> list[_Hashed]:
        """Every decode worker stopped (smaller pools still finishing too) and a fresh pool;
        returns the files that were queued, to submit again."""
        for old in self.retired:
            terminate_pool(old)
        self.retired.clear()
        self.pool = self.ix._restart_pool(self.pool)
        self.pool_size = self.ix.decode_workers
        retry = [x for x, _ in self.inflight]
        self.inflight.clear()
        return retry

    def _fail_with_twins(self, h: _Hashed, reason: str) -> None:
        self.errors.append((h.file.id, reason))
        for twin in self.waiting.pop(h.hash or "", [])[1:]:
            self.errors.append((twin.file.id, reason))

    # -- embed and commit ---------------------------------------------------------------------
    def _flush(self, force: bool = False) -> None:
        if self.ready and (force or sum(_count(px) for _, px in self.ready) >= self._embed_at()):
            self._embed_ready()
        while self.embedding and (force or self.embedding[0][1].done()):
            self._finish_oldest()
        if self.committed or self.errors:
            self._commit()
        if self.ix.vectors.dirty and time.monotonic() - self.last_save > SAVE_EVERY_S:
            self.ix.vectors.save()
            self.last_save = time.monotonic()

    def _embed_ready(self) -> None:
        """The image tower over every decoded picture and frame: here, or in a lane when the
        embedder runs batches side by side (at most `lanes` at once: the oldest is waited for)."""
        batch, self.ready = self.ready, []
        if not (self.concurrent_embeds and self.lane_threads):
            self._finish(batch, self._vectors_of_ready(batch))
            return
        while len(self.embedding) >= self.split.lanes:
            self._finish_oldest()
        if self.lane_pool is None:
            self.lane_pool = ThreadPoolExecutor(max_workers=self.cores, thread_name_prefix="embed-lane")
        if self.window_cpu is None and self.batches_done:
            self.window_cpu = time.process_time()  # the first batch (session load) is not measured
        self.embedding.append((batch, self.lane_pool.submit(self._vectors_of_ready, batch)))

    def _grow_pool(self, workers: int) -> None:
        """More decode workers (a fast model waiting for decodes): new decodes go to a larger
        pool; the old one finishes what it has queued and is shut down at the end."""
        log.info("decode workers: %d -> %d", self.pool_size, workers)
        old, self.pool = self.pool, self.ix._new_pool(workers)
        old.shutdown(wait=False)
        self.retired.append(old)
        self.max_inflight += workers - self.pool_size
        self.pool_size = workers

    def _finish_oldest(self) -> None:
        batch, fut = self.embedding.popleft()
        self._finish(batch, fut.result())

    def _finish(self, batch: list[tuple[_Hashed, Decoded]], vecs: np.ndarray) -> None:
        """Commit-ready results of an embedded batch; their twins share them."""
        at = 0
        for h, px in batch:
            assert h.hash is not None and h.meta is not None
            if isinstance(px, DecodedFrames):
                frames = tuple(zip(px.frame_ms, vecs[at : at + len(px.frame_ms)], strict=True))
                self.committed.append(FileDone(h.file.id, h.hash, h.meta, None, frames))
            else:
                self.committed.append(FileDone(h.file.id, h.hash, h.meta, vecs[at]))
            at += _count(px)
            for twin in self.waiting.pop(h.hash, [])[1:]:
                self.committed.append(FileDone(twin.file.id, h.hash, twin.meta or h.meta, None))
        self.report.embedded += len(batch)
        self.batches_done += 1
        if self.window_cpu is not None:
            self._measure(at)

    def _measure(self, pictures: int) -> None:
        """Model cost = CPU of this process (lanes, ORT threads, commits) per picture embedded
        in the window; decode cost = the workers' own CPU per picture. Re-planned per window."""
        self.costs.add_model(0.0, pictures)
        if self.batches_done < self.window_batches or self.window_cpu is None:
            return
        now = time.process_time()
        self.costs.model_cpu_ms = (now - self.window_cpu) * 1000.0
        decode_ms, model_ms = self.costs.costs()
        split = plan_split(decode_ms, model_ms, self.cores, lane_threads=self.lane_threads or 1,
                           max_decoders=self.cores if self.ix.auto_workers else self.ix.decode_workers)
        if split != self.split:
            log.info("balance: decode %.1f ms, model %.1f core-ms a picture on %d cores: %d decoders, %d lanes",
                     decode_ms, model_ms, self.cores, split.decoders, split.lanes)
        else:
            log.debug("balance: decode %.1f ms, model %.1f core-ms a picture: unchanged", decode_ms, model_ms)
        self.split = split
        if split.decoders > self.pool_size:
            self._grow_pool(split.decoders)
        self.costs.reset()
        self.window_cpu = now
        self.window_batches = self.batches_done + BALANCE_EVERY_BATCHES

    def _embed_at(self) -> int:
        """Decoded pictures and frames that make a batch for the image tower."""
        return self.ix.batch_size

    def _vectors_of_ready(self, batch: list[tuple[_Hashed, Decoded]]) -> np.ndarray:
        """One vector per picture and frame of `batch`, in order (may run in a lane thread)."""
        return self.ix._embed(np.concatenate([_stack(px) for _, px in batch]))

    def _commit(self) -> None:
        if self.errors:
            self.catalog.record_errors(self.errors)
            self.error_count += len(self.errors)
            self.report.errors += len(self.errors)
        new = self.catalog.commit_files(self.committed, self.model_id)
        if new:
            keys = np.array([k for k, _ in new], dtype=np.uint64)
            self.ix.vectors.add(keys, np.stack([v for _, v in new]))
        self.done += len(self.committed) + len(self.errors)
        self.committed.clear()
        self.errors.clear()
        self._tick()

    def _tick(self) -> None:
        rate = self.meter.update(self.done)
        eta = (self.total - self.done) / rate if rate > 0 else None
        self.emit(IndexProgress(self.phase, self.done, self.total, self.error_count, rate, eta, None,
                                self.controls.paused))


def _expected_frames(h: _Hashed) -> int:
    """Frames a queued decode will bring: 1 for a picture, the sampling plan for a video."""
    if h.meta is None or h.meta.media_type != "video":
        return 1
    return len(sample_times(h.meta.duration_s or 0.0))


def _count(decoded: np.ndarray | DecodedFrames) -> int:
    return len(decoded.frame_ms) if isinstance(decoded, DecodedFrames) else 1


def _stack(decoded: np.ndarray | DecodedFrames) -> np.ndarray:
    return decoded.pixels if isinstance(decoded, DecodedFrames) else decoded[None]


def _lower_thread_priority() -> None:
    """Nice the calling thread (Linux: per thread), so indexing yields to the desktop."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (OSError, AttributeError):
            pass
