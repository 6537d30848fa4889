"""Crash safety, hostile files and full disks (QUALITY.md §3), with real files and processes."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photolens.core.errors import StorageError
from photolens.core.library import Library
from photolens.core.media.workers import DecodeJob, decode_for_model
from tests.helpers import make_image


def _settings(data: Path, batch: int) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "settings.toml").write_text(f"batch_size = {batch}\ndecode_workers = 1\n")


def _check_consistent(data: Path, model: Path, root: Path) -> int:
    """Catalog and vector index agree; every path is there at most once. Returns vectors committed."""
    with Library.open(data, model_path=model) as lib:
        keys = set(int(k) for k in lib.catalog.embedding_keys(lib.model_id))
        assert set(int(k) for k in lib.vectors.keys()) == keys
        rows = lib.catalog.conn.execute("SELECT path, count(*) FROM files GROUP BY path HAVING count(*) > 1").fetchall()
        assert rows == []
        orphans = lib.catalog.conn.execute(
            "SELECT count(*) FROM files f WHERE f.status='indexed' AND NOT EXISTS "
            "(SELECT 1 FROM items i JOIN embeddings e ON e.item_id = i.id WHERE i.hash = f.hash)"
        ).fetchone()[0]
        assert orphans == 0  # every file marked indexed has its vector
        return len(keys)


def test_kill_9_at_random_moments_loses_nothing(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = tmp_path / "photos"
    n = 300  # enough that five kills land before the run completes (2 decode workers are fast)
    for i in range(n):
        make_image(root / f"d{i % 4}" / f"img{i:03d}.png", (i % 255, (7 * i) % 255, (13 * i) % 255), seed=i)
    data = tmp_path / "data"
    _settings(data, batch=4)
    cmd = [sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), "index", str(root),
           "--model-path", str(tiny_model_dir)]
    rng = random.Random(42)
    committed = 0
    kills = 0
    for _trial in range(5):
        target = committed + rng.randint(3, 30)  # kill once this many vectors are committed
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and _committed(data) < target:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))  # and at a random moment after that
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the indexer and its decode workers
            kills += 1
        proc.wait(timeout=30)
        now = _check_consistent(data, tiny_model_dir, root)
        assert now >= committed  # nothing committed was lost
        committed = now
    # the trials really interrupted the work (on a loaded machine the last trial may finish
    # the run before its kill lands: each kill before it was still checked above)
    assert kills >= 3
    with Library.open(data, model_path=tiny_model_dir) as lib:
        report = lib.index()
        assert report.embedded == n - committed  # nothing committed is embedded again
        assert lib.status().indexed == n and lib.status().pending == 0
        for path in rng.sample(sorted(root.rglob("*.png")), 10):
            assert lib.search(lib_query(path), limit=1).hits[0].path == str(path)
    _check_consistent(data, tiny_model_dir, root)


def _committed(data: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{data / 'catalog.db'}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    except sqlite3.Error:
        return 0


def lib_query(path: Path):  # noqa: ANN201
    from photolens.core.query.model import SearchQuery

    return SearchQuery(image=path)


def _hostile_folder(root: Path) -> dict[str, str | None]:
    """Write every kind of odd file; map name -> expected error fragment (None = indexable)."""
    root.mkdir(parents=True)
    good = make_image(root / "good.jpg", (200, 30, 30), size=(200, 150))
    expected: dict[str, str | None] = {"good.jpg": None}
    (root / "zero.jpg").write_bytes(b"")
    expected["zero.jpg"] = "empty"
    data = good.read_bytes()
    (root / "truncated.jpg").write_bytes(data[: len(data) // 3])
    expected["truncated.jpg"] = "truncated"
    (root / "text.jpg").write_text("this is not a picture")
    expected["text.jpg"] = "not a readable image"
    Image.new("RGB", (40, 30), (0, 90, 0)).save(root / "png-named.jpg", format="PNG")
    expected["png-named.jpg"] = None
    Image.new("1", (16_000, 14_000)).save(root / "bomb.png")
    expected["bomb.png"] = "too large"
    Image.new("CMYK", (64, 48), (0, 200, 200, 0)).save(root / "cmyk.jpg")
    expected["cmyk.jpg"] = None
    Image.fromarray(np.linspace(0, 65535, 64 * 48, dtype=np.uint16).reshape(48, 64)).save(root / "deep16.png")
    expected["deep16.png"] = None
    pal = Image.new("P", (50, 50), 1)
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.info["transparency"] = 0
    pal.save(root / "palette.png", transparency=0)
    expected["palette.png"] = None
    frames = [Image.new("RGB", (40, 40), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(root / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    expected["anim.gif"] = None
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (120, 60), (0, 0, 200)).save(root / "rotated.jpg", exif=exif.tobytes())
    expected["rotated.jpg"] = None
    Image.new("RGB", (50, 40), (1, 2, 3)).save(root / "badexif.jpg", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\xff garbage")
    expected["badexif.jpg"] = None
    long_name = "l" * 240 + ".png"
    Image.new("RGB", (30, 30), (9, 9, 9)).save(root / long_name)
    expected[long_name] = None
    os.symlink(root, root / "loop")  # a symlink loop back to the root
    try:
        bad = os.fsdecode(b"bad-\xff\xfe-name.png")
        Image.new("RGB", (30, 30)).save(os.path.join(root, bad))
        expected[os.fsencode(bad).decode("utf-8", "backslashreplace")] = "not valid UTF-8"
    except (OSError, UnicodeError):  # a file system that refuses such names
        pass
    return expected


def test_hostile_files_become_per_file_errors(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = tmp_path / "odd"
    expected = _hostile_folder(root)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(root)
        report = lib.index()
        errors = {Path(p).name: reason for p, reason in lib.status().errors}
        for name, fragment in expected.items():
            if fragment is None:
                assert name not in errors, f"{name} should index: {errors.get(name)}"
            else:
                assert fragment in errors.get(name, ""), f"{name}: {errors.get(name)!r}"
        good = sum(1 for v in expected.values() if v is None)
        assert lib.status().indexed == good  # the symlink loop added no duplicates
        assert report.errors == len(expected) - good
        rotated = lib.catalog.file_by_path(str(root / "rotated.jpg"))
        assert rotated is not None and (rotated.width, rotated.height) == (60, 120)
        again = lib.index()  # errors are remembered, not retried forever
        assert again.embedded == 0 and again.errors == 0


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_an_error(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = tmp_path / "p"
    locked = make_image(root / "locked.png", (1, 1, 1))
    locked.chmod(0)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(root)
        lib.index()
        assert "permission denied" in dict(lib.status().errors)[str(locked)]


def test_file_deleted_before_decoding(tmp_path: Path, tiny_model_dir: Path) -> None:
    from photolens.core.embed.model_files import ModelFolder

    config = ModelFolder.load(tiny_model_dir).config
    assert "disappeared" in str(decode_for_model(DecodeJob(str(tmp_path / "gone.jpg"), config)))


def test_full_disk_while_saving_keeps_the_previous_index(
    tmp_path: Path, tiny_model_dir: Path, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    with Library.open(data, model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        lib.index()
    index_file = next(data.glob("vectors-*.usearch"))
    saved = index_file.read_bytes()
    make_image(photo_dir / "extra.png", (5, 5, 250), seed=77)

    def disk_full(self: object, path: str) -> None:
        Path(path).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    from usearch.index import Index

    with Library.open(data, model_path=tiny_model_dir) as lib:
        monkeypatch.setattr(Index, "save", disk_full)
        with pytest.raises(StorageError, match="previous index is intact"):
            lib.index()
        monkeypatch.undo()
        assert index_file.read_bytes() == saved
        assert not list(data.glob("*.tmp"))
    with Library.open(data, model_path=tiny_model_dir) as lib:  # SQLite kept the new vector
        assert len(lib.vectors) == 13 and lib.index().embedded == 0


def test_a_metadata_reader_that_crashes_takes_only_a_worker_down(tmp_path: Path, photo_dir: Path) -> None:
    """Hashing and the EXIF / video probe run in worker processes: a native crash on one
    hostile file (simulated: the reader aborts the process for that file) becomes that file's
    error, and the indexing process goes on with the others."""
    import json
    import os
    import subprocess
    import sys

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os\n"
        "import photolens.core.media.metadata as m\n"
        "_read = m.read_media_metadata\n"
        "def read(path, *a, **k):\n"
        "    if os.path.basename(str(path)).startswith('crash-me'):\n"
        "        os.abort()  # what a segfaulting decoder does to its process\n"
        "    return _read(path, *a, **k)\n"
        "m.read_media_metadata = read\n"
    )
    make_image(photo_dir / "crash-me.jpg", (9, 9, 9), seed=5)
    oracle = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(tmp_path / "data"), "index",
                          str(photo_dir), "--model-path", str(oracle), "--json"], capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["embedded"] == 12 and report["errors"] == 1
    status = subprocess.run([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(tmp_path / "data"),
                             "status", "--json"], capture_output=True, text=True, timeout=120)
    errors = json.loads(status.stdout)["errors"]
    assert [(Path(e["path"]).name, e["reason"]) for e in errors] == [
        ("crash-me.jpg", "the metadata reader crashed on this file")]
