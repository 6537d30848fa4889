"""The indexer's embed run with decode and embed on a cluster (no ray here: see ray_stage).

`ClusterEmbedRun` is the indexer's own run (routing, duplicates, commits, progress,
cancel) with two stages replaced. With shared files, new content goes to the cluster in
windows of paths and comes back as vectors keyed by content hash; with shipped pixels,
the local decode workers run as usual and each window of decoded pixels is embedded on
the cluster. Either way the vectors are committed here, in batches, by the one writer:
a killed driver loses at most the window in flight, and the next run re-embeds only that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import ClusterError
from ..indexer import Decoded, _EmbedRun, _Hashed, _stack
from ..media.workers import DecodedFrames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterJob:
    """One distinct content for the cluster: a file to read (shared files) or its decoded
    pixels (shipped: (n, 3, S, S), n frames for a video, 1 for a picture)."""

    key: str  # content hash
    path: str | None = None
    pixels: np.ndarray | None = None
    frame_ms: tuple[int, ...] | None = None  # a video's frames (shipped pixels); None: a picture


@dataclass(frozen=True)
class ClusterResult:
    """The vectors of one content: (1, dim) for a picture, (n, dim) for a video's frames
    at frame_ms; or the reason it could not be decoded."""

    key: str
    vectors: np.ndarray
    frame_ms: tuple[int, ...] | None = None
    error: str | None = None


class ClusterStage(Protocol):
    """Decode and embed somewhere else, a window at a time (core/cluster/ray_stage.py)."""

    @property
    def ships_pixels(self) -> bool:
        """True: this machine decodes and sends pixels; False: the workers read the files."""
        ...

    @property
    def window(self) -> int:
        """Files (shared) or pictures and frames (shipped) per job."""
        ...

    def run(self, jobs: Sequence[ClusterJob], cancel: threading.Event | None = None) -> Iterator[ClusterResult]:
        """Every job's result, in the order they finish; stops early once `cancel` is set."""
        ...


class ClusterEmbedRun(_EmbedRun):
    """_EmbedRun with decode + embed (shared files) or embed (shipped pixels) on a cluster."""

    def __init__(self, *args: object, stage: ClusterStage, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.stage = stage
        self.ships = stage.ships_pixels
        self.window: list[_Hashed] = []

    # -- shared files: paths out, vectors back ---------------------------------------------
    def _submit(self, h: _Hashed) -> None:
        if self.ships:
            super()._submit(h)  # decoded here, by the local workers
        else:
            self.window.append(h)

    def _queue_full(self) -> bool:
        return super()._queue_full() if self.ships else len(self.window) >= self.stage.window

    def _collect(self, wait_one: bool = False, wait_all: bool = False) -> None:
        if self.ships:
            super()._collect(wait_one, wait_all)
        elif self.controls.cancel.is_set():
            self.window.clear()  # left pending: the next run embeds them
        elif self.window and (wait_one or wait_all):
            self._run_window()

    def _run_window(self) -> None:
        jobs, self.window = self.window, []
        by_key = {h.hash: h for h in jobs if h.hash is not None}
        for result in self.stage.run([ClusterJob(key, path=h.file.path) for key, h in by_key.items()],
                                     self.controls.cancel):
            h = by_key.pop(result.key)
            if result.error is not None:
                self._fail_with_twins(h, result.error)
            elif result.frame_ms is None:
                self.ready.append((h, result.vectors[0]))
            else:
                self.ready.append((h, DecodedFrames(result.frame_ms, result.vectors)))
            self._flush()
        for key, h in by_key.items():  # cancelled: pending still, the next run embeds them
            twins = self.waiting.pop(key, [])
            if not self.controls.cancel.is_set():
                log.error("the cluster returned nothing for %s", h.file.path)
                self.errors.extend((t.file.id, "the cluster returned no vector for this file") for t in twins)

    # -- shipped pixels: a window of decoded pictures out, vectors back -------------------
    def _embed_at(self) -> int:
        return self.stage.window if self.ships else super()._embed_at()

    concurrent_embeds = False  # the cluster's own stages run the batches

    def _vectors_of_ready(self, batch: list[tuple[_Hashed, Decoded]]) -> np.ndarray:
        if not self.ships:  # the cluster embedded them already
            return np.concatenate([_stack(px) for _, px in batch])
        jobs = [ClusterJob(h.hash, pixels=_stack(px),
                           frame_ms=px.frame_ms if isinstance(px, DecodedFrames) else None)
                for h, px in batch if h.hash is not None]
        got = {r.key: r for r in self.stage.run(jobs)}
        try:
            return np.concatenate([got[h.hash or ""].vectors for h, _ in batch])
        except KeyError as exc:
            raise ClusterError(f"the cluster returned no vectors for {len(jobs) - len(got)} pictures") from exc
