"""How a result's metadata reads: "Taken" for a capture date the file records (EXIF, a
video's creation time), "File date" when it has none and the file's modification time
stands in (core/media/metadata.py falls back to it)."""

from __future__ import annotations

import os

from photolens.core.query.model import SearchHit

from . import formatting

FALLBACK_TOLERANCE_S = 1.0


def taken_label(hit: SearchHit, mtime: float | None = None) -> tuple[str, str]:
    """('Taken', '3 Mar 2021, 14:02') or ('File date', ...) when the date is the file's own."""
    if hit.taken_at is None:
        return "Taken", formatting.taken_at(None)
    if mtime is None:
        try:
            mtime = os.stat(hit.path).st_mtime
        except OSError:
            mtime = None
    fallback = mtime is not None and abs(mtime - hit.taken_at) <= FALLBACK_TOLERANCE_S
    return ("File date" if fallback else "Taken"), formatting.taken_at(hit.taken_at)
