"""Nothing leaves the machine: no connection, no DNS query, no telemetry queued by ONNX Runtime.

Every entry point runs as a user runs it, with a fresh HOME: index, search, watch (until
its first report), doctor and the app (offscreen). ONNX Runtime 1.32 writes its telemetry
queue (~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db) as soon as it loads
unless ORT_DISABLE_TELEMETRY=1 was set first, and later sends it (DNS queries seen after
~20 s); so the queue's absence is the check that does not depend on time. Where strace is
installed, every process is also traced and any AF_INET/AF_INET6 connect or sendto fails
the test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"
ROOT = Path(__file__).resolve().parents[2]
STRACE = shutil.which("strace")
NETWORK = re.compile(r"(connect|sendto|sendmsg)\(\d+, \{sa_family=AF_INET6?")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "PHOTOLENS_", "ORT_"))}
    return {**env, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


def _command(args: list[str], trace: Path | None) -> list[str]:
    cmd = [sys.executable, "-m", "photolens.desktop.launcher", *args]
    if trace is not None and STRACE:
        return [STRACE, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), *cmd]
    return cmd


@pytest.mark.skipif(sys.platform != "linux", reason="traced on Linux")
def test_index_search_watch_doctor_and_the_app_send_nothing(tmp_path: Path, photo_dir: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = _env(home)
    data = str(tmp_path / "data")
    traces: list[Path] = []

    def run(name: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        traces.append(tmp_path / f"{name}.trace")
        return subprocess.run(_command(list(args), traces[-1]), cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)

    out = run("index", "--data-dir", data, "index", str(photo_dir), "--model-path", str(ORACLE))
    assert out.returncode == 0, out.stderr
    out = run("search", "--data-dir", data, "search", "a red circle")
    assert out.returncode == 0, out.stderr
    run("doctor", "--data-dir", data, "doctor")
    out = run("app", "--data-dir", data, "--quit-after", "2")
    assert out.returncode == 0, out.stderr

    from tests.helpers import make_image

    make_image(photo_dir / "new.jpg", (10, 200, 200), seed=99)  # so that watch's first run reports a change
    traces.append(tmp_path / "watch.trace")
    watch = subprocess.Popen(_command(["--data-dir", data, "watch"], traces[-1]), cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert watch.stdout is not None
        assert "1 embedded" in watch.stdout.readline()  # its first report: it indexed and now follows
        os.killpg(watch.pid, signal.SIGINT)  # Ctrl-C to the group, as a terminal sends it
        watch.stdout.read()  # end of output: photolens has exited (strace may leave first)
        watch.wait(timeout=60)
    finally:
        if watch.poll() is None:
            os.killpg(watch.pid, signal.SIGKILL)

    queued = list(home.rglob("onnxruntime.db")) + list(home.rglob("Microsoft"))
    assert not queued, f"ONNX Runtime telemetry was switched on: {queued}"
    if STRACE:
        calls = [line for t in traces if t.exists() for line in t.read_text().splitlines() if NETWORK.search(line)]
        assert not calls, "network calls:\n" + "\n".join(calls[:10])
