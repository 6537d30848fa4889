"""Settings: written by a TOML library, a broken file is kept aside and never locks the user out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from photolens.core.config import (
    SETTINGS_FILE,
    Settings,
    default_settings,
    load_settings,
    save_settings,
)
from photolens.core.library import Library

AWKWARD = 'C:\\models\\"quoted"\nsecond line\ttab \u00e9\u00e8 \U0001f600 # not a comment'

pytestmark = pytest.mark.smoke  # no torch: runs on every supported Python


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120, env={**os.environ})


def test_any_string_round_trips(tmp_path: Path) -> None:
    settings = Settings(model_path=AWKWARD, exclude_patterns=("*.tmp", 'a"b', "new\nline"),
                        extra={"key with space": "x\ny"}, diversity=0.3, hubness=False)
    save_settings(tmp_path, settings)
    notes: list[str] = []
    assert load_settings(tmp_path, notes) == settings
    assert notes == []
    assert not list(tmp_path.glob("*.tmp"))


def test_library_with_newline_in_model_path_opens_again(tmp_path: Path) -> None:
    with Library.open(tmp_path / "data") as lib:
        lib.save_settings(lib.settings.with_changes(model_path=AWKWARD))
    with Library.open(tmp_path / "data") as lib:
        assert lib.settings.model_path == AWKWARD
        assert lib.notes == []


@pytest.mark.parametrize("content", [b"model = \"unterminated\nbatch_size = 8\n", b"\xff\xfe garbage \x00\x01",
                                     b"[[[not toml"])
def test_broken_file_is_kept_aside_and_defaults_used(tmp_path: Path, content: bytes) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / SETTINGS_FILE).write_bytes(content)
    with Library.open(data) as lib:
        assert lib.settings == default_settings()
        assert len(lib.notes) == 1 and "default settings are used" in lib.notes[0]
    kept = list(data.glob(f"{SETTINGS_FILE}.broken-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content  # nothing the user had is lost
    assert kept[0].name in lib.notes[0]
    with Library.open(data) as lib:  # said once: the next open is quiet
        assert lib.notes == []


def test_read_only_open_does_not_move_the_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Library.open(data):
        pass
    (data / SETTINGS_FILE).write_text("not = = toml")
    with Library.open(data, read_only=True) as lib:
        assert lib.settings == default_settings()
        assert any("defaults are used" in n for n in lib.notes)
    assert (data / SETTINGS_FILE).read_text() == "not = = toml"


def test_invalid_values_are_ignored_one_by_one(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text(
        'batch_size = "eight"\ndecode_workers = 1\ndiversity = 7.5\nbackend = "cuda-magic"\n'
        'low_priority = false\nexclude_patterns = ["*.tmp", 3]\nnew_thing = 1\n')
    notes: list[str] = []
    settings = load_settings(tmp_path, notes)
    assert settings == default_settings().with_changes(decode_workers=1, low_priority=False)
    assert len(notes) == 1
    for word in ("batch_size", "diversity", "backend", "exclude_patterns", "new_thing"):
        assert word in notes[0]
    assert (tmp_path / SETTINGS_FILE).exists()  # it parses: left where it is


def test_cli_says_so_once_and_keeps_working(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / SETTINGS_FILE).write_text('model_path = "/x\n')
    first = _cli(data, "status")
    assert first.returncode == 0, first.stderr
    assert "could not be read" in first.stdout + first.stderr
    second = _cli(data, "status")
    assert second.returncode == 0, second.stderr
    assert "could not be read" not in second.stdout + second.stderr
    assert len(list(data.glob(f"{SETTINGS_FILE}.broken-*"))) == 1


def test_photolens_analyzers_chooses_the_default_analyzers_and_the_file_wins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from photolens.core.config import load_settings

    monkeypatch.setenv("PHOTOLENS_ANALYZERS", "faces")
    s = load_settings(tmp_path)
    assert s.faces is True and s.ocr is False
    monkeypatch.setenv("PHOTOLENS_ANALYZERS", "")
    (tmp_path / "settings.toml").write_text("ocr = true\n")
    s = load_settings(tmp_path)
    assert s.faces is False and s.ocr is True  # what the file says wins
    monkeypatch.delenv("PHOTOLENS_ANALYZERS")
    (tmp_path / "settings.toml").unlink()
    s = load_settings(tmp_path)
    assert s.faces is True and s.ocr is True  # without it: both on
