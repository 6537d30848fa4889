"""A library on a read-only medium (a remounted file system, a folder it may not write to)
is searched read-only; indexing says why it cannot run (issue 13: it died with a
PermissionError on its lock file)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from photolens.core.errors import PhotolensError
from photolens.core.library import Library


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, timeout=30).returncode == 0


@pytest.fixture
def small_fs(tmp_path: Path):  # noqa: ANN201
    """A 64 MB tmpfs of our own (skipped where this user may not mount)."""
    where = tmp_path / "fs"
    where.mkdir()
    if shutil.which("mount") is None or not _mount("-t", "tmpfs", "-o", "size=64m", "tmpfs", str(where)):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


def _cli(data: Path, model: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), *args,
                           "--model-path", str(model)], capture_output=True, text=True, timeout=300)


def test_a_library_on_a_read_only_mount_is_searched(small_fs: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    data = small_fs / "library"
    assert _cli(data, tiny_model_dir, "index", str(photo_dir)).returncode == 0
    assert _mount("-o", "remount,ro", str(small_fs))
    out = _cli(data, tiny_model_dir, "search", "a red circle", "--json")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) > 0
    status = _cli(data, tiny_model_dir, "status")
    assert status.returncode == 0 and "read-only" in status.stdout and "cannot be written to" in status.stdout
    out = _cli(data, tiny_model_dir, "index")
    assert out.returncode == 2 and "cannot be written to" in out.stderr and "Traceback" not in out.stderr


def test_a_lock_that_cannot_be_opened_means_read_only(lib: Library, photo_dir: Path, tiny_model_dir: Path) -> None:
    lib.add_folder(photo_dir)
    lib.index()
    data = lib.data_dir
    lib.close()
    (data / "photolens.lock").unlink()
    (data / "photolens.lock").mkdir()  # opening it for writing fails, even for root
    with Library.open(data, model_path=tiny_model_dir) as again:
        assert again.read_only and "cannot be written to" in " ".join(again.notes)
        assert len(again.search("a red circle").hits) > 0
    with pytest.raises(PhotolensError, match="cannot be written to"):
        Library.open(data, model_path=tiny_model_dir, read_only=False)
    with pytest.raises(PhotolensError, match="cannot be written to"):
        Library.open(_unwritable_new(data), model_path=tiny_model_dir)


def _unwritable_new(data: Path) -> Path:
    """A data dir with no library yet whose lock cannot be opened: nothing to search, so an error."""
    fresh = data.parent / "fresh"
    fresh.mkdir()
    (fresh / "photolens.lock").mkdir()
    return fresh


def _fill(folder: Path) -> Path:
    ballast = folder / "ballast"
    with open(ballast, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return ballast


def test_a_full_disk_keeps_search_working_and_indexing_resumes_after(small_fs: Path, tiny_model_dir: Path,
                                                                      photo_dir: Path, tmp_path: Path) -> None:
    from tests.helpers import make_image

    data = small_fs / "library"
    assert _cli(data, tiny_model_dir, "index", str(photo_dir)).returncode == 0
    ballast = _fill(small_fs)
    out = _cli(data, tiny_model_dir, "search", "a red circle", "--json")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) > 0
    make_image(photo_dir / "later.png", (10, 240, 10), seed=99)
    out = _cli(data, tiny_model_dir, "index")
    assert out.returncode == 2 and "is full" in out.stderr and "Traceback" not in out.stderr
    ballast.unlink()
    out = _cli(data, tiny_model_dir, "index")
    assert out.returncode == 0, out.stderr
    with Library.open(data, model_path=tiny_model_dir) as lib:
        assert lib.status().indexed == 13


def _fill(where: Path) -> Path:
    """Write zeros until the file system is full; the filler file is returned."""
    filler = where / "filler.bin"
    block = b"\0" * (1 << 16)
    with open(filler, "ab") as fh:
        try:
            while True:
                fh.write(block)
                fh.flush()
        except OSError:
            pass
    return filler


def test_a_disk_that_fills_during_a_run_loses_nothing(small_fs: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    """Issue 13: the disk fills in the middle of indexing. The run stops with a clear
    StorageError (not "damaged": repair would not help); what was committed stays; once
    space is freed the next run finishes the rest and the library is whole."""
    from photolens.core.errors import StorageError
    from photolens.core.progress import IndexProgress
    from tests.helpers import make_image

    photos = tmp_path / "photos"
    for i in range(40):
        make_image(photos / f"p{i:02d}.png", (10 * i % 255, 90, 200), size=(64 + i, 48), seed=i)
    data = small_fs / "library"
    filler: list[Path] = []

    def fill_after_the_first_commits(p: IndexProgress) -> None:
        if p.phase == "index" and p.done >= 8 and not filler:
            filler.append(_fill(small_fs))

    with Library.open(data, model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        lib.apply_settings(lib.settings.with_changes(batch_size=2))
        lib.add_folder(photos)
        with pytest.raises(StorageError, match="is full") as caught:
            for _ in range(3):  # (a run whose last writes still fit: the next one meets the full disk)
                lib.index(progress=fill_after_the_first_commits)
        assert "index again" in str(caught.value)
        kept = lib.catalog.counts().get("indexed", 0)
        assert filler and kept >= 1
        filler[0].unlink()  # space again
        report = lib.index()
        assert report.errors == 0
        assert lib.catalog.counts().get("indexed", 0) == 40
    with Library.open(data, model_path=tiny_model_dir, models_dir=tmp_path / "models") as again:
        assert not again.read_only
        assert again.status().indexed == 40 and again.status().vectors == 40
        assert again.catalog.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
