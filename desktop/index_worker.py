"""IndexWorker: the one thread that writes the library.

Indexing runs, folder changes and settings all go through one single-thread TaskRunner,
so catalog writes never overlap (the engine's single-writer rule). A folder change
during an indexing run stops the run cooperatively, applies the change, and queues a
new run, which picks up where the last one stopped (pending files stay pending).
Progress arrives from the engine on the worker thread and is re-emitted on the GUI
thread at most ten times a second.

With ``watch=True`` (the app) a run does not end after the start-up reconciliation: it
goes on as core's live indexer, applying file-system events within seconds, and reports
each applied batch through `finished` (the first one being the start-up walk).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from photolens.core.config import Settings
from photolens.core.indexer import IndexReport
from photolens.core.library import Library
from photolens.core.progress import Controls, IndexProgress

from .tasks import TaskRunner

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1


class IndexWorker(QObject):
    """Serialises every write to a Library and runs `Library.index` in the background."""

    progress = Signal(object)  # IndexProgress
    running_changed = Signal(bool)
    paused_changed = Signal(bool)
    finished = Signal(object)  # IndexReport
    failed = Signal(object)  # the exception of a failed write or run
    folders_changed = Signal()
    settings_changed = Signal()

    _progress_from_worker = Signal(object)
    _update_from_worker = Signal(object)
    _run_started = Signal()

    def __init__(self, library: Library, parent: QObject | None = None, *, watch: bool = True,
                 debounce_s: float | None = None):
        super().__init__(parent)
        self.library = library
        self.watch = watch
        self.debounce_s = debounce_s
        self._watching = False  # a live run is waiting for file-system events
        self._runner = TaskRunner("writer", 1, self)
        self._settings_runner = TaskRunner("settings", 1, self)  # a TOML file, not the catalog
        self._controls: list[Controls] = []  # queued and running runs
        self._run_queued = False
        self._pending_writes = 0
        self._running = False
        self._paused = False
        self._last_emit = 0.0
        self._last_phase = ""
        self._emit_lock = threading.Lock()
        self.last_progress: IndexProgress | None = None
        self.last_report: IndexReport | None = None
        self._progress_from_worker.connect(self._relay_progress, Qt.ConnectionType.QueuedConnection)
        self._run_started.connect(self._on_run_started, Qt.ConnectionType.QueuedConnection)
        self._update_from_worker.connect(self._on_update, Qt.ConnectionType.QueuedConnection)

    # -- state ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while an indexing run is in progress (paused or not)."""
        return self._running

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def watching(self) -> bool:
        """True while a live run is idle, waiting for changes in the folders."""
        return self._watching

    @property
    def busy(self) -> bool:
        """True while any write or indexing pass is queued or in progress (not idle watching)."""
        return self._runner.busy and not (self._watching and not self._run_queued and self._pending_writes == 0)

    # -- indexing ---------------------------------------------------------------------------
    def start_indexing(self) -> bool:
        """Queue an indexing run unless one is already waiting; False if read-only."""
        if self.library.read_only:
            log.info("read-only library: not indexing")
            return False
        if self._run_queued or (self.watch and any(not c.cancel.is_set() for c in self._controls)):
            return True  # a run is waiting, or a live run already keeps the index current
        controls = Controls.new()
        if self._paused:
            controls.pause()
        self._controls.append(controls)
        self._run_queued = True
        self._runner.submit(
            lambda: self._run(controls),
            lambda report: self._on_run_done(controls, report),
            lambda exc: self._on_run_failed(controls, exc),
            name="index",
        )
        return True

    def _run(self, controls: Controls) -> IndexReport | None:  # worker thread
        if controls.cancel.is_set():
            return None
        self._run_started.emit()
        if self.watch:
            self.library.watch(controls, self._on_progress, self._update_from_worker.emit, debounce_s=self.debounce_s)
            return None
        return self.library.index(progress=self._on_progress, controls=controls)

    def _on_progress(self, p: IndexProgress) -> None:  # worker thread
        now = time.monotonic()
        with self._emit_lock:
            due = p.phase != self._last_phase or p.phase == "done" or now - self._last_emit >= PROGRESS_INTERVAL_S
            if due:
                self._last_emit, self._last_phase = now, p.phase
        if due:
            self._progress_from_worker.emit(p)

    @Slot(object)
    def _relay_progress(self, p: IndexProgress) -> None:
        self.last_progress = p
        if p.phase != "done" and self._watching:  # a live run picked up changes
            self._watching = False
            self._set_running(True)
        self.progress.emit(p)

    @Slot(object)
    def _on_update(self, report: IndexReport) -> None:
        """A live run applied a batch of changes (the first: the start-up walk) and waits."""
        self.last_report = report
        self._watching = True
        self._set_running(False)
        self.finished.emit(report)

    @Slot()
    def _on_run_started(self) -> None:
        self._run_queued = False
        self._set_running(True)

    def _on_run_done(self, controls: Controls, report: IndexReport | None) -> None:
        self._forget(controls)
        if report is None:  # skipped, or a live run that was stopped
            self._watching = False
            if not self._run_queued:
                self._set_running(False)
            return
        self.last_report = report
        log.info("indexing finished: %s", report)
        self._set_running(False)
        self.finished.emit(report)

    def _on_run_failed(self, controls: Controls, exc: BaseException) -> None:
        self._forget(controls)
        self._watching = False
        self._set_running(False)
        self.failed.emit(exc)

    def _forget(self, controls: Controls) -> None:
        if controls in self._controls:
            self._controls.remove(controls)
        if not self._controls:
            self._run_queued = False

    def _set_running(self, running: bool) -> None:
        if running != self._running:
            self._running = running
            self.running_changed.emit(running)

    def pause(self) -> None:
        self._set_paused(True)

    def resume(self) -> None:
        self._set_paused(False)

    def toggle_pause(self) -> None:
        self._set_paused(not self._paused)

    def _set_paused(self, paused: bool) -> None:
        if paused == self._paused:
            return
        self._paused = paused
        for controls in self._controls:
            controls.pause() if paused else controls.unpause()
        self.paused_changed.emit(paused)

    def stop(self) -> None:
        """Stop the current run and any queued one (cooperative: returns at once)."""
        for controls in self._controls:
            controls.stop()

    # -- writes -----------------------------------------------------------------------------
    def _write(self, fn: Callable[[], Any], on_done: Callable[[Any], None], name: str) -> None:
        """Run a write after the current run stops; then index again."""
        self.stop()
        self._run_queued = False  # the next run must come after this write
        self._pending_writes += 1

        def done(result: Any) -> None:
            self._pending_writes -= 1
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._pending_writes -= 1
            self.failed.emit(exc)

        self._runner.submit(fn, done, failed, name=name)

    def add_folders(self, paths: Iterable[Path | str], *, index: bool = True) -> None:
        chosen = [Path(p) for p in paths]
        self._write(lambda: [self.library.add_folder(p) for p in chosen],
                    lambda _records: self.folders_changed.emit(), "add-folders")
        if index:
            self.start_indexing()

    def remove_folders(self, paths: Iterable[Path | str], *, index: bool = True) -> None:
        """Forget folders: their files leave the catalog, their vectors the index."""
        chosen = [str(p) for p in paths]
        self._write(lambda: [self.library.remove_folder(p) for p in chosen],
                    lambda _none: self.folders_changed.emit(), "remove-folders")
        if index:
            self.start_indexing()

    def save_settings(self, settings: Settings, *, restart: bool = True) -> None:
        """Save settings. restart=True (exclusions, model) stops the current run, saves, and
        indexes again; restart=False (search preferences) saves beside a running index."""
        def write() -> None:
            self.library.save_settings(settings)  # a new model: the library swaps its model session

        if not restart:
            self._settings_runner.submit(write, lambda _none: self.settings_changed.emit(), self.failed.emit,
                                         name="save-settings")
            return
        self._write(write, lambda _none: self.settings_changed.emit(), "save-settings")
        self.start_indexing()

    def use_model(self, path: str | None = None, name: str | None = None) -> None:
        """Switch to another model: it is checked first (a failure is reported through
        `failed`, and the old model stays), then the library is re-embedded in the
        background while the old model keeps finding what the new one has not reached."""
        self._write(lambda: self.library.use_model(name, path), lambda _settings: self.settings_changed.emit(),
                    "use-model")
        self.start_indexing()

    # -- shutdown ---------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 15000) -> bool:
        """Stop indexing and wait for the writer thread; True if it finished in time."""
        self.stop()
        self._set_paused(False)
        done = self._runner.wait(timeout_ms) and self._settings_runner.wait(timeout_ms)
        if not done:
            log.warning("indexing did not stop within %d ms", timeout_ms)
        return done
