"""Embed actors that misbehave on purpose, for the cluster tests (they run in Ray workers)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from photolens.core.cluster.workers import Batch, EmbedActor

TEST_DIR = "PHOTOLENS_TEST_CLUSTER_DIR"  # set before ray.init: the workers inherit it


class DyingOnceActor(EmbedActor):
    """Dies (os._exit, like a killed process) on a batch while the file die-once exists;
    the file is removed first, so the batch retried on the restarted actor goes through."""

    def __call__(self, batch: Batch) -> Batch:
        marker = Path(os.environ[TEST_DIR]) / "die-once"
        if marker.exists():
            marker.unlink()
            os._exit(1)
        return super().__call__(batch)


class StallingActor(EmbedActor):
    """Embeds the first STALL_AFTER batches (counted in files, across actors), then hangs
    on every batch: what came back before is committed, then the driver waits for ever
    (until the test kills it)."""

    STALL_AFTER = 3

    def __call__(self, batch: Batch) -> Batch:
        done = Path(os.environ[TEST_DIR]) / "batches"
        done.mkdir(exist_ok=True)
        if len(list(done.iterdir())) >= self.STALL_AFTER:
            while True:
                time.sleep(1)
        out = super().__call__(batch)
        (done / f"{os.getpid()}-{time.monotonic_ns()}").touch()
        return out
