"""The folder filter's tree: each library folder's subfolders, read off the GUI thread."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

log = logging.getLogger(__name__)

MAX_DEPTH = 3
MAX_FOLDERS = 400  # a filter menu, not a file manager


def subfolders(roots: Iterable[str], max_depth: int = MAX_DEPTH, limit: int = MAX_FOLDERS) -> dict[str, list[str]]:
    """root -> its subfolders (not hidden), depth first and sorted, at most `limit` in all."""
    out: dict[str, list[str]] = {}
    left = limit
    for root in roots:
        found: list[str] = []
        out[root] = found

        def walk(folder: str, depth: int, found: list[str] = found) -> None:
            nonlocal left
            if depth > max_depth or left <= 0:
                return
            try:
                with os.scandir(folder) as entries:
                    names = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False)
                                   and not e.name.startswith("."))
            except OSError as exc:
                log.debug("cannot list %s: %s", folder, exc)
                return
            for name in names:
                if left <= 0:
                    return
                path = os.path.join(folder, name)
                found.append(path)
                left -= 1
                walk(path, depth + 1)

        walk(root, 1)
    return out
