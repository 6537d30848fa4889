"""Helpers for driving the window in tests."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QImage

from photolens.desktop.desktop_actions import DesktopActions

SEARCH_TIMEOUT_MS = 20_000


class RecordingActions(DesktopActions):
    """Records what would have been opened, revealed or copied."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.seeking_player = False  # whether open_video_at finds a player that can seek
        self.revealed: list[str] = []
        self.copied_paths: list[list[str]] = []
        self.copied_images: list[QImage] = []
        self.copied_texts: list[str] = []

    def open(self, path: str) -> bool:
        self.opened.append(path)
        return True

    def open_video_at(self, path: str, seconds: float) -> bool:
        if not self.seeking_player:
            return False
        self.opened.append(f"{path}@{seconds:g}")
        return True

    def reveal(self, path: str) -> bool:
        self.revealed.append(path)
        return True

    def copy_paths(self, paths: Sequence[str]) -> bool:
        self.copied_paths.append(list(paths))
        return super().copy_paths(paths)

    def copy_text(self, text: str) -> bool:
        self.copied_texts.append(text)
        return super().copy_text(text)

    def copy_image(self, image: QImage) -> bool:
        self.copied_images.append(image)
        return super().copy_image(image)


def type_query(qtbot, window, text: str, timeout: int = SEARCH_TIMEOUT_MS):  # noqa: ANN001, ANN201
    """Type into the search field and press Enter; return the results shown."""
    field = window.search_bar.field
    field.setFocus()
    with qtbot.waitSignal(window.search.results_ready, timeout=timeout) as blocker:
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Return)
    return blocker.args[0]


def wait_results(qtbot, window, action, timeout: int = SEARCH_TIMEOUT_MS):  # noqa: ANN001, ANN201
    """Run `action()` and wait for the search it starts."""
    with qtbot.waitSignal(window.search.results_ready, timeout=timeout) as blocker:
        action()
    return blocker.args[0]


def shown_paths(window) -> list[str]:  # noqa: ANN001
    return [h.path for h in window.model.hits]


def drag_enter_event(pos: QPointF, mime: QMimeData) -> QDragEnterEvent:
    """A drag entering at `pos`: Qt's signature takes a QPoint (PySide6 6.11), PySide6 6.12
    asks for a QPointF."""
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:
        return QDragEnterEvent(pos.toPoint(), *args)
    except TypeError:
        return QDragEnterEvent(pos, *args)  # type: ignore[arg-type]
