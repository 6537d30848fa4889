"""What a cluster run is asked to do: where the cluster is and how the workers get the files."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import ClusterError

LOCAL = "local"
SHARED, SHIP, AUTO = "shared", "ship", "auto"
FILE_MODES = (AUTO, SHARED, SHIP)
SHARED_WINDOW = 4096  # files per Ray Data job when the workers read them (each job starts its actors)
SHIP_WINDOW = 512  # pictures per job when the driver ships pixels (512 x 3x224x224: 308 MB f32 held here)


@dataclass(frozen=True)
class PathMap:
    """A prefix of the driver's paths and what the workers see there (a NAS mount)."""

    local: str
    remote: str

    @classmethod
    def parse(cls, text: str) -> PathMap:
        """`LOCAL=REMOTE`, e.g. `/home/me/Pictures=/mnt/nas/me/Pictures`."""
        local, sep, remote = text.partition("=")
        if not sep or not local or not remote:
            raise ClusterError(f"--path-map wants LOCAL=REMOTE (e.g. /home/me/Pictures=/mnt/nas/Pictures), not {text!r}")
        return cls(local.rstrip(os.sep) or os.sep, remote.rstrip("/") or "/")


@dataclass(frozen=True)
class ClusterOptions:
    """address: `local` (a Ray instance on this machine) or `ray://HOST:PORT`.
    files: `shared` (the workers read the files, at the path maps' remote paths), `ship`
    (this machine decodes and ships model-size pixels), or `auto` (shared for a local
    cluster or when path maps are given, else ship). window: files (shared) or pictures
    (ship) per Ray Data job; 0 = the mode's default."""

    address: str
    files: str = AUTO
    path_maps: tuple[PathMap, ...] = ()
    window: int = 0
    connect_timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if self.files not in FILE_MODES:
            raise ClusterError(f"--cluster-files is one of {', '.join(FILE_MODES)}, not {self.files!r}")
        if self.address != LOCAL and not self.address.startswith("ray://"):
            raise ClusterError(f"--cluster wants `local` or ray://HOST:PORT, not {self.address!r}")

    @property
    def is_local(self) -> bool:
        return self.address == LOCAL

    @property
    def mode(self) -> str:
        """`shared` or `ship`, `auto` resolved."""
        if self.files != AUTO:
            return self.files
        return SHARED if self.is_local or self.path_maps else SHIP

    @property
    def window_size(self) -> int:
        if self.window > 0:
            return self.window
        return SHARED_WINDOW if self.mode == SHARED else SHIP_WINDOW

    def worker_path(self, path: str) -> str:
        """Where a worker finds the driver's file: the longest matching path map applied."""
        best: PathMap | None = None
        for m in self.path_maps:
            if (path == m.local or path.startswith(m.local.rstrip(os.sep) + os.sep)) and (
                    best is None or len(m.local) > len(best.local)):
                best = m
        if best is None:
            return path
        rest = path[len(best.local):].lstrip(os.sep).replace(os.sep, "/")
        return f"{best.remote}/{rest}" if rest else best.remote

    def host_port(self) -> tuple[str, int]:
        """HOST and PORT of a ray:// address."""
        rest = self.address.removeprefix("ray://").split("/", 1)[0]
        host, sep, port = rest.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ClusterError(f"--cluster wants ray://HOST:PORT (the Ray client port, 10001 by default), not {self.address!r}")
        return host.strip("[]"), int(port)
