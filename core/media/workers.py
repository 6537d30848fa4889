"""Functions that run in decode worker processes (picklable, no shared state)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..embed.model_files import ModelConfig
from ..embed.preprocess import preprocess
from ..errors import DecodeError
from .decode import open_image


@dataclass(frozen=True)
class DecodeJob:
    path: str
    config: ModelConfig


def init_worker(low_priority: bool) -> None:
    """Decode workers run niced so the desktop stays responsive."""
    if low_priority and hasattr(os, "nice"):
        try:
            os.nice(10)
        except OSError:
            pass


def decode_for_model(job: DecodeJob) -> np.ndarray | str:
    """Decode + preprocess one file; an error comes back as its message (never raised)."""
    try:
        image = open_image(job.path, min_side=job.config.image_size)
        return preprocess(image, job.config)
    except DecodeError as exc:
        return str(exc)
    except Exception as exc:  # anything else a hostile file provokes, as text
        return f"cannot decode image: {type(exc).__name__}: {exc}"
