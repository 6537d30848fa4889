"""Live indexing: watchdog events, debounced, turned into small reconciliation plans.

Events only say *where* to look; what changed is decided by comparing disk and catalog
(the same code as the startup walk), so lost, duplicated or reordered events are harmless.
A path is processed once its last event is `debounce_s` old and its size and mtime have
stopped changing (a camera import or a file still being written is picked up complete).
Items whose files vanished are garbage-collected only after a quiet period, so a move
seen as delete-then-create in separate rounds still reuses its vectors.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .catalog import FolderRecord
from .indexer import Indexer, IndexReport
from .progress import Controls, IndexProgress, ProgressCallback
from .scanner import plan_folder, plan_paths

log = logging.getLogger(__name__)

DEBOUNCE_S = 1.5
POLL_S = 0.5
GC_QUIET_S = 30.0


class _Collector(FileSystemEventHandler):
    """Records the paths that events touch, with the time of the last event."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.touched: dict[str, float] = {}

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        now = time.monotonic()
        paths = [event.src_path, getattr(event, "dest_path", "")]
        with self.lock:
            for p in paths:
                if p:
                    self.touched[os.fsdecode(p)] = now


@dataclass
class _Seen:
    stat: tuple[int, int] | None


class FolderWatcher:
    """Watches folders; `ready()` hands out paths that have settled."""

    def __init__(self, debounce_s: float = DEBOUNCE_S):
        self.debounce_s = debounce_s
        self._collector = _Collector()
        self._observer = Observer()
        self._watches: dict[str, object] = {}
        self._settling: dict[str, _Seen] = {}

    def watch(self, folder: str) -> bool:
        if folder in self._watches:
            return True
        try:
            self._watches[folder] = self._observer.schedule(self._collector, folder, recursive=True)
        except OSError as exc:  # gone, or the system's watch limit is reached
            log.warning("cannot watch %s: %s (changes there are found by the next scan)", folder, exc)
            return False
        return True

    def unwatch(self, folder: str) -> None:
        watch = self._watches.pop(folder, None)
        if watch is not None:
            try:
                self._observer.unschedule(watch)  # type: ignore[arg-type]
            except (KeyError, OSError):
                pass

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def ready(self) -> list[str]:
        """Paths whose events are debounce_s old and whose size/mtime stopped changing."""
        now = time.monotonic()
        with self._collector.lock:
            candidates = [p for p, t in self._collector.touched.items() if now - t >= self.debounce_s]
        out = []
        for path in candidates:
            try:
                st = os.stat(path)
                stat = (st.st_size, st.st_mtime_ns) if not os.path.isdir(path) else (0, 0)
            except OSError:
                stat = None
            seen = self._settling.get(path)
            if seen is not None and seen.stat == stat:
                out.append(path)
                self._settling.pop(path, None)
                with self._collector.lock:
                    if now - self._collector.touched.get(path, 0.0) >= self.debounce_s:
                        self._collector.touched.pop(path, None)
            else:
                self._settling[path] = _Seen(stat)
        return out

    @property
    def busy(self) -> bool:
        with self._collector.lock:
            return bool(self._collector.touched)


def _owner(folders: list[FolderRecord], path: str) -> FolderRecord | None:
    best = None
    for f in folders:
        if (path == f.path or path.startswith(f.path.rstrip(os.sep) + os.sep)) and (
            best is None or len(f.path) > len(best.path)
        ):
            best = f
    return best


class LiveIndexer:
    """Startup reconciliation, then keeps the index current from file-system events."""

    def __init__(self, indexer: Indexer, *, debounce_s: float = DEBOUNCE_S, gc_quiet_s: float = GC_QUIET_S):
        self.indexer = indexer
        self.catalog = indexer.catalog
        self.watcher = FolderWatcher(debounce_s)
        self.gc_quiet_s = gc_quiet_s

    def run(
        self,
        controls: Controls,
        progress: ProgressCallback | None = None,
        on_update: Callable[[IndexReport], None] | None = None,
    ) -> None:
        """Block until controls.cancel is set."""
        emit = progress or (lambda _p: None)
        self.watcher.start()
        try:
            folders = self._sync_watches()
            first = self.indexer.run(emit, controls)
            if on_update:
                on_update(first)
            last_change = time.monotonic()
            gc_done = True
            while not controls.cancel.wait(POLL_S):
                controls.resume.wait()
                folders = self._sync_watches()
                paths = self.watcher.ready()
                report = IndexReport()
                if paths:
                    self._apply(folders, paths, report)
                roots_moved = self._check_roots(folders, report)
                if self.catalog.count_pending():
                    self.indexer.index_pending(report, emit, controls)
                    if self.indexer.vectors.dirty:
                        self.indexer.vectors.save()
                    report.analyzed = self.indexer.derive(emit, controls)
                if paths or roots_moved or report.new or report.deleted or report.changed or report.analyzed:
                    last_change = time.monotonic()
                    gc_done = False
                    emit(IndexProgress("done", report.embedded + report.reused, report.embedded + report.reused,
                                       errors=report.errors))
                    if on_update:
                        on_update(report)
                elif not gc_done and time.monotonic() - last_change > self.gc_quiet_s and not self.watcher.busy:
                    if self.indexer.cleanup():
                        self.indexer.vectors.save()
                    gc_done = True
        finally:
            self.watcher.stop()
            if self.indexer.vectors.dirty:
                self.indexer.vectors.save()

    def _sync_watches(self) -> list[FolderRecord]:
        folders = self.catalog.folders()
        for f in folders:
            if Path(f.path).is_dir():
                self.watcher.watch(f.path)
        return folders

    def _apply(self, folders: list[FolderRecord], paths: list[str], report: IndexReport) -> None:
        by_folder: dict[int, tuple[FolderRecord, list[str], list[str]]] = {}
        for path in paths:
            owner = _owner(folders, path)
            if owner is None:
                continue
            entry = by_folder.setdefault(owner.id, (owner, [], []))
            known_dir = self.catalog.file_stats(owner.id, prefix=path) if not os.path.isfile(path) else {}
            if os.path.isdir(path) or (known_dir and path not in known_dir):
                entry[1].append(path)  # a folder appeared, moved or vanished: its subtree
            else:
                entry[2].append(path)
        for folder, dirs, files in by_folder.values():
            plan = plan_paths(self.catalog, folder, files)
            for d in dirs:
                sub = plan_folder(self.catalog, folder, self.indexer.exclude, subtree=Path(d))
                plan.new += sub.new
                plan.changed += sub.changed
                plan.deleted += sub.deleted
                plan.online = plan.online and sub.online
            plan.new = list({fs.path: fs for fs in plan.new}.values())
            plan.changed = list({fs.path: fs for fs in plan.changed}.values())
            plan.deleted = list(dict.fromkeys(plan.deleted))
            self.indexer.apply_plan(plan, report)

    def _check_roots(self, folders: list[FolderRecord], report: IndexReport) -> bool:
        """An unplugged drive marks its folder offline; when it returns, rescan it.

        Returns whether any folder went offline or came back (listeners refresh on it).
        """
        moved = False
        for f in folders:
            present = Path(f.path).is_dir()
            moved = moved or f.online != present
            if f.online and not present:
                self.watcher.unwatch(f.path)
                self.indexer.apply_plan(plan_folder(self.catalog, f, self.indexer.exclude), report)
            elif not f.online and present:
                self.catalog.set_folder_online(f.id, True)
                report.back_online.append(f.path)
                self.watcher.unwatch(f.path)
                self.watcher.watch(f.path)
                refreshed = self.catalog.folder_by_path(f.path)
                if refreshed is not None:
                    self.indexer.apply_plan(plan_folder(self.catalog, refreshed, self.indexer.exclude), report)
        return moved
