"""What runs on the Ray workers: the decode stage (a function) and the embed stage (a
class that loads the model once per actor). Batches are dicts of numpy arrays, one row
per picture or video frame: key (content hash), frame_ms (-1 for a picture), frames (rows
its content has), error ("" when decoded), pixels (float16, 3 x S x S) or vector."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..embed.model_files import VISUAL_FILE, ModelConfig, ModelFolder
from ..media.workers import DecodedFrames, DecodeJob, decode_for_model

log = logging.getLogger(__name__)

Batch = dict[str, np.ndarray]
PIXEL_DTYPE = np.float16  # what travels through the object store: half of float32, cosine > 0.9999


@dataclass(frozen=True)
class ModelSource:
    """The image tower as the workers get it: a folder they can read (a local cluster, a
    shared mount), or the graph's bytes in the object store (a list holding one ref, so
    that Ray hands the actor the ref and the actor fetches it once)."""

    config: ModelConfig
    folder: str | None = None
    visual_ref: list[Any] | None = None
    tag: str = ""  # names the node's cached copy of the graph: model id, size, mtime


def decode_batch(batch: Batch, config: ModelConfig) -> Batch:
    """Files (key, path) -> one row per picture or frame, decoded and preprocessed."""
    keys, frame_ms, frames, errors, pixels = [], [], [], [], []
    blank = np.zeros((3, config.image_size, config.image_size), dtype=PIXEL_DTYPE)
    for key, path in zip(batch["key"], batch["path"], strict=True):
        decoded = decode_for_model(DecodeJob(str(path), config))
        if isinstance(decoded, str):
            rows = [(-1, blank, decoded)]
        elif isinstance(decoded, DecodedFrames):
            rows = [(ms, px.astype(PIXEL_DTYPE), "") for ms, px in zip(decoded.frame_ms, decoded.pixels, strict=True)]
        else:
            rows = [(-1, decoded.astype(PIXEL_DTYPE), "")]
        for ms, px, err in rows:
            keys.append(str(key))
            frame_ms.append(ms)
            frames.append(len(rows))
            errors.append(err)
            pixels.append(px)
    return {"key": np.array(keys, dtype=object), "frame_ms": np.array(frame_ms, dtype=np.int64),
            "frames": np.array(frames, dtype=np.int64), "error": np.array(errors, dtype=object),
            "pixels": np.stack(pixels) if pixels else np.zeros((0, *blank.shape), dtype=PIXEL_DTYPE)}


class EmbedActor:
    """The image tower, loaded once per Ray actor (CUDA when the node has it and
    onnxruntime-gpu is installed there, else the CPU with `threads` threads). Given files
    (key, path) rather than pixels, it decodes them first."""

    def __init__(self, source: ModelSource, threads: int = 1):
        from ..embed.onnx_backend import OnnxEmbedder

        folder = Path(source.folder) if source.folder else _cached_graph(source)
        self.embedder = OnnxEmbedder(ModelFolder(folder, source.config), threads=threads)
        self.dim = source.config.dim
        self.config = source.config

    def __call__(self, batch: Batch) -> Batch:
        if "path" in batch:  # files: this actor decodes them first (CPU clusters)
            batch = decode_batch(batch, self.config)
        ok = np.asarray([e == "" for e in batch["error"]], dtype=bool)
        vectors = np.zeros((len(ok), self.dim), dtype=np.float32)
        if ok.any():
            vectors[ok] = self.embedder.embed_pixels(np.asarray(batch["pixels"])[ok].astype(np.float32))
        return {"key": batch["key"], "frame_ms": batch["frame_ms"], "frames": batch["frames"],
                "error": batch["error"], "vector": vectors}


def _cached_graph(source: ModelSource) -> Path:
    """The image tower from the object store, written once per node into the temp folder."""
    import ray

    assert source.visual_ref is not None
    folder = Path(tempfile.gettempdir()) / "photolens-cluster-models" / source.tag
    target = folder / VISUAL_FILE
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        data = ray.get(source.visual_ref[0])
        tmp = target.with_name(f"{VISUAL_FILE}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # complete or absent: another actor never reads half a graph
        log.info("image tower written to %s", target)
    return folder
