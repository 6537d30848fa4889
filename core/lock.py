"""One writer per data dir: an advisory lock on a file, released when the process dies."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)


class LockUnavailableError(OSError):
    """The lock file cannot be opened for writing: a read-only folder or medium."""


class WriterLock:
    """Non-blocking exclusive lock; `acquire()` returns False if another process holds it,
    and raises LockUnavailableError when this process may not write there at all."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fh: IO[str] | None = None

    def acquire(self) -> bool:
        try:
            fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open while locked
        except OSError as exc:
            raise LockUnavailableError(exc.errno, exc.strerror or str(exc), str(self.path)) from exc
        try:
            if sys.platform == "win32":  # pragma: no cover
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return True

    def holder_pid(self) -> int | None:
        try:
            return int(self.path.read_text(encoding="utf-8").strip() or 0) or None
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self._fh is not None:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None
