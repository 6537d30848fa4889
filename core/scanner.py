"""Reconciliation walk: what is new, changed or gone since the catalog last looked.

Stat only (no hashing, no decoding), so an unchanged library rescans in seconds.
Hidden and system folders are skipped, symlinked folders are followed once (loops and
repeats are detected by device+inode), unreadable folders are logged and skipped.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import STATUS_PENDING, Catalog, FolderRecord
from .media.decode import is_image_path
from .media.video import is_video_path

log = logging.getLogger(__name__)

SYSTEM_FOLDERS = frozenset(
    {
        "@eaDir", "$RECYCLE.BIN", "System Volume Information", "__MACOSX", "lost+found",
        "node_modules", "__pycache__", "Thumbs", "#recycle", "#snapshot",
    }
)


@dataclass(frozen=True)
class FileStat:
    path: str
    size: int
    mtime_ns: int
    inode: int
    problem: str | None = None  # a reason the file cannot be indexed, known from its name
    ctime_ns: int = 0

    def differs_from(self, size: int, mtime_ns: int, inode: int, ctime_ns: int) -> bool:
        """Changed since the catalog saw it: size or mtime, or (where known) a new inode (a
        file replaced by rename, as rsync does) or a new ctime (rewritten in place with the
        mtime put back)."""
        return ((size, mtime_ns) != (self.size, self.mtime_ns)
                or bool(inode and self.inode and inode != self.inode)
                or bool(ctime_ns and self.ctime_ns and ctime_ns != self.ctime_ns))


@dataclass
class ScanPlan:
    """Differences between disk and catalog for one folder."""

    folder: FolderRecord
    new: list[FileStat] = field(default_factory=list)
    changed: list[FileStat] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    unchanged: int = 0
    pending: int = 0
    online: bool = True
    stat_updates: list[tuple[int, int, int]] = field(default_factory=list)  # (id, inode, ctime_ns) not yet known


# Kernel and virtual file systems: never pictures, and /proc/<pid>/root leads back to "/"
# (`index /proc` walked the whole disk).
PSEUDO_FILESYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs", "pstore",
    "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs", "binfmt_misc", "efivarfs", "nsfs",
    "rpc_pipefs", "selinuxfs",
})


@functools.lru_cache(maxsize=1)
def _pseudo_devices() -> frozenset[int]:
    """Device numbers of the mounted pseudo file systems (Linux: /proc/self/mounts)."""
    try:
        lines = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return frozenset()
    devices = set()
    for line in lines:
        parts = line.split()
        if len(parts) >= 3 and parts[2] in PSEUDO_FILESYSTEMS:
            mount = parts[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
            try:
                devices.add(os.stat(mount).st_dev)
            except OSError:
                continue
    return frozenset(devices)


def is_pseudo_filesystem(path: Path | str) -> bool:
    """True for /proc, /sys, /dev and the like (anything on a kernel or virtual file system)."""
    try:
        return os.stat(path).st_dev in _pseudo_devices()
    except OSError:
        return False


def _skip_dir(name: str, patterns: tuple[str, ...]) -> bool:
    return name.startswith(".") or name in SYSTEM_FOLDERS or any(fnmatch.fnmatch(name, p) for p in patterns)


def walk_media(root: Path, exclude: tuple[str, ...] = ()) -> Iterator[FileStat]:
    """Every media file under root (recursively), with its stat."""
    seen: set[tuple[int, int]] = set()
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as exc:
            log.warning("cannot read folder %s: %s", folder, exc)
            continue
        if st.st_dev in _pseudo_devices():
            log.info("skipping %s: a system file system (/proc, /sys, /dev), not pictures", folder)
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            log.info("skipping %s: already visited (symlink loop or repeat)", folder)
            continue
        seen.add(key)
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    name = entry.name
                    try:
                        if entry.is_dir(follow_symlinks=True):
                            if not _skip_dir(name, exclude):
                                stack.append(entry.path)
                            continue
                        if name.startswith(".") or not _is_media(name):
                            continue
                        if any(fnmatch.fnmatch(name, p) for p in exclude):
                            continue
                        est = entry.stat(follow_symlinks=True)
                        if not stat.S_ISREG(est.st_mode):
                            continue
                        yield _file_stat(entry.path, est)
                    except OSError as exc:  # dangling link, permission, vanished
                        log.debug("skipping %s: %s", entry.path, exc)
        except OSError as exc:
            log.warning("cannot list folder %s: %s", folder, exc)


def _file_stat(path: str, st: os.stat_result) -> FileStat:
    """The catalog stores paths as UTF-8 text: a name that is not valid UTF-8 is kept in an
    escaped form, as an error that tells the user to rename it."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        return FileStat(shown, st.st_size, st.st_mtime_ns, st.st_ino, "file name is not valid UTF-8: rename the file",
                        st.st_ctime_ns)
    return FileStat(path, st.st_size, st.st_mtime_ns, st.st_ino, None, st.st_ctime_ns)


def stat_media(path: str) -> FileStat | None:
    """The FileStat of one media file, or None if it is gone / not a media file."""
    name = os.path.basename(path)
    if name.startswith(".") or not _is_media(name):
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _file_stat(path, st) if stat.S_ISREG(st.st_mode) else None


def plan_folder(
    catalog: Catalog, folder: FolderRecord, exclude: tuple[str, ...] = (), subtree: Path | None = None
) -> ScanPlan:
    """Compare a folder (or one subtree of it) on disk with the catalog."""
    plan = ScanPlan(folder=folder)
    root = Path(folder.path)
    if not root.is_dir():
        plan.online = False
        return plan
    start = subtree if subtree is not None else root
    known = catalog.file_stats(folder.id, prefix=str(start) if subtree is not None else None)
    seen: set[str] = set()
    walk = walk_media(start, exclude) if start.is_dir() else iter(())
    for fs in walk:
        seen.add(fs.path)
        old = known.get(fs.path)
        if old is None:
            plan.new.append(fs)
        elif fs.differs_from(old[1], old[2], old[4], old[5]):
            plan.changed.append(fs)
        elif old[3] == STATUS_PENDING:
            plan.pending += 1
        else:
            plan.unchanged += 1
            if not old[5] or not old[4]:  # indexed before the catalog kept ctimes: learn them now
                plan.stat_updates.append((old[0], fs.inode, fs.ctime_ns))
    plan.deleted = [v[0] for p, v in known.items() if p not in seen]
    return plan


def plan_paths(catalog: Catalog, folder: FolderRecord, paths: list[str]) -> ScanPlan:
    """Compare individual file paths (from file-system events) with the catalog."""
    plan = ScanPlan(folder=folder)
    if not Path(folder.path).is_dir():
        plan.online = False
        return plan
    for path in paths:
        fs = stat_media(path)
        old = catalog.file_by_path(path)
        if fs is None:
            if old is not None:
                plan.deleted.append(old.id)
        elif old is None:
            plan.new.append(fs)
        elif fs.differs_from(old.size, old.mtime_ns, old.inode or 0, old.ctime_ns or 0):
            plan.changed.append(fs)
        else:
            plan.unchanged += 1
    return plan


def _is_media(name: str) -> bool:
    return is_image_path(name) or is_video_path(name)
