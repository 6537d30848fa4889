"""Paths and numbers a user may give: odd folder names, shared folders, nonsense weights."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from photolens.core.errors import PhotolensError
from photolens.core.library import Library

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "photolens.core.cli", *args], capture_output=True, text=True,
                          timeout=180, env={**os.environ})


@pytest.mark.parametrize("name", ["what?now", "hash#tag", "100% sure", "a?b#c%20d"])
def test_a_data_dir_with_uri_characters_opens_read_only_too(tmp_path: Path, photo_dir: Path, name: str) -> None:
    data = tmp_path / name
    with Library.open(data, model_path=ORACLE) as lib:
        lib.add_folder(photo_dir)
        lib.index()
    before = sorted(p.name for p in tmp_path.iterdir())
    with Library.open(data, model_path=ORACLE, read_only=True) as reader:
        assert reader.read_only and reader.search("a red circle", limit=3).hits
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no stray file beside it


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_an_existing_folder_keeps_its_mode_and_a_new_one_is_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with Library.open(shared):
        pass
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777  # the user's folder, left as it was
    fresh = tmp_path / "new" / "library"
    with Library.open(fresh):
        pass
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700


@pytest.mark.parametrize("flag,value", [("--text-weight", "nan"), ("--text-weight", "inf"),
                                        ("--image-weight", "-1"), ("--sketch-weight", "1e9")])
def test_nonsense_weights_are_refused_before_anything_opens(tmp_path: Path, flag: str, value: str) -> None:
    out = _cli("--data-dir", str(tmp_path / "data"), "search", "a red circle", flag, value)
    assert out.returncode == 2 and "weight" in out.stderr
    assert not (tmp_path / "data").exists()


def test_all_weights_zero_is_a_clear_error_and_scores_stay_numbers(tmp_path: Path, photo_dir: Path) -> None:
    data = str(tmp_path / "data")
    assert _cli("--data-dir", data, "index", str(photo_dir), "--model-path", str(ORACLE)).returncode == 0
    out = _cli("--data-dir", data, "search", "a red circle", "--text-weight", "0")
    assert out.returncode == 2 and "weight" in out.stderr
    out = _cli("--data-dir", data, "search", "a red circle", "--text-weight", "0.5", "--json")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)  # valid JSON: no NaN
    assert hits and all(isinstance(h["score"], float) for h in hits)


@pytest.mark.skipif(not Path("/proc/self/mounts").exists(), reason="Linux pseudo file systems")
def test_proc_sys_and_dev_are_never_walked(tmp_path: Path, photo_dir: Path) -> None:
    from photolens.core.scanner import walk_media

    (photo_dir / "proc-link").symlink_to("/proc")
    (photo_dir / "sys-link").symlink_to("/sys")
    (photo_dir / "dev-link").symlink_to("/dev")
    found = [f.path for f in walk_media(photo_dir)]
    assert len(found) == 12 and not any("-link" in p for p in found)
    out = _cli("--data-dir", str(tmp_path / "data"), "index", "/proc", "--model-path", str(ORACLE))
    assert out.returncode == 2 and "system file system" in out.stderr
    with Library.open(tmp_path / "data2") as lib:
        for path in ("/proc", "/sys", "/dev"):
            with pytest.raises(PhotolensError, match="system file system"):
                lib.add_folder(path)
        assert lib.folders() == []
