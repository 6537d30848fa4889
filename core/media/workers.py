"""Functions that run in decode worker processes (picklable, no shared state)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.context import BaseContext

import numpy as np

from ..embed.model_files import ModelConfig
from ..embed.preprocess import preprocess
from ..errors import DecodeError
from .decode import open_image
from .video import is_video_path, sample_frames


@dataclass(frozen=True)
class DecodeJob:
    path: str
    config: ModelConfig


@dataclass(frozen=True)
class DecodedFrames:
    """A video's sampled frames, preprocessed: pixels[i] was shown at frame_ms[i]."""

    frame_ms: tuple[int, ...]
    pixels: np.ndarray  # (n, 3, H, W) float32


# What the fork server imports once, before it forks any worker: this module (numpy,
# Pillow, the decoders). Each worker then starts with them loaded instead of importing them
# on its own: ~0.3 s a worker on 2 cores, before the first picture could be decoded.
FORKSERVER_PRELOAD = ("__main__", __name__, __name__.rsplit(".", 2)[0] + ".indexer")


def terminate_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once, a worker stuck in a job included (a running job cannot be
    cancelled; Python 3.14's terminate_workers() does this, older ones need the processes)."""
    stop = getattr(pool, "terminate_workers", None)
    if callable(stop):
        try:
            stop()
            return
        except (OSError, RuntimeError, ValueError):
            pass
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.terminate()
        except (OSError, AttributeError, ValueError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def ready() -> int:
    """A no-op task: submitted to a new pool so its workers start (and import) at once,
    while the parent is still scanning, hashing or loading the model."""
    return os.getpid()


def pool_context() -> BaseContext:
    """The start method of the worker pools: a preloaded fork server on Linux (no fork of
    a process that runs threads), spawn elsewhere."""
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD))  # effective until the server starts
        return ctx
    return multiprocessing.get_context("spawn")


def init_worker(low_priority: bool) -> None:
    """Decode workers run niced so the desktop stays responsive, and ignore Ctrl-C: a
    terminal sends SIGINT to the whole process group, and a worker that dies of it while
    holding the result queue's lock hangs the parent's shutdown. The parent stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if low_priority and hasattr(os, "nice"):
        try:
            os.nice(10)
        except OSError:
            pass


def decode_for_model(job: DecodeJob) -> np.ndarray | DecodedFrames | str:
    """Decode + preprocess one file (an image, or a video's sampled frames); an error comes
    back as its message (never raised)."""
    video = is_video_path(job.path)
    try:
        if video:
            frames = sample_frames(job.path, min_side=job.config.image_size)
            pixels = np.stack([preprocess(image, job.config) for _, image in frames])
            return DecodedFrames(tuple(ms for ms, _ in frames), pixels)
        image = open_image(job.path, min_side=job.config.image_size)
        return preprocess(image, job.config)
    except DecodeError as exc:
        return str(exc)
    except Exception as exc:  # anything else a hostile file provokes, as text
        return f"cannot decode {'video' if video else 'image'}: {type(exc).__name__}: {exc}"


def decode_timed(job: DecodeJob) -> tuple[np.ndarray | DecodedFrames | str, float]:
    """decode_for_model and the CPU milliseconds it took in this worker (the indexer balances
    decoding against the model by it: core/pipeline_balance.py)."""
    t0 = time.process_time()
    result = decode_for_model(job)
    return result, (time.process_time() - t0) * 1000.0
