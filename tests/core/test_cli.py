"""The command-line contract: flags, JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from photolens.core.cli import build_parser, main


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "photolens.core.cli", *args], capture_output=True, text=True, timeout=timeout, env=full_env
    )


def test_every_command_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        assert any(ch.dest == name and ch.help for ch in sub._choices_actions), name  # noqa: SLF001
        for cmd, parser in [(name, p), *((f"{name} {n}", q) for n, q in _subcommands(p))]:
            undocumented = [a.dest for a in parser._actions  # noqa: SLF001
                            if not a.help and a.dest != "help" and not isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
            assert not undocumented, f"`photolens {cmd}`: options without help: {undocumented}"


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
    return [(n, q) for a in actions for n, q in a.choices.items()]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("photolens ")


def test_index_search_status_json(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    data = str(tmp_path / "data")
    out = run_cli("--data-dir", data, "index", str(photo_dir), "--model-path", str(tiny_model_dir), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["embedded"] == 12 and summary["errors"] == 0

    # the model given to `index` is remembered for later searches
    out = run_cli("--data-dir", data, "search", "a red circle", "--limit", "3", "--json", "--all", "--no-group")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 3 and all({"path", "score"} <= h.keys() for h in hits)
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]

    example = photo_dir / "home" / "p01.png"
    out = run_cli("--data-dir", data, "search", "--image", str(example), "--limit", "1", "--json")
    assert json.loads(out.stdout)[0]["path"] == str(example)

    # "more like this" / "less like this" take indexed files; anything else is a clear error
    other = photo_dir / "home" / "p02.jpg"
    out = run_cli("--data-dir", data, "search", "--like", str(example), "--unlike", str(other), "--limit", "12",
                  "--json", "--all", "--no-group")
    assert out.returncode == 0, out.stderr
    paths = [h["path"] for h in json.loads(out.stdout)]
    assert out.returncode == 0 and str(example) not in paths and str(other) not in paths  # the examples themselves
    out = run_cli("--data-dir", data, "search", "--like", str(tmp_path / "nowhere.png"))
    assert out.returncode != 0 and "not an indexed picture" in out.stderr and "Traceback" not in out.stderr

    (photo_dir / "bad.jpg").write_text("nope")
    run_cli("--data-dir", data, "index")
    out = run_cli("--data-dir", data, "status", "--json")
    status = json.loads(out.stdout)
    assert status["indexed"] == 12
    assert status["errors"] == [{"path": str(photo_dir / "bad.jpg"), "reason": status["errors"][0]["reason"]}]
    assert status["errors"][0]["reason"]


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    env = {"PHOTOLENS_MODELS_DIR": str(tmp_path / "no-models")}
    out = run_cli("--data-dir", str(tmp_path / "d"), "index", str(tmp_path), env=env)
    assert out.returncode != 0
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "photolens models fetch" in lines[0] and "Traceback" not in out.stderr
    out = run_cli("--data-dir", str(tmp_path / "d"), "search", "--image", str(tmp_path / "missing.jpg"))
    assert out.returncode != 0 and "not a file" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("--data-dir", str(tmp_path / "d"), "--debug", "search", "--image", str(tmp_path / "missing.jpg"))
    assert "Traceback" in out.stderr


def test_data_dir_from_environment(tmp_path: Path) -> None:
    out = run_cli("status", "--json", env={"PHOTOLENS_DATA_DIR": str(tmp_path / "envdata")})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["data_dir"] == str(tmp_path / "envdata")


def test_models_list_and_offline_fetch(tmp_path: Path) -> None:
    env = {"PHOTOLENS_MODELS_DIR": str(tmp_path / "models")}
    out = run_cli("models", "list", "--json", env=env)
    names = {m["name"] for m in json.loads(out.stdout)}
    assert {"ViT-B-32", "MobileCLIP2-S0"} <= names
    # an unreachable hub: one clear line, no traceback
    out = run_cli("models", "fetch", "ViT-B-32", "--hub-url", "http://127.0.0.1:9", env=env)
    assert out.returncode != 0 and "offline" in out.stderr and "--model-path" in out.stderr
    assert "Traceback" not in out.stderr


def _fetch_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A fresh HOME and models folder; a token that must never be sent."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_", "XDG_"))}
    return {**env, "HOME": str(home), "PHOTOLENS_MODELS_DIR": str(tmp_path / "models"), "HF_TOKEN": "hf_secret", **extra}


def test_models_fetch_from_a_hub_resumes_and_sends_no_token(tmp_path: Path, tiny_model_dir: Path) -> None:
    from tests.fake_hub import serve

    with serve(tmp_path / "hub") as hub:
        hub.add_immich_pack("immich-app/ViT-B-32__laion2b_s34b_b79k", tiny_model_dir)
        hub.cut["visual/model.onnx"] = 100
        env = _fetch_env(tmp_path)
        out = subprocess.run([sys.executable, "-m", "photolens.core.cli", "models", "fetch", "ViT-B-32", "--hub-url", hub.url],
                             capture_output=True, text=True, timeout=180, env=env)
        lines = [line for line in out.stderr.splitlines() if line.strip() and "\x1b[2K" not in line]  # less the progress bar
        assert out.returncode != 0 and len(lines) == 1 and "run the command again to resume" in lines[0], out.stderr
        hub.down = False  # the second run finds the hub through huggingface_hub's own setting
        out = subprocess.run([sys.executable, "-m", "photolens.core.cli", "models", "fetch", "ViT-B-32"],
                             capture_output=True, text=True, timeout=180, env={**env, "HF_ENDPOINT": hub.url})
        assert out.returncode == 0, out.stderr
        assert "installed ViT-B-32" in out.stdout and "model.onnx" in out.stderr  # the progress bar
        assert not hub.tokens
    assert (tmp_path / "models" / "ViT-B-32" / "config.json").is_file()
    assert not list((tmp_path / "home").rglob("*"))  # no hub cache, token or telemetry under HOME


def test_models_fetch_in_hub_offline_mode_contacts_nothing(tmp_path: Path) -> None:
    from tests.fake_hub import serve

    with serve(tmp_path / "hub") as hub:
        out = subprocess.run([sys.executable, "-m", "photolens.core.cli", "models", "fetch", "ViT-B-32", "--hub-url", hub.url],
                             capture_output=True, text=True, timeout=180, env=_fetch_env(tmp_path, HF_HUB_OFFLINE="1"))
        assert not hub.requests
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode != 0 and len(lines) == 1 and "offline" in lines[0] and "--model-path" in lines[0], out.stderr


def test_cli_startup_does_not_import_torch_or_qt() -> None:
    code = (
        "import sys; from photolens.core import cli, library; from photolens.core.embed import registry; cli.build_parser();"
        "print('torch' in sys.modules, 'PySide6' in sys.modules, 'open_clip' in sys.modules, 'dlib' in sys.modules,"
        " 'huggingface_hub' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False False False False False"


def test_watch_remembers_the_model_it_was_given(tmp_path: Path, photo_dir: Path) -> None:
    import signal

    oracle = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"
    data = str(tmp_path / "data")
    proc = subprocess.Popen([sys.executable, "-m", "photolens.core.cli", "--data-dir", data, "watch", str(photo_dir),
                             "--model-path", str(oracle)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the first report: the initial reconcile is done
        assert "12 embedded" in first, first
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = run_cli("--data-dir", data, "status", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["model_path"] == str(oracle.resolve())
