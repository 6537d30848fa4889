"""DesktopActions: what a result can do outside the app (open, reveal, copy).

Injected into the MainWindow, so tests can record calls instead of launching apps.
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage

from photolens.core.media.decode import open_image
from photolens.core.media.video import is_video_path, read_frame

log = logging.getLogger(__name__)


# Players that can start at a given moment: (executable, arguments before the file).
SEEKING_PLAYERS: tuple[tuple[str, str], ...] = (("mpv", "--start={s:.1f}"), ("vlc", "--start-time={s:.1f}"))


def seeking_player(seconds: float) -> tuple[str, list[str]] | None:
    """The installed player (mpv, VLC) that opens a video at `seconds`, with its arguments."""
    for name, flag in SEEKING_PLAYERS:
        exe = shutil.which(name)
        if exe:
            return exe, [flag.format(s=max(0.0, seconds))]
    return None


FILE_MANAGER = "org.freedesktop.FileManager1"
DBUS_TIMEOUT_MS = 3000


def show_items(uri: str) -> bool:
    """Ask the desktop's file manager (freedesktop FileManager1 over D-Bus) to show a file
    selected in its folder; True only when it answered. The path travels as one string in
    a D-Bus array (dbus-send's `array:string:` split it at every comma, and reported
    success whatever happened)."""
    from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage

    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    call = QDBusMessage.createMethodCall(FILE_MANAGER, "/org/freedesktop/FileManager1", FILE_MANAGER, "ShowItems")
    call.setArguments([[uri], ""])
    reply = bus.call(call, QDBus.CallMode.Block, DBUS_TIMEOUT_MS)
    if reply.type() != QDBusMessage.MessageType.ReplyMessage:
        log.info("no file manager answered on D-Bus (%s): opening the folder instead", reply.errorName())
        return False
    return True


class DesktopActions:
    """The platform side of result actions; every method returns whether it worked."""

    def open_video_at(self, path: str, seconds: float) -> bool:
        """Open a video at a moment with an installed player that can seek there (mpv,
        VLC); False when there is none (the caller opens it normally)."""
        player = seeking_player(seconds)
        if player is None:
            return False
        exe, args = player
        ok = QProcess.startDetached(exe, [*args, path])[0]
        if not ok:
            log.warning("%s did not start for %s", exe, path)
        return bool(ok)

    def open(self, path: str) -> bool:
        """Open in the default application."""
        ok = QDesktopServices.openUrl(QUrl.fromLocalFile(path))
        if not ok:
            log.warning("no application opened %s", path)
        return ok

    def reveal(self, path: str) -> bool:
        """Show the file selected in the file manager (its folder, where that is all we can do)."""
        if sys.platform == "darwin":
            return QProcess.startDetached("open", ["-R", path])[0]
        if sys.platform == "win32":
            return QProcess.startDetached("explorer", ["/select,", str(Path(path))])[0]
        if show_items(QUrl.fromLocalFile(path).toString()):
            return True
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

    def copy_paths(self, paths: Sequence[str]) -> bool:
        mime = QMimeData()
        mime.setText("\n".join(paths))
        mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
        QGuiApplication.clipboard().setMimeData(mime)
        return True

    def copy_text(self, text: str) -> bool:
        """Put plain text on the clipboard (the text read in a picture)."""
        if not text:
            return False
        QGuiApplication.clipboard().setText(text)
        return True

    def copy_image(self, image: QImage) -> bool:
        """Put decoded pixels on the clipboard (decode with `read_full_image` off-thread)."""
        if image.isNull():
            return False
        QGuiApplication.clipboard().setImage(image)
        return True


def read_full_image(path: str, frame_ms: int | None = None) -> QImage:
    """Decode a whole picture, upright, or a video's frame at frame_ms (worker threads:
    QImage only)."""
    from .images import pil_to_qimage

    if is_video_path(path):
        return pil_to_qimage(read_frame(path, frame_ms or 0))
    return pil_to_qimage(open_image(path))
