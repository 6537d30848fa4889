"""OpenGate: work that uses a shared resource finishes before the resource closes.

The library's SQLite connection is shared by the GUI's threads (search, status, indexing).
Closing it while another thread runs a statement frees memory that statement still uses:
the process dies with a segmentation fault. Each operation passes the gate; `close()`
shuts the gate, then waits until the operations inside have left. An operation that
arrives after that gets LibraryClosedError, a clear error its caller can show.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import LibraryClosedError


class OpenGate:
    def __init__(self, what: str = "library") -> None:
        self._what = what
        self._cond = threading.Condition()
        self._inside = 0
        self._closed = False
        self._local = threading.local()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def inside(self) -> int:
        """How many operations are running now."""
        return self._inside

    @contextmanager
    def enter(self) -> Iterator[None]:
        """Run the body as one operation; raises LibraryClosedError once the gate is shut."""
        with self._cond:
            if self._closed:
                raise LibraryClosedError(f"The {self._what} is closed")
            self._inside += 1
        self._local.depth = self._own() + 1
        try:
            yield
        finally:
            self._local.depth -= 1
            with self._cond:
                self._inside -= 1
                self._cond.notify_all()

    def close(self, timeout: float | None = None) -> bool:
        """Shut the gate and wait for the operations inside (True when none is left).

        Called from inside an operation, it waits for the other threads' operations only.
        """
        own = self._own()
        with self._cond:
            self._closed = True
            return self._cond.wait_for(lambda: self._inside <= own, timeout=timeout)

    def _own(self) -> int:
        """How deep this thread is inside the gate."""
        return int(getattr(self._local, "depth", 0))
