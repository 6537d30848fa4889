"""How fast each model runs on this machine: measured, kept in the models dir.

Two figures per model. "indexing": pictures per second end to end (decode, embed, commit),
recorded by every index run long enough to say (core/library.py); it is what a model switch
will take, so the switch's time left is estimated from it when no indexer is running.
"model": the image tower alone on ready-made batches (`measure`), for a model that was never
used here (the model dialog's Measure button, `photolens models speed NAME`).

The file is small JSON, written whole to a temp file and renamed: a kill never leaves half of
it, and an unreadable one counts as nothing measured.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .atomic_file import write_atomic
from .embed.base import Embedder
from .embed.model_files import ModelFolder

log = logging.getLogger(__name__)

SPEEDS_FILE = "speeds.json"
HOW = ("indexing", "model")
MIN_PICTURES = 32  # an index run that embedded fewer says too little about the speed


@dataclass(frozen=True)
class Speed:
    """`img_s` pictures a second, measured `how`, at unix time `measured_at` on `cores` cores."""

    img_s: float
    how: str
    measured_at: float
    cores: int

    def text(self) -> str:
        label = "indexing" if self.how == "indexing" else "model alone"
        return f"{self.img_s:.1f} img/s ({label})"


def _path(models_dir: Path) -> Path:
    return models_dir / SPEEDS_FILE


def _read(models_dir: Path) -> dict[str, dict[str, dict[str, float | int | str]]]:
    try:
        data = json.loads(_path(models_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.debug("speeds unreadable (%s): counting them as not measured", exc)
        return {}
    return data if isinstance(data, dict) else {}


def known_speeds(models_dir: Path, model_id: str) -> dict[str, Speed]:
    """The figures measured here for `model_id`, by how they were measured."""
    out: dict[str, Speed] = {}
    for how, row in (_read(models_dir).get(model_id) or {}).items():
        try:
            out[how] = Speed(float(row["img_s"]), how, float(row["measured_at"]), int(row["cores"]))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def best_speed(models_dir: Path, model_id: str) -> Speed | None:
    """The figure to show or plan with: end to end when known, else the model alone."""
    speeds = known_speeds(models_dir, model_id)
    return speeds.get("indexing") or speeds.get("model")


def installed_speed(models_dir: Path, name: str) -> Speed | None:
    """best_speed of the known model `name` when it is installed and readable."""
    from .embed.registry import is_installed, resolve
    from .errors import PhotolensError

    if not is_installed(models_dir, name):
        return None
    try:
        return best_speed(models_dir, resolve(models_dir, name).config.model_id)
    except (PhotolensError, OSError, ValueError):
        return None


def record_speed(models_dir: Path, model_id: str, img_s: float, how: str) -> Speed | None:
    """Keep a measured figure (the newest of its kind replaces the older); None when the
    models dir cannot be written (the figure is then simply not kept)."""
    if how not in HOW:
        raise ValueError(f"how must be one of {HOW}, not {how!r}")
    if not img_s > 0:
        return None
    speed = Speed(float(img_s), how, time.time(), os.cpu_count() or 1)
    data = _read(models_dir)
    data.setdefault(model_id, {})[how] = {k: v for k, v in asdict(speed).items() if k != "how"}
    path = _path(models_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode())
    except OSError as exc:
        log.debug("speed of %s not kept: %s", model_id, exc)
        return None
    return speed


def measure(embedder: Embedder, *, pictures: int = 48, batch: int = 16) -> float:
    """Pictures per second of the image tower alone, on `pictures` random model-size images
    in batches of `batch`, after one warm-up batch (graph optimisation, allocations)."""
    size = embedder.config.image_size
    rng = np.random.default_rng(0)
    pixels = rng.standard_normal((batch, 3, size, size), dtype=np.float32)
    embedder.embed_pixels(pixels)
    done = 0
    start = time.perf_counter()
    while done < pictures:
        embedder.embed_pixels(pixels)
        done += batch
    return done / (time.perf_counter() - start)


def measure_folder(models_dir: Path, folder: ModelFolder) -> tuple[float, Speed | None]:
    """Time the model in `folder` here (`measure`) and keep the figure: (img/s, as kept)."""
    from .embed.onnx_backend import OnnxEmbedder

    img_s = measure(OnnxEmbedder(folder))
    return img_s, record_speed(models_dir, folder.config.model_id, img_s, "model")


def measure_installed(models_dir: Path, name: str) -> float:
    """`measure_folder` for the installed known model `name`: its img/s."""
    from .embed.registry import resolve

    return measure_folder(models_dir, resolve(models_dir, name))[0]
