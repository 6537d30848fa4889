"""A fatal error in the app leaves a report, and the next launch says so.

faulthandler writes the Python stack of every thread into `photolens-crash.log` in the
data dir when the process dies of a fatal signal (SIGSEGV, SIGABRT, ...), which Qt
bindings and native libraries can raise without any Python exception. Each running
app leaves a marker `gui-<pid>.running` that a clean exit removes; a marker whose
process is gone at the next launch means that session ended abnormally.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from photolens.core.config import ensure_private_dir

log = logging.getLogger(__name__)

CRASH_LOG = "photolens-crash.log"
MARKER_GLOB = "gui-*.running"
MAX_LOG_BYTES = 1_000_000  # older reports are dropped past this size


@dataclass
class CrashGuard:
    data_dir: Path
    _marker: Path | None = None
    _stream: IO[str] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / CRASH_LOG

    def previous_crash(self) -> str | None:
        """A sentence for the user if an earlier session died, else None; forgets it once said."""
        dead = [m for m in self.data_dir.glob(MARKER_GLOB) if not _alive(_pid_of(m))]
        if not dead:
            return None
        when = max(m.stat().st_mtime for m in dead)
        for marker in dead:
            marker.unlink(missing_ok=True)
        where = (f" A report was written to {self.log_path}." if self.log_path.is_file()
                 and self.log_path.stat().st_size else "")
        return (f"The last Photolens session, started {time.strftime('%Y-%m-%d %H:%M', time.localtime(when))}, "
                f"ended abnormally.{where} Your library is safe: indexing resumes where it stopped.")

    def start(self) -> None:
        """Mark this session running and route fatal-error reports into the crash log."""
        try:
            ensure_private_dir(self.data_dir)
            _trim(self.log_path)
            self._stream = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - open for the session
            self._stream.write(f"--- session pid {os.getpid()} started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            self._stream.flush()
            faulthandler.enable(file=self._stream, all_threads=True)
            self._marker = self.data_dir / f"gui-{os.getpid()}.running"
            self._marker.write_text(str(os.getpid()), encoding="utf-8")
        except OSError as exc:  # a read-only data dir: the app still runs, without reports
            log.warning("cannot write crash reports in %s: %s", self.data_dir, exc)

    def stop(self) -> None:
        """A clean exit: no report to give at the next launch."""
        if self._stream is not None:
            faulthandler.disable()
            self._stream.close()
            self._stream = None
        if self._marker is not None:
            self._marker.unlink(missing_ok=True)
            self._marker = None


def _pid_of(marker: Path) -> int:
    try:
        return int(marker.stem.split("-", 1)[1])
    except (IndexError, ValueError):
        return -1


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid() or sys.platform == "win32":  # os.kill(pid, 0) would end it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _trim(path: Path) -> None:
    """Keep the newest half of an over-long crash log."""
    try:
        if path.stat().st_size <= MAX_LOG_BYTES:
            return
        data = path.read_bytes()[-MAX_LOG_BYTES // 2:]
        path.write_bytes(data)
    except FileNotFoundError:
        return
