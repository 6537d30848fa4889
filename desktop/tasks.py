"""Run blocking engine calls on a thread pool; callbacks always run on the GUI thread.

`TaskRunner.submit(fn, on_done, on_error)` runs `fn()` on the runner's own QThreadPool
and delivers its result (or exception) back through a queued signal, so callbacks may
touch widgets. A runner with one thread runs its tasks strictly in submission order:
the index worker uses that to make every catalog write go through one thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from photolens.core.errors import PhotolensError

log = logging.getLogger(__name__)

DoneCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


def describe_error(exc: BaseException) -> str:
    """The message to show a person: engine errors carry their own, others are summarised."""
    if isinstance(exc, PhotolensError):
        return str(exc)
    return f"Unexpected error ({type(exc).__name__}): {exc}. Details are in the log."


class _Relay(QObject):
    """Lives on the GUI thread; carries one task's outcome back to it."""

    finished = Signal(bool, object)

    def __init__(self, on_done: DoneCallback | None, on_error: ErrorCallback | None,
                 cleanup: Callable[[_Relay], None]):
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self._cleanup = cleanup
        self.cancelled = False
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        self._cleanup(self)
        try:
            if self.cancelled:
                return
            if ok and self._on_done is not None:
                self._on_done(value)
            elif not ok:
                if self._on_error is not None:
                    self._on_error(value)  # type: ignore[arg-type]
                else:
                    log.error("background task failed: %s", describe_error(value))  # type: ignore[arg-type]
        finally:
            self.deleteLater()


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay, name: str):
        super().__init__()
        self.setAutoDelete(False)  # Python owns it (kept in TaskRunner._live until delivered)
        self._fn = fn
        self._relay = relay
        self.name = name
        self.started = threading.Event()

    def run(self) -> None:
        self.started.set()
        try:
            result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI
            if not isinstance(exc, PhotolensError):
                log.exception("task %s failed", self.name)
            else:
                log.info("task %s: %s", self.name, exc)
            self._emit(False, exc)
        else:
            self._emit(True, result)

    def _emit(self, ok: bool, value: object) -> None:
        try:
            self._relay.finished.emit(ok, value)
        except RuntimeError:  # the window closed while the task ran
            log.debug("task %s finished after its receiver was gone", self.name)


class TaskRunner(QObject):
    """A named thread pool whose tasks report back on the GUI thread."""

    def __init__(self, name: str, max_threads: int = 1, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, max_threads))
        self._pool.setObjectName(name)
        self._live: dict[_Relay, _Task] = {}
        self._kept: set[_Relay] = set()

    def submit(self, fn: Callable[[], Any], on_done: DoneCallback | None = None,
               on_error: ErrorCallback | None = None, *, name: str = "task", keep: bool = False) -> None:
        """keep: drop_queued leaves the task in the queue (cancel_all still drops it)."""
        relay = _Relay(on_done, on_error, self._forget)
        task = _Task(fn, relay, f"{self.name}/{name}")
        self._live[relay] = task
        if keep:
            self._kept.add(relay)
        self._pool.start(task)

    def _forget(self, relay: _Relay) -> None:
        self._live.pop(relay, None)
        self._kept.discard(relay)

    def drop_queued(self, *, kept_too: bool = False) -> int:
        """Take back tasks that have not started yet: they never run, their callbacks neither
        (those submitted with keep=True stay, unless kept_too)."""
        dropped = 0
        for relay, task in list(self._live.items()):
            if relay in self._kept and not kept_too:
                continue
            if not task.started.is_set() and self._pool.tryTake(task):
                self._live.pop(relay, None)
                self._kept.discard(relay)
                relay.deleteLater()
                dropped += 1
        return dropped

    def cancel_all(self) -> None:
        """Drop queued tasks; running ones finish but their callbacks are not called."""
        self.drop_queued(kept_too=True)
        for relay in self._live:
            relay.cancelled = True

    @property
    def busy(self) -> bool:
        return bool(self._live)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until every started task is finished (used at shutdown and in tests)."""
        return self._pool.waitForDone(timeout_ms)
