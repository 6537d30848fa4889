"""How the indexer splits the cores between decoding and the image tower, from measured costs.

Both stages are CPU work on the same cores: a decode worker process costs `decode_ms` of
CPU per picture (JPEG decode, resize, tensor), the image tower `model_ms` core-ms per
picture (its batches, in the indexing process). With perfect overlap the pipeline runs at
cores / (decode_ms + model_ms) pictures a second, and each stage needs its share of the
cores to get there: the model `cores * model_ms / (decode_ms + model_ms)`.

A stage is given enough lanes to carry its share, rounded up (a share of 1.5 cores on a
2-core machine gets 2 lanes, so the stage is never capped below its share); the queues
between the stages are bounded, so whichever stage runs ahead blocks and leaves the
cores to the other, and an extra lane costs nothing but a thread. A share just above a
whole number (within SLACK) is rounded down: one lane at 1.05 cores' worth loses 5% at
most, a second lane would only contend.

Until the first batches are measured the indexer runs as many lanes as fit in the cores
(measured on 2 cores: a fast int8 model indexes as fast with two lanes as with one, a
slow fp32 one needs both from the start). Model lanes are batches run side by side on one ONNX Runtime session (run() is
thread-safe; a session's intra-op thread count is fixed when it is created): a lane
uses `lane_threads` cores at most. Decoders: the indexer grows its decode pool to the
plan's count when its count is automatic; it never shrinks it (a blocked worker costs
nothing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SLACK = 0.1  # a share this far above a whole number of cores does not earn another lane


@dataclass(frozen=True)
class Split:
    """Decode worker processes and image-tower lanes (batches side by side)."""

    decoders: int
    lanes: int


def _lanes_for(cores_needed: float, per_lane: int, most: int) -> int:
    return max(1, min(most, math.ceil(cores_needed / per_lane - SLACK)))


def plan_split(decode_ms: float, model_ms: float, cores: int, *, lane_threads: int = 1,
               max_decoders: int | None = None) -> Split:
    """The split for measured CPU costs per picture (decode_ms in a worker, model_ms of the
    image tower, in core-ms) on `cores` cores. Unknown or zero costs give one lane and a
    decoder per core left over."""
    cores = max(1, cores)
    lane_threads = max(1, lane_threads)
    most_decoders = max(1, max_decoders if max_decoders is not None else cores)
    most_lanes = max(1, cores // lane_threads)
    total = decode_ms + model_ms
    if not (math.isfinite(total) and total > 0 and decode_ms >= 0 and model_ms >= 0):
        return Split(decoders=min(most_decoders, max(1, cores - lane_threads)), lanes=1)
    model_cores = cores * model_ms / total
    lanes = _lanes_for(model_cores, lane_threads, most_lanes)
    decoders = _lanes_for(cores - model_cores, 1, most_decoders)
    return Split(decoders=decoders, lanes=lanes)


def cpu_bound_rate(decode_ms: float, model_ms: float, cores: int) -> float:
    """Pictures a second with every core busy and perfect overlap: the pipeline's limit."""
    total = decode_ms + model_ms
    return max(1, cores) * 1000.0 / total if total > 0 else math.inf


@dataclass
class CostMeter:
    """Running measurements of both stages over a window of pictures (the indexing thread)."""

    decode_cpu_ms: float = 0.0
    decoded: int = 0
    model_cpu_ms: float = 0.0
    embedded: int = 0

    def add_decode(self, cpu_ms: float, pictures: int = 1) -> None:
        self.decode_cpu_ms += cpu_ms
        self.decoded += pictures

    def add_model(self, cpu_ms: float, pictures: int) -> None:
        self.model_cpu_ms += cpu_ms
        self.embedded += pictures

    def ready(self, min_pictures: int) -> bool:
        return self.decoded >= min_pictures and self.embedded >= min_pictures

    def costs(self) -> tuple[float, float]:
        """(decode ms, model ms) per picture over the window."""
        return (self.decode_cpu_ms / max(1, self.decoded), self.model_cpu_ms / max(1, self.embedded))

    def reset(self) -> None:
        self.decode_cpu_ms = self.model_cpu_ms = 0.0
        self.decoded = self.embedded = 0
