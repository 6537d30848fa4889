"""The cluster stage on Ray Data: connect, then each window is one Ray Data job.

Shared files on GPUs: from_items(key, path) -> map_batches(decode_batch) as CPU tasks ->
map_batches(EmbedActor), one actor per GPU. Shared files on CPUs: one stage, each actor
decodes and embeds its batch (a decode task beside actors that hold every core would
wait for one). Shipped pixels: from_items(key, frame, pixels) -> map_batches(EmbedActor).
Ray restarts a killed actor and retries its batches (Ray Data's defaults for actor pools;
task retries for the decode tasks); results stream back to the driver as they finish. ray is imported here,
lazily: the default install never imports it.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..embed.model_files import ModelFolder
from ..errors import ClusterError
from .options import SHIP, ClusterOptions
from .run import ClusterJob, ClusterResult
from .workers import PIXEL_DTYPE, EmbedActor, ModelSource, decode_batch

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'photolens[cluster]' (Ray Data, on this machine and on every node)"
DECODE_BATCH = 8  # files per decode task


@dataclass(frozen=True)
class ClusterShape:
    """What the cluster offers, and how a job uses it."""

    nodes: int
    cpus: float
    gpus: float
    actors: int  # embed actors
    actor_cpus: int  # CPU threads each (CPU clusters)

    def describe(self) -> str:
        gpu = f", {self.gpus:g} GPUs" if self.gpus else ", no GPU"
        return (f"{self.nodes} node{'s' if self.nodes != 1 else ''}, {self.cpus:g} CPUs{gpu}: "
                f"{self.actors} embed actor{'s' if self.actors != 1 else ''}")


def ray_available() -> bool:
    return importlib.util.find_spec("ray") is not None


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the extra installs both
    except ImportError as exc:
        raise ClusterError(f"--cluster needs Ray: {INSTALL_HINT}") from exc
    return ray


def _probe(options: ClusterOptions) -> None:
    """A ray:// address that does not answer fails here, within the timeout, in one line:
    first the TCP port, then the gRPC handshake of Ray's client server (a firewall or proxy
    may accept the connection and never answer; Ray's own client would retry for 30 s)."""
    host, port = options.host_port()
    timeout = options.connect_timeout_s
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except TimeoutError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {options.address}: no answer within "
                           f"{timeout:g} s (is `ray start --head` running there, and the client port open?)") from exc
    except OSError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {options.address}: "
                           f"{exc.strerror or exc} (is `ray start --head` running there?)") from exc
    if os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
        return  # a TLS client server: Ray's client checks it with the user's certificates
    import grpc
    from ray.core.generated import ray_client_pb2, ray_client_pb2_grpc

    channel = grpc.insecure_channel(f"{host}:{port}")
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
        ping = ray_client_pb2.ClusterInfoRequest(type=ray_client_pb2.ClusterInfoType.PING)  # type: ignore[attr-defined]
        ray_client_pb2_grpc.RayletDriverStub(channel).ClusterInfo(ping, timeout=timeout)
    except grpc.FutureTimeoutError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {options.address}: the port answers but no Ray "
                           f"client server replied within {timeout:g} s (is it the client port, 10001 by "
                           "default?)") from exc
    except grpc.RpcError as exc:
        code = exc.code() if isinstance(exc, grpc.Call) else None
        if code not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):  # there, wants a token
            raise ClusterError(f"cannot reach the Ray cluster at {options.address}: no Ray client server answers "
                               f"there ({code.name if code else exc}; is it the client port, 10001 by "
                               "default?)") from exc
    finally:
        channel.close()


@contextmanager
def connect(options: ClusterOptions) -> Iterator[Any]:
    """Ray, connected to the cluster (or a local instance started for the run, stopped after).
    A Ray already initialised in this process (a test's, a notebook's) is used as it is."""
    ray = _import_ray()
    if ray.is_initialized():
        yield ray
        return
    if not options.is_local:
        _probe(options)
    try:
        ray.init(None if options.is_local else options.address, include_dashboard=False,
                 log_to_driver=False, logging_level=logging.WARNING)
    except Exception as exc:  # noqa: BLE001 - Ray's many connection errors, as one line
        raise ClusterError(f"cannot connect to the Ray cluster at {options.address}: {exc}") from exc
    try:
        yield ray
    finally:
        ray.shutdown()


def cluster_shape(ray: Any, ships: bool) -> ClusterShape:
    """Embed actors: one per GPU (the other cores decode); on CPUs one per core up to 4
    cores, one per 2 cores above (ONNX Runtime's intra-op threads scale to about 2)."""
    res = ray.cluster_resources()
    cpus, gpus = float(res.get("CPU", 1)), float(res.get("GPU", 0))
    nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
    if gpus >= 1:
        return ClusterShape(nodes, cpus, gpus, int(gpus), 1)
    actor_cpus = 1 if cpus <= 4 else 2
    return ClusterShape(nodes, cpus, gpus, max(1, int(cpus // actor_cpus)), actor_cpus)


class RayStage:
    """ClusterStage on Ray Data, for one model and one set of options."""

    def __init__(self, ray: Any, options: ClusterOptions, folder: ModelFolder, *, batch_size: int = 16):
        self._ray = ray
        self.options = options
        self.batch_size = max(1, batch_size)
        self.shape = cluster_shape(ray, options.mode == SHIP)
        self.config = folder.config
        self.source = self._model_source(folder)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        log.info("cluster %s: %s, files %s, window %d", options.address, self.shape.describe(),
                 options.mode, self.window)

    def _model_source(self, folder: ModelFolder) -> ModelSource:
        if self.options.is_local:
            return ModelSource(self.config, folder=str(folder.path))
        stat = folder.visual.stat()
        tag = f"{self.config.model_id.replace('/', '_')}-{stat.st_size}-{stat.st_mtime_ns}"
        return ModelSource(self.config, visual_ref=[self._ray.put(folder.visual.read_bytes())], tag=tag)

    @property
    def ships_pixels(self) -> bool:
        return self.options.mode == SHIP

    @property
    def window(self) -> int:
        return self.options.window_size

    def run(self, jobs: Sequence[ClusterJob], cancel: threading.Event | None = None) -> Iterator[ClusterResult]:
        if not jobs:
            return
        ds = self._dataset(jobs)
        pending: dict[str, list[tuple[int, np.ndarray, str]]] = {}
        try:
            for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
                for key, ms, frames, err, vec in zip(batch["key"], batch["frame_ms"], batch["frames"],
                                                     batch["error"], batch["vector"], strict=True):
                    rows = pending.setdefault(str(key), [])
                    rows.append((int(ms), vec, str(err)))
                    if len(rows) == int(frames):
                        yield _result(str(key), pending.pop(str(key)))
                if cancel is not None and cancel.is_set():
                    return
        except ClusterError:
            raise
        except Exception as exc:  # a job that failed beyond its retries ends the run, in one line
            raise ClusterError(f"the cluster job failed: {type(exc).__name__}: {exc}") from exc

    def _blocks(self, rows: int) -> int:
        """A block per batch: every actor gets work, and results come back a batch at a time
        (committed as they come) rather than a window at a time."""
        return max(1, math.ceil(rows / self.batch_size))

    def _dataset(self, jobs: Sequence[ClusterJob]) -> Any:
        data = self._ray.data
        embed_args = {"fn_constructor_kwargs": {"source": self.source, "threads": self.shape.actor_cpus},
                      "compute": data.ActorPoolStrategy(size=self.shape.actors),
                      "batch_size": self.batch_size,
                      "num_gpus": 1 if self.shape.gpus >= 1 else None,
                      "num_cpus": self.shape.actor_cpus if self.shape.gpus < 1 else 1}
        if self.ships_pixels:
            rows = [{"key": j.key, "frame_ms": ms, "frames": len(j.pixels), "error": "",
                     "pixels": px.astype(PIXEL_DTYPE)}
                    for j in jobs if j.pixels is not None
                    for ms, px in zip(j.frame_ms or (-1,), j.pixels, strict=True)]
            return data.from_items(rows, override_num_blocks=self._blocks(len(rows))).map_batches(
                EmbedActor, **embed_args)
        files = [{"key": j.key, "path": self.options.worker_path(j.path or "")} for j in jobs]
        decoded = data.from_items(files, override_num_blocks=self._blocks(len(files)))
        if self.shape.gpus >= 1:
            decoded = decoded.map_batches(decode_batch, fn_kwargs={"config": self.config},
                                          batch_size=DECODE_BATCH, num_cpus=1)
        return decoded.map_batches(EmbedActor, **embed_args)


def _result(key: str, rows: list[tuple[int, np.ndarray, str]]) -> ClusterResult:
    rows.sort(key=lambda r: r[0])
    error = next((e for _, _, e in rows if e), None)
    vectors = np.stack([v for _, v, _ in rows]).astype(np.float32, copy=False)
    if error is not None:
        return ClusterResult(key, vectors[:0], error=error)
    picture = len(rows) == 1 and rows[0][0] < 0
    return ClusterResult(key, vectors, frame_ms=None if picture else tuple(ms for ms, _, _ in rows))


def describe(options: ClusterOptions) -> str:
    """What `photolens doctor --cluster` says about the cluster it can see."""
    with connect(options) as ray:
        version = getattr(ray, "__version__", "?")
        return f"Ray {version} at {options.address}: {cluster_shape(ray, options.mode == SHIP).describe()}"
