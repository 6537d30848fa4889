"""Indexing through a local Ray cluster (`index --cluster`): the optional `cluster` extra.

One local Ray instance (2 CPUs) serves the whole module. Vectors through the cluster equal
the in-process ones, a killed worker's batch is retried, a killed driver resumes without
re-embedding what it committed, and an unreachable cluster fails in one line, quickly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from photolens.core.cluster.options import ClusterOptions, PathMap
from photolens.core.errors import ClusterError
from photolens.core.library import Library
from tests.conftest import ORACLE_DIR
from tests.helpers import make_image, make_video, scene

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - the ray module, initialised
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    from tests import cluster_actors

    os.environ[cluster_actors.TEST_DIR] = str(tmp_path_factory.mktemp("ray"))  # the workers inherit it
    ray.cloudpickle.register_pickle_by_value(cluster_actors)  # the workers need not import tests/
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="warning")
    yield ray
    ray.shutdown()
    del os.environ[cluster_actors.TEST_DIR]


def _library(data: Path, window_batch: int = 8) -> Library:
    lib = Library.open(data, model_path=ORACLE_DIR, models_dir=data / "models")
    lib.save_settings(lib.settings.with_changes(batch_size=window_batch))
    return lib


def _pictures(root: Path, n: int) -> Path:
    colours = [(220, 30, 30), (30, 200, 40), (40, 60, 220), (230, 220, 40)]
    for i in range(n):
        make_image(root / f"p{i:02d}.{'png' if i % 2 else 'jpg'}", colours[i % 4], size=(90 + i, 70), seed=i,
                   shape="circle" if i % 2 else "square")
    return root


def _vectors(lib: Library) -> dict[tuple[str, int], np.ndarray]:
    rows = lib.catalog.conn.execute(
        "SELECT i.hash, i.frame_ms, e.vector FROM items i JOIN embeddings e ON e.item_id = i.id WHERE e.model_id = ?",
        (lib.model_id,))
    return {(h, ms): np.frombuffer(v, dtype=np.float16).astype(np.float32) for h, ms, v in rows}


def test_options_map_paths_and_choose_the_mode() -> None:
    opts = ClusterOptions("ray://head:10001", path_maps=(PathMap.parse("/home/me/Pictures=/mnt/nas/pics"),
                                                         PathMap.parse("/home/me/Pictures/2024=/mnt/fast/2024")))
    assert opts.mode == "shared" and opts.host_port() == ("head", 10001)
    assert opts.worker_path("/home/me/Pictures/a/b.jpg") == "/mnt/nas/pics/a/b.jpg"
    assert opts.worker_path("/home/me/Pictures/2024/c.jpg") == "/mnt/fast/2024/c.jpg"  # the longest prefix
    assert opts.worker_path("/home/me/Pictures2/d.jpg") == "/home/me/Pictures2/d.jpg"  # not a folder prefix
    assert ClusterOptions("ray://head:10001").mode == "ship" and ClusterOptions("local").mode == "shared"
    assert ClusterOptions("local", files="ship").window_size == 512
    for bad in (lambda: ClusterOptions("head:10001"), lambda: ClusterOptions("local", files="nfs"),
                lambda: PathMap.parse("/no-equals")):
        with pytest.raises(ClusterError):
            bad()


def test_unreachable_cluster_fails_in_one_line_within_seconds(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    from photolens.core.cluster.ray_stage import connect

    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "photolens.core.cli", "--data-dir", str(tmp_path / "data"), "index",
         str(_pictures(tmp_path / "p", 1)), "--model-path", str(ORACLE_DIR), "--cluster", "ray://127.0.0.1:9"],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Ray cluster at ray://127.0.0.1:9" in lines[0], proc.stderr
    assert time.monotonic() - start < 15  # the interpreter and the import included; the probe itself:
    start = time.monotonic()
    with pytest.raises(ClusterError, match="cannot reach the Ray cluster at ray://10.255.255.1:10001"), \
            connect(ClusterOptions("ray://10.255.255.1:10001", connect_timeout_s=0.5)):
        pass
    assert time.monotonic() - start < 3


def test_cluster_vectors_equal_the_in_process_ones(ray_cluster, tmp_path: Path) -> None:
    """Both ways of getting the files to the workers, against one in-process run."""
    photos = _pictures(tmp_path / "photos", 10)
    (photos / "copy.jpg").write_bytes((photos / "p00.jpg").read_bytes())  # a duplicate: embedded once
    make_video(photos / "clip.mp4", [scene((200, 40, 40)), scene((40, 40, 200), shape="square")], seconds_each=2.0)
    (photos / "broken.jpg").write_bytes(b"not a picture")
    with _library(tmp_path / "here") as here:
        here.add_folder(photos)
        expected = here.index()
        want = _vectors(here)
    assert expected.embedded == 11 and expected.reused == 1 and expected.errors == 1
    assert sum(ms > 0 for _, ms in want) >= 1  # the video's frames too
    for files in ("shared", "ship"):
        with _library(tmp_path / files) as there:
            there.add_folder(photos)
            report = there.index(cluster=ClusterOptions("local", files=files, window=16))
            got = _vectors(there)
            assert there.search("a red circle", limit=3).hits  # the vector index followed the commits
            assert there.status().errors[0][0].endswith("broken.jpg")
        assert (report.embedded, report.reused, report.errors) == (11, 1, 1), files
        assert got.keys() == want.keys(), files
        for key, v in want.items():
            cosine = float(v @ got[key]) / float(np.linalg.norm(v) * np.linalg.norm(got[key]))
            assert cosine >= 0.999, (files, key, cosine)


def test_doctor_reports_the_cluster_it_sees(ray_cluster) -> None:
    from photolens.core.doctor import _cluster

    check = _cluster("local")  # the module's Ray is used as it is
    assert check.status == "ok" and "2 CPUs" in check.detail and "no GPU" in check.detail, check
    assert _cluster(None).status == "ok" and "installed" in _cluster(None).detail


def test_a_killed_worker_is_retried(ray_cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from photolens.core.cluster import ray_stage
    from tests.cluster_actors import TEST_DIR, DyingOnceActor

    marker = Path(os.environ[TEST_DIR]) / "die-once"
    marker.write_text("")
    monkeypatch.setattr(ray_stage, "EmbedActor", DyingOnceActor)
    photos = _pictures(tmp_path / "photos", 6)
    with _library(tmp_path / "data") as lib:
        lib.add_folder(photos)
        report = lib.index(cluster=ClusterOptions("local", window=6))
        assert not marker.exists()  # the actor died once
        assert report.embedded == 6 and report.errors == 0 and len(_vectors(lib)) == 6


STALLING_DRIVER = """
import sys
import ray
from photolens.core.cluster import ray_stage
import tests.cluster_actors as actors
ray.cloudpickle.register_pickle_by_value(actors)
ray_stage.EmbedActor = actors.StallingActor
from photolens.core.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_killed_driver_resumes_without_re_embedding(ray_cluster, tmp_path: Path) -> None:
    photos = _pictures(tmp_path / "photos", 24)
    data = tmp_path / "data"
    with _library(data, window_batch=4):
        pass
    env = {**os.environ, "RAY_ADDRESS": ray_cluster.get_runtime_context().gcs_address,
           "PYTHONPATH": os.pathsep.join(sys.path)}
    driver = subprocess.Popen(
        [sys.executable, "-c", STALLING_DRIVER, "--data-dir", str(data), "index", str(photos),
         "--model-path", str(ORACLE_DIR), "--cluster", "local", "--cluster-window", "8"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=(tmp_path / "driver.log").open("w"))
    try:
        committed = _wait_for_commits(data, 8, driver, tmp_path / "driver.log")  # batches of 4, then a hang
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=30)
    with _library(data, window_batch=4) as lib:
        before = _vectors(lib)
        assert 24 > len(before) >= committed >= 8
        report = lib.index(cluster=ClusterOptions("local", window=24))
        after = _vectors(lib)
    assert report.embedded == 24 - len(before)  # what was committed is not embedded again
    assert len(after) == 24 and all(np.array_equal(after[k], v) for k, v in before.items())


def _wait_for_commits(data: Path, at_least: int, driver: subprocess.Popen[bytes], log: Path) -> int:
    """Poll the catalog (read-only, as a second process would) until the driver committed
    `at_least` vectors; fail with its stderr if it exits first."""
    import sqlite3

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if driver.poll() is not None:
            pytest.fail(f"the driver exited ({driver.returncode}): {log.read_text()[-3000:]}")
        try:
            with sqlite3.connect(f"file:{data / 'catalog.db'}?mode=ro", uri=True, timeout=5) as conn:
                n = int(conn.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        except sqlite3.OperationalError:
            n = 0
        if n >= at_least:
            return n
        time.sleep(0.1)
    pytest.fail(f"the driver committed fewer than {at_least} vectors in 90 s: {log.read_text()[-3000:]}")


def test_the_default_path_never_imports_ray(tmp_path: Path) -> None:
    """An in-process index from the CLI never imports ray (the house rules check the imports)."""
    photos = _pictures(tmp_path / "photos", 2)
    code = (
        "import sys; from photolens.core.cli import main\n"
        f"main(['--data-dir', {str(tmp_path / 'data')!r}, 'index', {str(photos)!r}, '--model-path', {str(ORACLE_DIR)!r}])\n"
        "assert not any(m == 'ray' or m.startswith('ray.') for m in sys.modules), 'ray was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
