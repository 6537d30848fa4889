"""One tower's optimised graph in the model cache: the graph, and its weights beside it.

ONNX Runtime optimises a graph once (seconds) and saves the result; later sessions load
it with optimisation off. The weights are saved as external data (`<stem>.opt.data`) next
to a small graph file (`<stem>.opt.onnx`): ONNX Runtime maps that file instead of parsing
64-96 MB of protobuf, which halves a ViT-B-32 tower's load (text tower ~100 -> ~45 ms;
tests/bench/cli_latency.py). A graph saved with its weights inline (before) counts as
stale and is written anew once.

Both files are written into a private staging folder and renamed into place, weights
first and graph last, so a reader never pairs a new graph with missing weights and a
kill or a full disk never leaves a truncated file under the final names (a staging folder
a kill left behind is removed by the next save, once it is an hour old). ONNX Runtime
checks every weight's offset and length against the data file, so a damaged pair fails to
load (the caller then rebuilds it) rather than being trusted.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

GRAPH_SUFFIX = ".opt.onnx"
WEIGHTS_SUFFIX = ".opt.data"
EXTERNAL_MIN_BYTES = 1024  # smaller initializers stay inline in the graph file
STAGING_PREFIX = ".staging-"
STALE_STAGING_S = 3600  # an optimisation takes seconds: a staging folder this old was left by a kill


@dataclass(frozen=True)
class CachedGraph:
    """Where the optimised graph of the model file `source` lives in `cache_dir`."""

    cache_dir: Path
    source: Path

    @property
    def graph(self) -> Path:
        return self.cache_dir / (self.source.stem + GRAPH_SUFFIX)

    @property
    def weights(self) -> Path:
        return self.cache_dir / (self.source.stem + WEIGHTS_SUFFIX)

    def fresh(self) -> bool:
        """Both files are there and no older than the model file."""
        try:
            newest = self.source.stat().st_mtime_ns
            return all(p.is_file() and p.stat().st_mtime_ns >= newest for p in (self.graph, self.weights))
        except OSError:
            return False

    def drop(self) -> None:
        for p in (self.graph, self.weights):
            p.unlink(missing_ok=True)

    def save_options(self, staging: Path) -> tuple[str, dict[str, str]]:
        """The session's optimized_model_filepath and config entries that save the graph
        into `staging` with its weights as external data."""
        return str(staging / self.graph.name), {
            "session.optimized_model_external_initializers_file_name": self.weights.name,
            "session.optimized_model_external_initializers_min_size_in_bytes": str(EXTERNAL_MIN_BYTES),
        }

    @contextmanager
    def staging(self) -> Iterator[Path | None]:
        """A private folder to save into; on a clean exit its graph and weights are
        renamed into place (weights first). None where the cache cannot be written: the
        session then loads without saving."""
        folder = self.cache_dir / f"{STAGING_PREFIX}{self.source.stem}-{os.getpid()}-{threading.get_ident()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _sweep_stale_staging(self.cache_dir, keep=folder)
        except OSError as exc:
            log.debug("no optimised-graph cache in %s: %s", self.cache_dir, exc)
            yield None
            return
        try:
            yield folder
            self._publish(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _publish(self, folder: Path) -> None:
        graph, weights = folder / self.graph.name, folder / self.weights.name
        try:
            if not graph.is_file() or graph.stat().st_size == 0:
                return
            if not weights.exists():  # every initializer was small enough to stay inline
                weights.touch()
            os.replace(weights, self.weights)
            os.replace(graph, self.graph)
        except OSError as exc:  # a full disk: no cache this time, nothing half-written kept
            log.debug("optimised-graph cache not written: %s", exc)


def _sweep_stale_staging(cache_dir: Path, *, keep: Path) -> None:
    """Remove staging folders a killed process left (a graph's weights: ~100 MB each)."""
    now = time.time()
    for other in cache_dir.glob(STAGING_PREFIX + "*"):
        try:
            if other != keep and now - other.stat().st_mtime > STALE_STAGING_S:
                log.info("removing %s, left by a process that stopped while saving a graph", other)
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            continue
