"""The window's QActions, shortcuts and menus, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenuBar, QWidget

    from photolens.core.library import Library

    from .filter_bar import FilterBar
    from .index_worker import IndexWorker
    from .people_actions import PeopleActions
    from .result_actions import ResultActions
    from .results_view import ResultsView
    from .window_dialogs import WindowDialogs


class WindowCommands(Protocol):
    """What the menus and shortcuts act on (MainWindow provides it)."""

    @property
    def library(self) -> Library: ...
    @property
    def dialogs(self) -> WindowDialogs: ...
    @property
    def results(self) -> ResultActions: ...
    @property
    def results_view(self) -> ResultsView: ...
    @property
    def filter_bar(self) -> FilterBar: ...
    @property
    def index_worker(self) -> IndexWorker: ...
    @property
    def people(self) -> PeopleActions: ...
    def focus_search(self) -> None: ...
    def clear_search(self) -> None: ...
    def paste_image(self) -> None: ...
    def choose_query_image(self) -> None: ...
    def start_indexing(self) -> None: ...
    def set_group_similar(self, on: bool) -> None: ...
    def set_ranking(self, **changes: object) -> None: ...
    def show_about(self) -> None: ...
    def open_places(self) -> None: ...
    def show_shortcuts(self) -> object: ...
    def show_log(self) -> object: ...
    def close(self) -> bool: ...
    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt's name
    def window(self) -> QWidget: ...


VARIED = 0.3  # diversity of "Vary the first results" (README: ranking table)


@dataclass
class WindowActions:
    find: QAction
    clear: QAction
    paste_image: QAction
    open_image: QAction
    sketch: QAction
    people: QAction
    places: QAction
    folders: QAction
    model: QAction
    pause: QAction
    reindex: QAction
    open_result: QAction
    reveal: QAction
    copy_path: QAction
    copy_image: QAction
    copy_text: QAction
    more_like: QAction
    less_like: QAction
    toggle_group: QAction
    show_weak: QAction
    group_similar: QAction
    vary_results: QAction
    correct_hubs: QAction
    zoom_in: QAction
    zoom_out: QAction
    quit: QAction
    about: QAction
    shortcuts: QAction
    log: QAction


def build_actions(w: WindowCommands) -> WindowActions:
    def act(text: str, slot: object, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
            tip: str = "") -> QAction:
        action = QAction(text, w.window())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        w.window().addAction(action)
        return action

    a = WindowActions(
        find=act("Find", w.focus_search, QKeySequence.StandardKey.Find, "Type what you are looking for"),
        clear=act("Clear search", w.clear_search, None, "Forget the words, images and sketch of the query"),
        paste_image=act("Search with pasted image", w.paste_image, QKeySequence.StandardKey.Paste),
        open_image=act("Search with image file…", w.choose_query_image, QKeySequence.StandardKey.Open),
        sketch=act("Sketch pad…", w.dialogs.open_sketch_pad, "Ctrl+K", "Draw what you are looking for"),
        people=act("People…", w.people.open_people, "Ctrl+P", "Everyone in your pictures: name them, see their pictures"),
        places=act("Places…", w.open_places, "Ctrl+Shift+L", "Where your pictures were taken, with counts"),
        folders=act("Folders…", w.dialogs.open_folders, "Ctrl+Shift+F", "Add or remove folders"),
        model=act("Model…", w.dialogs.open_model, None, "Which model reads your pictures"),
        pause=act("Pause indexing", w.index_worker.toggle_pause, None),
        reindex=act("Look for new pictures now", w.start_indexing, "F5"),
        open_result=act("Open", lambda: w.results.open(), None, "Open in the default app"),
        reveal=act("Show in folder", lambda: w.results.reveal(), "Ctrl+Shift+R"),
        copy_path=act("Copy path", lambda: w.results.copy_paths(), "Ctrl+Shift+C"),
        copy_image=act("Copy image", lambda: w.results.copy_image(), "Ctrl+Alt+C"),
        copy_text=act("Copy text in picture", lambda: w.results.copy_text(), "Ctrl+Shift+T",
                      "Copy the text read in the picture"),
        more_like=act("More like this", lambda: w.results.more_like(), "Ctrl+M"),
        less_like=act("Less like this", lambda: w.results.less_like(), "Ctrl+L"),
        toggle_group=act("Show or hide similar shots", lambda: w.results.toggle_group(), "Ctrl+G",
                         "Open a group of near-identical shots"),
        show_weak=act("Show weaker matches", w.filter_bar.show_weak.setChecked),
        group_similar=act("Group near-identical shots", w.set_group_similar),
        vary_results=act("Vary the first results", lambda on: w.set_ranking(diversity=VARIED if on else 0.0)),
        correct_hubs=act("Push down pictures that match everything", lambda on: w.set_ranking(hubness=on)),
        zoom_in=act("Larger thumbnails", lambda: w.results_view.zoom(1), QKeySequence.StandardKey.ZoomIn),
        zoom_out=act("Smaller thumbnails", lambda: w.results_view.zoom(-1), QKeySequence.StandardKey.ZoomOut),
        quit=act("Quit", w.close, QKeySequence.StandardKey.Quit),
        about=act("About Photolens", w.show_about),
        shortcuts=act("Keyboard shortcuts", w.show_shortcuts, "F1"),
        log=act("Where is the log?", w.show_log, None, "The file to attach to a problem report"),
    )
    a.show_weak.setCheckable(True)
    a.group_similar.setCheckable(True)
    a.group_similar.setChecked(w.library.settings.collapse_duplicates)
    a.group_similar.setStatusTip("Bursts and edited copies of a picture show as one result")
    a.vary_results.setCheckable(True)
    a.vary_results.setChecked(w.library.settings.diversity > 0)
    a.vary_results.setStatusTip("Fewer look-alikes on the first screen (diversity re-ranking)")
    a.correct_hubs.setCheckable(True)
    hubness = w.library.settings.hubness
    a.correct_hubs.setChecked(w.library.hubness_by_default() if hubness is None else hubness)
    a.correct_hubs.setStatusTip("Hubness correction: generic pictures that come up for every query rank lower")
    w.filter_bar.show_weak.toggled.connect(a.show_weak.setChecked)
    a.show_weak.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    a.clear.setShortcuts([QKeySequence("Ctrl+Backspace")])

    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    for action in (a.folders, a.reindex, a.pause, a.model):
        file_menu.addAction(action)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    search_menu = bar.addMenu("&Search")
    for action in (a.find, a.open_image, a.paste_image, a.sketch, a.people, a.places, a.clear):
        search_menu.addAction(action)
    result_menu = bar.addMenu("&Result")
    for action in (a.open_result, a.reveal, a.copy_path, a.copy_image, a.copy_text):
        result_menu.addAction(action)
    result_menu.addSeparator()
    result_menu.addAction(a.more_like)
    result_menu.addAction(a.less_like)
    result_menu.addAction(a.toggle_group)
    view_menu = bar.addMenu("&View")
    for action in (a.show_weak, a.group_similar, a.vary_results, a.correct_hubs, a.zoom_in, a.zoom_out):
        view_menu.addAction(action)
    help_menu = bar.addMenu("&Help")
    for action in (a.shortcuts, a.log, a.about):
        help_menu.addAction(action)
    return a
