"""Files written whole or not at all: to a temp name beside them, then renamed over them.

A reader in another process (or after a kill) sees the old file or the new one, never half
of either. Errors (a read-only folder, a full disk) are raised; the temp file goes.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # a missing folder: there is no temp file either
            tmp.unlink(missing_ok=True)
        raise
