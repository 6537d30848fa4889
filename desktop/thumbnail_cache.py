"""Thumbnails on disk: made once per file version, read back on later runs.

Keyed by path + size + mtime (a changed file gets a new thumbnail), stored as JPEG under
`<data dir>/thumbnails/<px>/`. Everything here runs on worker threads: it decodes with
the engine's decoder (EXIF orientation, HEIC, draft-mode JPEG) and returns QImage.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from PIL import Image
from PySide6.QtGui import QImage

from photolens.core.errors import DecodeError
from photolens.core.media.decode import open_image
from photolens.core.media.video import is_video_path, read_frame

from .images import pil_to_qimage

log = logging.getLogger(__name__)

JPEG_QUALITY = 85


class ThumbnailCache:
    """Makes and caches thumbnails of a given longest side (thread-safe: no shared state)."""

    def __init__(self, root: Path | None):
        self.root = Path(root) if root is not None else None

    def cache_path(self, path: str, size: int, stat: os.stat_result, frame_ms: int = 0) -> Path | None:
        if self.root is None:
            return None
        key = f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{size}\0{frame_ms}".encode("utf-8", "surrogateescape")
        digest = hashlib.blake2b(key, digest_size=16).hexdigest()
        return self.root / str(size) / digest[:2] / f"{digest}.jpg"

    def load(self, path: str, size: int, frame_ms: int = 0, *, use_disk: bool = True) -> QImage | None:
        """The thumbnail of `path` (a video: its frame at `frame_ms`) with longest side <= size;
        None if it cannot be read."""
        try:
            stat = os.stat(path)
        except OSError as exc:
            log.debug("no thumbnail for %s: %s", path, exc)
            return None
        cached = self.cache_path(path, size, stat, frame_ms) if use_disk else None
        if cached is not None and cached.exists():
            image = QImage(str(cached))
            if not image.isNull():
                return image
            log.debug("unreadable cached thumbnail %s; making it again", cached)
        try:
            if is_video_path(path):
                picture = read_frame(path, frame_ms, min_side=size)
            else:
                picture = open_image(path, min_side=size)
        except DecodeError as exc:
            log.debug("no thumbnail for %s: %s", path, exc)
            return None
        picture.thumbnail((size, size), Image.Resampling.LANCZOS)
        if cached is not None:
            self._store(picture, cached)
        return pil_to_qimage(picture)

    @staticmethod
    def _store(picture: Image.Image, target: Path) -> None:
        tmp = target.with_name(f"{target.name}.{os.getpid()}.{id(picture)}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            picture.save(tmp, "JPEG", quality=JPEG_QUALITY)
            os.replace(tmp, target)
        except OSError as exc:  # a full disk must not stop the grid from showing
            log.warning("cannot cache thumbnail %s: %s", target, exc)
            tmp.unlink(missing_ok=True)
