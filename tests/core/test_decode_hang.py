"""A decode or a read that never answers (a file that loops the decoder, a drive that
stopped answering) does not hang indexing: after the timeout the file fails with a reason,
its workers are stopped, and every other file is indexed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from photolens.core import indexer as indexer_module
from photolens.core.library import Library
from tests.helpers import hash_or_hang, make_image

TIMEOUT_S = 10.0  # generous: a fresh worker pool starting under load must not count as stuck


@pytest.fixture
def stuck_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Files named stuck* never finish decoding (the worker sleeps for an hour)."""
    real = indexer_module._EmbedRun._decode
    seen: list[str] = []

    def decode(self, h):  # noqa: ANN001, ANN202
        if Path(h.file.path).name.startswith("stuck"):
            seen.append(h.file.path)
            return self.pool.submit(time.sleep, 3600)
        return real(self, h)

    monkeypatch.setattr(indexer_module._EmbedRun, "_decode", decode)
    monkeypatch.setattr(indexer_module._EmbedRun, "decode_timeout_s", TIMEOUT_S)
    return seen


def test_a_stuck_decode_is_skipped_and_the_rest_is_indexed(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path,
                                                            stuck_decodes: list[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    stuck = make_image(photo_dir / "home" / "stuck.png", (90, 90, 200), seed=77)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False))
        lib.add_folder(photo_dir)
        started = time.monotonic()
        report = lib.index()
        assert time.monotonic() - started < 600  # it ended: not an hour of sleep
        assert stuck_decodes == [str(stuck)]
        assert report.embedded == 12 and report.errors == 1
        errors = dict(lib.status().errors)
        assert "took longer than 10 s" in errors[str(stuck)]
        assert lib.status().indexed == 12

        again = lib.index()  # unchanged: not tried again (its error stands until it changes)
        assert stuck_decodes == [str(stuck)] and again.embedded == 0

        monkeypatch.undo()  # the decoder answers again, and the file is saved anew
        make_image(stuck, (200, 90, 90), seed=78)
        fixed = lib.index()
        assert fixed.embedded == 1 and lib.status().indexed == 13
        assert str(stuck) not in dict(lib.status().errors)


def test_terminate_pool_stops_a_worker_stuck_in_a_job() -> None:
    from concurrent.futures import ProcessPoolExecutor

    from photolens.core.media.workers import pool_context, terminate_pool

    pool = ProcessPoolExecutor(max_workers=1, mp_context=pool_context())
    stuck = pool.submit(time.sleep, 3600)
    while not stuck.running():
        time.sleep(0.01)
    processes = list(pool._processes.values())  # noqa: SLF001 - what terminate_pool stops
    terminate_pool(pool)
    for proc in processes:
        proc.join(timeout=30)
        assert not proc.is_alive()


def test_a_stuck_read_is_skipped_and_the_rest_is_indexed(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The content hash and metadata are read in a worker too: a read that hangs fails its
    file after the timeout, in the batch read at once and again when read one by one."""
    monkeypatch.setattr(indexer_module, "_hash_and_meta", hash_or_hang)  # what the workers are sent
    monkeypatch.setattr(indexer_module, "HASH_TIMEOUT_S", TIMEOUT_S)
    monkeypatch.setattr(indexer_module, "HASH_S_PER_FILE", 0.0)
    stuck = make_image(photo_dir / "trip" / "stuck-read.png", (30, 160, 90), seed=79)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False))
        lib.add_folder(photo_dir)
        report = lib.index()
        assert report.embedded == 12 and report.errors == 1
        assert "took longer than 10 s" in dict(lib.status().errors)[str(stuck)]
        assert lib.status().indexed == 12
