"""ThumbnailLoader: thumbnails decoded on a thread pool, kept as QPixmaps on the GUI thread.

`pixmap(path, size)` answers at once from memory or returns None and queues a load;
`thumbnail_ready(path, size)` says when it arrived (or failed). The newest requests run
first and the queue is bounded, so scrolling fast through thousands of results only
decodes what is (or was just) on screen.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from .thumbnail_cache import ThumbnailCache

log = logging.getLogger(__name__)

GRID_PX = 256
GRID_SIZES = (256, 512, 768)  # grid thumbnails come in these sizes (cell x device pixel ratio)
PREVIEW_PX = 1024
MAX_PENDING = 160
MEMORY_BUDGET_BYTES = 160 * 1024 * 1024

Key = tuple[str, int, int]  # path, longest side, frame_ms (videos)


class _LoadJob(QRunnable):
    def __init__(self, loader: ThumbnailLoader, key: Key, use_disk: bool):
        super().__init__()
        self.setAutoDelete(False)  # kept alive by the loader's pending map
        self._loader = loader
        self._cache = loader.cache
        self.key = key
        self._use_disk = use_disk
        self.started = threading.Event()

    def run(self) -> None:
        self.started.set()
        path, size, frame_ms = self.key
        try:
            image = self._cache.load(path, size, frame_ms, use_disk=self._use_disk)
        except Exception:  # noqa: BLE001 - a thumbnail must never take the app down
            log.exception("thumbnail of %s failed", path)
            image = None
        try:
            self._loader._loaded_from_worker.emit(path, size, frame_ms, image if image is not None else QImage())
        except RuntimeError:
            log.debug("thumbnail of %s arrived after the loader was gone", path)


class ThumbnailLoader(QObject):
    thumbnail_ready = Signal(str, int)  # path, size
    _loaded_from_worker = Signal(str, int, int, QImage)

    def __init__(self, cache_dir: Path | None, threads: int = 2, parent: QObject | None = None,
                 memory_budget: int = MEMORY_BUDGET_BYTES):
        super().__init__(parent)
        self.cache = ThumbnailCache(cache_dir)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, threads))
        self._pending: OrderedDict[Key, _LoadJob] = OrderedDict()
        self._pixmaps: OrderedDict[Key, QPixmap] = OrderedDict()
        self._bytes = 0
        self._budget = memory_budget
        self._failed: set[Key] = set()
        self._priority = 0
        self._loaded_from_worker.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)

    def pixmap(self, path: str, size: int = GRID_PX, frame_ms: int = 0) -> QPixmap | None:
        """The cached pixmap (a video's: its frame at frame_ms), or None (and a load is
        queued unless it failed before)."""
        key = (path, size, frame_ms)
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
            return pix
        if key not in self._failed:
            self.request(path, size, frame_ms)
        return None

    def failed(self, path: str, size: int = GRID_PX, frame_ms: int = 0) -> bool:
        return (path, size, frame_ms) in self._failed

    def request(self, path: str, size: int = GRID_PX, frame_ms: int = 0) -> None:
        key = (path, size, frame_ms)
        if key in self._pixmaps:
            return
        self._priority += 1
        job = self._pending.get(key)
        if job is not None:
            if job.started.is_set() or not self._pool.tryTake(job):
                return  # running (or just taken by a thread): it will report
            self._pending.pop(key)
        job = _LoadJob(self, key, use_disk=size < PREVIEW_PX)
        self._pending[key] = job
        self._pool.start(job, min(self._priority, 2**31 - 1))
        while len(self._pending) > MAX_PENDING:
            old_key, old = next(iter(self._pending.items()))
            if old.started.is_set() or not self._pool.tryTake(old):
                break
            del self._pending[old_key]

    def cancel_pending(self) -> None:
        """Drop loads that have not started (a new set of results replaces the old)."""
        for key, job in list(self._pending.items()):
            if not job.started.is_set() and self._pool.tryTake(job):
                del self._pending[key]

    @Slot(str, int, int, QImage)
    def _on_loaded(self, path: str, size: int, frame_ms: int, image: QImage) -> None:
        key = (path, size, frame_ms)
        self._pending.pop(key, None)
        if image.isNull():
            self._failed.add(key)
        else:
            pix = QPixmap.fromImage(image)
            self._pixmaps[key] = pix
            self._bytes += _cost(pix)
            self._evict()
        self.thumbnail_ready.emit(path, size)

    def _evict(self) -> None:
        while self._bytes > self._budget and len(self._pixmaps) > 1:
            _key, pix = self._pixmaps.popitem(last=False)
            self._bytes -= _cost(pix)

    def forget(self, path: str) -> None:
        """Drop a file's pixmaps (it changed on disk)."""
        for key in [k for k in self._pixmaps if k[0] == path]:
            self._bytes -= _cost(self._pixmaps.pop(key))
        self._failed = {k for k in self._failed if k[0] != path}

    @property
    def pending(self) -> int:
        return len(self._pending)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self.cancel_pending()
        return self._pool.waitForDone(timeout_ms)


def grid_px_for(cell: int, device_pixel_ratio: float) -> int:
    """The thumbnail size that is sharp in a cell of `cell` logical pixels on a screen
    of this ratio (2 on most HiDPI screens): the smallest of GRID_SIZES that covers it."""
    needed = cell * max(1.0, device_pixel_ratio)
    return next((s for s in GRID_SIZES if s >= needed * 0.9), GRID_SIZES[-1])


def _cost(pix: QPixmap) -> int:
    return pix.width() * pix.height() * 4
