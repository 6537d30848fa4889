"""Typed progress events that leave the engine (the CLI draws bars, the GUI widgets)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class IndexProgress:
    """A snapshot of indexing: phase is 'scan', 'index', 'cleanup' or 'done'."""

    phase: str
    done: int
    total: int
    errors: int = 0
    rate: float = 0.0  # files per second over the recent window
    eta_s: float | None = None
    current: str | None = None
    paused: bool = False

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


ProgressCallback = Callable[[IndexProgress], None]


class RateMeter:
    """Files/second over a sliding window, for rate and ETA."""

    def __init__(self, window_s: float = 20.0):
        self.window_s = window_s
        self._marks: list[tuple[float, int]] = []

    def update(self, done: int) -> float:
        now = time.monotonic()
        self._marks.append((now, done))
        while len(self._marks) > 2 and now - self._marks[0][0] > self.window_s:
            self._marks.pop(0)
        t0, d0 = self._marks[0]
        return (done - d0) / (now - t0) if now > t0 and done > d0 else 0.0


@dataclass
class Controls:
    """Cooperative cancel and pause, set from any thread."""

    cancel: threading.Event
    resume: threading.Event  # set = running, cleared = paused

    @classmethod
    def new(cls) -> Controls:
        resume = threading.Event()
        resume.set()
        return cls(cancel=threading.Event(), resume=resume)

    def pause(self) -> None:
        self.resume.clear()

    def unpause(self) -> None:
        self.resume.set()

    def stop(self) -> None:
        self.cancel.set()
        self.resume.set()

    @property
    def paused(self) -> bool:
        return not self.resume.is_set()
