"""Conversions between QImage and PIL, and reading images out of drops and the clipboard.

Pure functions; QImage (never QPixmap) so they are safe on worker threads.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from photolens.core.media.decode import is_image_path
from photolens.core.media.video import is_video_path

log = logging.getLogger(__name__)


def qimage_to_pil(image: QImage) -> Image.Image:
    """An RGB PIL image of a QImage (transparency composited over white)."""
    if image.hasAlphaChannel():
        flat = QImage(image.size(), QImage.Format.Format_RGB888)
        flat.fill(QColor(Qt.GlobalColor.white))
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    data = bytes(rgb.constBits())[: stride * height]
    return Image.frombuffer("RGB", (width, height), data, "raw", "RGB", stride, 1).copy()


def pil_to_qimage(image: Image.Image) -> QImage:
    """A QImage that owns its pixels (the PIL buffer may go away)."""
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    q = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return q.copy()


def local_image_paths(mime: QMimeData) -> list[Path]:
    """Local image (or video: its middle frame is the example) files named by a drop or a
    paste (file manager URLs)."""
    if not mime.hasUrls():
        return []
    out = []
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if (is_image_path(path) or is_video_path(path)) and path.is_file():
                out.append(path)
    return out


def image_from_mime(mime: QMimeData) -> Path | QImage | None:
    """The query image a drop or a paste carries: a local file first, else pixel data."""
    paths = local_image_paths(mime)
    if paths:
        return paths[0]
    if mime.hasImage():
        data = mime.imageData()
        if isinstance(data, QImage) and not data.isNull():
            return data
        log.debug("clipboard image data of type %s ignored", type(data).__name__)
    return None


def mime_has_image(mime: QMimeData) -> bool:
    return bool(local_image_paths(mime)) or mime.hasImage()
