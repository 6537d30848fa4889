"""ResultActions: what can be done with the current or selected results."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QModelIndex, QObject, QPoint
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMenu

from photolens.core.query.model import SearchHit

from . import formatting
from .desktop_actions import read_full_image
from .tasks import describe_error

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QStatusBar, QWidget

    from .desktop_actions import DesktopActions
    from .preview_pane import PreviewPane
    from .results_model import ResultsModel
    from .results_view import ResultsView
    from .search_controller import SearchController
    from .tasks import TaskRunner
    from .viewer import ViewerWidget

log = logging.getLogger(__name__)


class ResultsHost(Protocol):
    """What the result actions need of the window (MainWindow provides it)."""

    @property
    def model(self) -> ResultsModel: ...
    @property
    def results_view(self) -> ResultsView: ...
    @property
    def desktop(self) -> DesktopActions: ...
    @property
    def search(self) -> SearchController: ...
    @property
    def preview(self) -> PreviewPane: ...
    @property
    def io(self) -> TaskRunner: ...
    def statusBar(self) -> QStatusBar: ...  # noqa: N802 - Qt's name
    def window(self) -> QWidget: ...


class MenuActions(Protocol):
    """The actions a result's context menu offers (the window's WindowActions)."""

    open_result: QAction
    reveal: QAction
    copy_path: QAction
    copy_image: QAction
    copy_text: QAction
    more_like: QAction
    less_like: QAction
    toggle_group: QAction


class ResultActions(QObject):
    def __init__(self, window: ResultsHost):
        super().__init__(window.window())
        self.w = window
        self.viewer: ViewerWidget | None = None

    def _say(self, text: str, ms: int = 4000) -> None:
        self.w.statusBar().showMessage(text, ms)

    def current(self) -> SearchHit | None:
        return self.w.model.hit(self.w.results_view.currentIndex())

    def selected(self) -> list[SearchHit]:
        """Selected hits in display order; the current one if nothing is selected."""
        model = self.w.model
        rows = sorted(i.row() for i in self.w.results_view.selectionModel().selectedIndexes())
        hits = [h for h in (model.hit(model.index(r, 0)) for r in rows) if h is not None]
        current = self.current()
        return hits or ([current] if current is not None else [])

    def open(self, hit: SearchHit | None = None) -> None:
        """Open in the default app; a video at its best moment when a player can seek there."""
        hit = hit or self.current()
        if hit is None:
            return
        if hit.frame_ms:  # a video, past its first frame (at 0:00 a plain open is right)
            moment = formatting.clock(hit.frame_ms / 1000)
            if self.w.desktop.open_video_at(hit.path, hit.frame_ms / 1000):
                self._say(f"Playing {Path(hit.path).name} from {moment}")
                return
            if self.w.desktop.open(hit.path):
                self._say(f"Opened {Path(hit.path).name}: the match is at {moment} "
                          "(install mpv or VLC to start there)", 10000)
                return
        elif self.w.desktop.open(hit.path):
            return
        self._say(f"No application could open {hit.path}", 6000)

    def open_index(self, index: QModelIndex) -> None:
        self.open(self.w.model.hit(index))

    def view_index(self, index: QModelIndex) -> None:
        """Enter or double-click: the result full-window, among the results as shown."""
        hit = self.w.model.hit(index)
        if hit is None or self.viewer is None:
            return
        hits = self.w.model.hits
        self.viewer.open_at(hits, next((i for i, h in enumerate(hits) if h.path == hit.path), 0))

    def connect_viewer(self, viewer: ViewerWidget) -> None:
        self.viewer = viewer
        viewer.play_requested.connect(self.open)
        viewer.open_requested.connect(self.open)
        viewer.closed.connect(self._viewer_closed)

    def _viewer_closed(self, hit: SearchHit | None) -> None:
        """Back in the grid on the picture seen last, in view."""
        view = self.w.results_view
        if hit is not None:
            index = self.w.model.index_of(hit.path)
            if index.isValid():
                view.setCurrentIndex(index)
                view.scrollTo(index)
        view.setFocus()

    def reveal(self, hit: SearchHit | None = None) -> None:
        hit = hit or self.current()
        if hit is not None and not self.w.desktop.reveal(hit.path):
            self._say(f"Could not show {hit.path} in the file manager", 6000)

    def copy_paths(self, hit: SearchHit | None = None) -> None:
        paths = [hit.path] if hit is not None else [h.path for h in self.selected()]
        if paths:
            self.w.desktop.copy_paths(paths)
            self._say(f"Copied {formatting.count(len(paths), 'path')}")

    def copy_image(self, hit: SearchHit | None = None) -> None:
        """Decode the whole picture off the GUI thread, then put it on the clipboard."""
        hit = hit or self.current()
        if hit is None:
            return
        path, frame_ms = hit.path, hit.frame_ms

        def done(image: QImage) -> None:
            if self.w.desktop.copy_image(image):
                moment = f" at {formatting.clock(frame_ms / 1000)}" if frame_ms is not None else ""
                self._say(f"Copied the picture {Path(path).name}{moment}")

        self.w.io.submit(lambda: read_full_image(path, frame_ms), done,
                         lambda exc: self._say(describe_error(exc), 6000), name="copy-image")

    def copy_text(self, hit: SearchHit | None = None) -> None:
        """The text read in the picture, as plain text, to the clipboard."""
        hit = hit or self.current()
        if hit is None:
            return
        if not hit.text:
            self._say(f"No text was read in {Path(hit.path).name}")
            return
        if self.w.desktop.copy_text(hit.text):
            lines = len(hit.text.splitlines())
            self._say(f"Copied {formatting.count(lines, 'line')} of text from {Path(hit.path).name}")

    def more_like(self, hit: SearchHit | None = None) -> None:
        hit = hit or self.current()
        if hit is not None:
            self.w.search.like(hit.item_id)

    def less_like(self, hit: SearchHit | None = None) -> None:
        hit = hit or self.current()
        if hit is not None:
            self.w.search.unlike(hit.item_id)

    def toggle_group(self) -> None:
        """Open or close the current result's group of near-identical shots."""
        view = self.w.results_view
        index = view.currentIndex()
        hit = self.w.model.hit(index)
        if hit is not None and self.w.model.toggle_group(index):
            view.setCurrentIndex(self.w.model.index_of(hit.path))

    def context_menu(self, index: QModelIndex, pos: QPoint, a: MenuActions) -> QMenu:
        menu = QMenu(self.w.window())
        model = self.w.model
        shown = model.hit(index)
        has_text = shown is not None and bool(shown.text)  # offered where a picture shows text
        for action in (a.open_result, a.reveal, a.copy_path, a.copy_image, a.copy_text if has_text else None,
                       None, a.more_like, a.less_like):
            if action is None:
                if menu.actions() and not menu.actions()[-1].isSeparator():
                    menu.addSeparator()
            else:
                menu.addAction(action)
        if model.is_group(index):
            hit = model.hit(index)
            count = len(hit.near_duplicates) if hit is not None else 0
            a.toggle_group.setText("Close the group" if model.is_expanded(index)
                                   else f"Show {formatting.count(count, 'similar shot')}")
            menu.addSeparator()
            menu.addAction(a.toggle_group)
        menu.popup(pos)
        return menu

    def connect_preview(self) -> None:
        p = self.w.preview
        p.open_requested.connect(self.open)
        p.reveal_requested.connect(self.reveal)
        p.copy_path_requested.connect(self.copy_paths)
        p.copy_image_requested.connect(self.copy_image)
        p.copy_text_requested.connect(self.copy_text)
        p.more_like_requested.connect(self.more_like)
        p.less_like_requested.connect(self.less_like)
