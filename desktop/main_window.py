"""MainWindow: search field and filters, the results grid, the preview, and indexing status.

It composes the parts and wires their signals; the engine runs on the IndexWorker (the
one writer), the SearchWorker and a small I/O runner, never on the GUI thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QItemSelection, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from photolens.core.errors import ModelFormatError, ModelNotFoundError
from photolens.core.indexer import IndexReport
from photolens.core.library import Library, LibraryStatus

from . import formatting, window_state
from .date_histogram import DateHistogram
from .desktop_actions import DesktopActions
from .empty_states import EmptyStates
from .filter_bar import FilterBar
from .folder_tree import subfolders
from .help_dialogs import LOG_FILE, LogDialog, ShortcutsDialog, shortcut_rows
from .images import image_from_mime, mime_has_image
from .index_status import IndexStatusWidget
from .index_worker import IndexWorker
from .notices import Banner, EmptyState
from .people_actions import PeopleActions
from .preview_pane import PreviewPane
from .result_actions import ResultActions
from .results_display import EMPTY_PAGE, ResultsDisplay
from .results_model import ResultsModel
from .results_view import ResultsView
from .search_bar import SearchBar
from .search_controller import SearchController
from .search_worker import SearchWorker
from .tasks import TaskRunner, describe_error
from .thumbnail_loader import ThumbnailLoader
from .viewer import ViewerWidget
from .window_actions import build_actions
from .window_dialogs import WindowDialogs

log = logging.getLogger(__name__)

RESCAN_INTERVAL_MS = 10 * 60 * 1000
INDEX_AFTER_WARM_UP_MS = 5000  # indexing waits for the model warm-up at start, this long at most
# While indexing, a search with few results is re-run this often, so a query typed during
# the first run fills in as pictures arrive (a full screen is left alone: no jumping grid).


class MainWindow(QMainWindow):
    def __init__(self, library: Library, *, window_state_store: QSettings | None = None,
                 actions: DesktopActions | None = None, thumbnail_threads: int = 2,
                 default_folders: list[Path] | None = None):
        super().__init__()
        self.library = library
        self.desktop = actions or DesktopActions()
        self.state_store = window_state_store
        self.default_folders = default_folders
        self.setObjectName("mainWindow")
        self.setWindowTitle("Photolens")
        self.setAcceptDrops(True)

        self.index_worker = IndexWorker(library, self)
        self.search_worker = SearchWorker(library, self)
        self.search = SearchController(self.search_worker, self)
        self.io = TaskRunner("io", 1, self)
        self.loader = ThumbnailLoader(library.data_dir / "thumbnails", threads=thumbnail_threads, parent=self)
        self.model = ResultsModel(self.loader, self)
        self.status_info: LibraryStatus | None = None
        self._subfolders: dict[str, list[str]] = {}  # the folder filter's tree
        self._shut_down = False

        self.search_bar = SearchBar(self)
        self.search_bar.field.setAcceptDrops(False)  # dropped files become image queries (window)
        self.filter_bar = FilterBar(self)
        self.banner = Banner(self)
        self.histogram = DateHistogram(self)
        self.results_view = ResultsView(self)
        self.results_view.setModel(self.model)
        self.empty = EmptyState(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.results_view)
        self.stack.addWidget(self.empty)
        self.preview = PreviewPane(self.loader, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 340])
        self.index_status = IndexStatusWidget(self)
        self.statusBar().addPermanentWidget(self.index_status)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search_bar)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.histogram)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.viewer = ViewerWidget(self.loader, central)  # a result full-window (Enter, double-click)
        self.dialogs = WindowDialogs(self)
        self.display = ResultsDisplay(self)
        self.empty_states = EmptyStates(self.empty, add_folders=self.dialogs.open_folders,
                                        set_up_model=self.dialogs.open_model,
                                        clear_filters=self.filter_bar.clear_filters, back_to_library=self.clear_search)
        self.people = PeopleActions(self)
        self.results = ResultActions(self)
        self.actions_ = build_actions(self)
        self._connect()
        self.rescan_timer = QTimer(self)
        self.rescan_timer.setInterval(RESCAN_INTERVAL_MS)
        self.rescan_timer.timeout.connect(self.start_indexing)
        # at start the model warms up first and indexing follows (the rescan would compete with
        # it for the cores and the first query would wait for both): once the warm-up is over,
        # and a query typed meanwhile answered, or after INDEX_AFTER_WARM_UP_MS at the latest
        self._index_after_warm_up = QTimer(self)
        self._index_after_warm_up.setSingleShot(True)
        self._index_after_warm_up.setInterval(INDEX_AFTER_WARM_UP_MS)
        self._index_after_warm_up.timeout.connect(self.start_indexing)
        self.search_worker.warmed_up.connect(self._warm_up_over)
        self.search_worker.warm_up_failed.connect(self._warm_up_over)
        self.search_worker.results_ready.connect(self._warm_up_over)
        self.search_worker.failed.connect(self._warm_up_over)
        self.display.show_empty()
        self.resize(1240, 800)
        if self.state_store is not None:
            window_state.restore(self, self.state_store)

    def _connect(self) -> None:
        sb, c = self.search_bar, self.search
        sb.text_edited.connect(lambda text: c.set_text(text))
        sb.submitted.connect(lambda text: c.set_text(text, immediate=True))
        sb.escape_pressed.connect(self.clear_search)
        sb.paste_image.connect(self.paste_image)
        sb.remove_image.connect(c.clear_image)
        sb.remove_sketch.connect(c.clear_sketch)
        sb.remove_likes.connect(c.clear_likes)
        sb.sketch_clicked.connect(self.dialogs.open_sketch_pad)
        sb.image_clicked.connect(self.choose_query_image)
        sb.field.installEventFilter(self)
        c.state_changed.connect(sb.show_state)
        c.state_changed.connect(lambda _state: self.banner.dismiss("query"))  # it was about the old query
        c.results_ready.connect(self.display.show_results)
        c.failed.connect(self.display.search_failed)
        c.cleared.connect(self.display.cleared)
        c.searching_changed.connect(self.display.searching_changed)
        self.filter_bar.filters_changed.connect(c.set_filters)
        self.filter_bar.sort_changed.connect(self.display.sort_changed)
        self.filter_bar.show_weak_changed.connect(self.display.show_weak_changed)
        self.model.more_wanted.connect(c.extend)
        self.model.modelReset.connect(self.display.rows_changed)
        self.model.rowsInserted.connect(self.display.rows_changed)
        self.results_view.selectionModel().selectionChanged.connect(self._on_selection)
        self.results_view.selectionModel().currentChanged.connect(lambda *_: self._on_selection())
        self.results_view.open_requested.connect(self.results.view_index)
        self.results_view.escape_pressed.connect(self.clear_search)
        self.results_view.context_menu_requested.connect(
            lambda index, pos: self.results.context_menu(index, pos, self.actions_))
        self.results.connect_preview()
        self.results.connect_viewer(self.viewer)
        self.people.connect_preview()
        sb.suggestion_clicked.connect(lambda text: c.set_text(text, immediate=True))
        sb.text_replaced.connect(lambda text: c.set_text(text, immediate=True))
        sb.plan_chip_removed.connect(c.keep_words)
        self.histogram.picked.connect(self.display.narrow_to_date)
        w = self.index_worker
        w.progress.connect(lambda prog: self.index_status.show_progress(prog, w.paused))
        w.progress.connect(self.display.refresh_while_indexing)
        w.running_changed.connect(self._on_indexing_running)
        w.paused_changed.connect(self._on_paused)
        w.finished.connect(self._on_indexing_finished)
        w.failed.connect(self._on_worker_failed)
        w.folders_changed.connect(self.refresh_status)
        w.folders_changed.connect(c.refresh)
        w.settings_changed.connect(self.on_settings_changed)
        self.index_status.pause_clicked.connect(w.toggle_pause)
        self.index_status.errors_clicked.connect(self.dialogs.open_errors)
        self.search_worker.warm_up_failed.connect(self._on_worker_failed)

    # -- start and stop -----------------------------------------------------------------------
    def start(self, *, welcome: bool = True) -> None:
        """Begin background work: the first-run welcome, or indexing and the model warm-up."""
        if self.library.notes:
            self.banner.show_message(" ".join(self.library.notes), kind="note")
        self.refresh_status()
        self.people.update_names()
        self.search.refresh()  # no query yet: the library, newest first
        if welcome and not self.library.read_only and not self.library.folders():
            QTimer.singleShot(0, self.dialogs.open_welcome)
            return
        self.search_worker.warm_up()
        self._index_after_warm_up.start()
        self.rescan_timer.start()

    def _warm_up_over(self, *_args: object) -> None:
        """The warm-up (or a search after it) ended: the start-up indexing may begin, unless a
        query typed meanwhile still waits in the search queue (it runs first, on both cores)."""
        if self._index_after_warm_up.isActive() and not self.search_worker.busy:
            self._index_after_warm_up.stop()
            self.start_indexing()

    def start_indexing(self) -> None:
        if self.index_worker.start_indexing():
            self.index_status.show_message("Looking for new pictures…")

    def shutdown(self) -> None:
        """Stop background work and wait for it (the library stays open: the caller owns it)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.rescan_timer.stop()
        self._index_after_warm_up.stop()
        self.search.blockSignals(True)
        self.search_worker.shutdown()
        self.index_worker.shutdown()
        self.io.cancel_all()
        self.io.wait(5000)
        self.loader.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self.state_store is not None:
            window_state.save(self, self.state_store)
        self.hide()
        self.shutdown()
        super().closeEvent(event)

    # -- status --------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        if self._shut_down:
            return
        self.io.submit(self.library.status, self._show_status, lambda exc: log.warning(
            "status failed: %s", describe_error(exc)), name="status")

    def _show_status(self, status: LibraryStatus) -> None:
        self.status_info = status
        self.filter_bar.set_folders(list(status.folders), self._subfolders)
        roots = [f.path for f in status.folders]
        self.io.submit(lambda: subfolders(roots), lambda found: self._show_subfolders(status, found),
                       lambda exc: log.warning("cannot list subfolders: %s", describe_error(exc)), name="subfolders")
        self.index_status.set_errors(status.error_count)
        if not self.index_worker.running:
            offline = sum(1 for f in status.folders if not f.online)
            text = f"{formatting.count(status.indexed, 'file')} indexed"
            if status.pending:
                text += f" · {status.pending:,} waiting"
            if offline:
                text += f" · {formatting.count(offline, 'folder')} not reachable"
            self.index_status.show_message(text if status.folders else "No folders yet")
        if not status.model_installed:
            self._show_model_missing(None)
        else:
            self.banner.dismiss("model")
        if self.stack.currentIndex() == EMPTY_PAGE:
            if self.search.state.is_empty:
                self.display.show_empty()
            elif self.empty.key in ("none", "no-folders", "no-model", "reading"):  # a search found nothing
                self.display.rows_changed()

    def _show_subfolders(self, status: LibraryStatus, found: dict[str, list[str]]) -> None:
        if found != self._subfolders:
            self._subfolders = found
            self.filter_bar.set_folders(list(status.folders), found)

    def _on_indexing_running(self, running: bool) -> None:
        self.index_status.set_running(running)
        self.actions_.pause.setEnabled(running)
        if not running:
            self.refresh_status()

    def _on_paused(self, paused: bool) -> None:
        self.index_status.set_paused(paused)
        self.actions_.pause.setText("Resume indexing" if paused else "Pause indexing")

    def _on_indexing_finished(self, report: object) -> None:
        """A run or a live batch ended (files changed, a folder went offline or came back, or
        the analyzers found faces, text or places). The results are shown again only if it
        changed something: the start-up scan of an unchanged library leaves them alone. A
        report that arrives after shutdown (queued while the worker stopped) is dropped: the
        library may be closed by then."""
        if self._shut_down:
            return
        if _changed_anything(report):
            self.search.refresh()
        self.people.refresh()
        self.refresh_status()

    def _on_worker_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ModelNotFoundError | ModelFormatError):
            self._show_model_missing(exc)
            return
        self.banner.show_message(describe_error(exc), kind="error")

    def _show_model_missing(self, exc: BaseException | None) -> None:
        text = ("No model yet: Photolens needs one to read your pictures and your words. "
                "Choose an exported model folder (works offline) or download it.")
        if exc is not None:
            log.info("model missing: %s", exc)
        self.banner.show_message(text, kind="model", action="Set up model…", callback=self.dialogs.open_model)

    def on_settings_changed(self) -> None:
        self.refresh_status()
        self.search_worker.warm_up()
        self.search.refresh()

    def set_group_similar(self, on: bool) -> None:
        """Near-identical shots (bursts, edits) as one result: a library setting (core's TOML)."""
        lib = self.library
        if lib.settings.collapse_duplicates != on and not lib.read_only:
            self.index_worker.save_settings(lib.settings.with_changes(collapse_duplicates=on), restart=False)

    def set_ranking(self, **changes: object) -> None:
        """Ranking preferences (diversity, hubness): library settings, applied to the open search."""
        lib = self.library
        if not lib.read_only:
            self.index_worker.save_settings(lib.settings.with_changes(**changes), restart=False)
        else:  # read-only: for this session only
            lib.apply_settings(lib.settings.with_changes(**changes))
            self.search.refresh()

    # -- searching ----------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_bar.focus()

    def clear_search(self) -> None:
        self.search.clear()
        self.search_bar.focus()

    def paste_image(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        image = image_from_mime(mime) if mime is not None else None
        if image is None:
            self.statusBar().showMessage("The clipboard holds no picture", 4000)
            return
        self.search.set_image(image)

    def choose_query_image(self) -> None:
        from photolens.core.media.decode import IMAGE_EXTENSIONS
        from photolens.core.media.video import VIDEO_EXTENSIONS

        def patterns(extensions: frozenset[str]) -> str:
            return " ".join(f"*{e}" for e in sorted(extensions))

        path, _ = QFileDialog.getOpenFileName(
            self, "Search with an example picture", str(Path.home()),
            f"Images ({patterns(IMAGE_EXTENSIONS)});;Videos: their middle frame ({patterns(VIDEO_EXTENSIONS)})")
        if path:
            self.search.set_image(Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if mime_has_image(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt API
        if mime_has_image(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        image = image_from_mime(event.mimeData())
        if image is None:
            return
        event.acceptProposedAction()
        self.search.set_image(image)

    def eventFilter(self, watched: object, event: object) -> bool:  # noqa: N802 - Qt API
        if watched is self.search_bar.field and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Down and self.model.rowCount():
                self.results_view.setFocus()
                if not self.results_view.currentIndex().isValid() and self.model.hits:
                    self.results_view.setCurrentIndex(self.model.index_of(self.model.hits[0].path))
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    # -- results ------------------------------------------------------------------------------
    def _on_selection(self, *_changed: QItemSelection) -> None:
        """The preview shows the current result, and nothing when there is none (no picture
        of an older query under "Nothing found")."""
        hit = self.model.hit(self.results_view.currentIndex())
        if hit != self.preview.hit or hit is None:
            self.preview.show_hit(hit)

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(shortcut_rows(self.actions()), self)
        dialog.open()
        return dialog

    def show_log(self) -> LogDialog:
        dialog = LogDialog(self.library.data_dir / LOG_FILE, self.desktop.reveal, self)
        dialog.open()
        return dialog

    def open_places(self) -> None:
        """The Places list (Ctrl+Shift+L): a pick searches that place."""
        from .places_view import PlacesDialog

        places = self.library.places
        dialog = PlacesDialog(places.everywhere(), places.countries(), places.count(),
                              lambda text: self.search.set_text(text, immediate=True), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._places_dialog = dialog
        dialog.show()

    def show_about(self) -> None:
        QMessageBox.about(self, "About Photolens",
                          "<b>Photolens</b><br>Find your photos by words, by example, or by sketch.<br>"
                          "Everything stays on this computer.<br><br>"
                          f"Library: {self.library.data_dir}<br>Log: {self.library.data_dir / LOG_FILE}")


def _changed_anything(report: object) -> bool:
    """Whether an indexing run changed what the library lists (the start-up scan mostly does not)."""
    if not isinstance(report, IndexReport):
        return True
    return bool(report.new or report.changed or report.deleted or report.embedded or report.reused
                or report.analyzed or report.offline_folders or report.back_online)
