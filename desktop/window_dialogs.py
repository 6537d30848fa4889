"""WindowDialogs: opens the window's dialogs and applies what they return."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from photolens.core.library import LibraryStatus
from photolens.core.model_speed import measure_installed

from .errors_dialog import IndexErrorsDialog
from .folders_dialog import FoldersDialog
from .model_list import ModelList
from .model_panel import ModelDownloader, ModelInfo, ModelPanel
from .sketch_dialog import SketchPadDialog
from .tasks import describe_error
from .welcome_dialog import WelcomeDialog

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer

    from photolens.core.library import Library

    from .index_status import IndexStatusWidget
    from .index_worker import IndexWorker
    from .notices import Banner
    from .search_controller import SearchController
    from .search_worker import SearchWorker
    from .tasks import TaskRunner

log = logging.getLogger(__name__)


class DialogHost(Protocol):
    """What the dialogs need of the window (MainWindow provides it)."""

    @property
    def library(self) -> Library: ...
    @property
    def default_folders(self) -> list[Path] | None: ...
    @property
    def index_worker(self) -> IndexWorker: ...
    @property
    def search(self) -> SearchController: ...
    @property
    def search_worker(self) -> SearchWorker: ...
    @property
    def io(self) -> TaskRunner: ...
    @property
    def banner(self) -> Banner: ...
    @property
    def index_status(self) -> IndexStatusWidget: ...
    @property
    def status_info(self) -> LibraryStatus | None: ...
    @property
    def rescan_timer(self) -> QTimer: ...
    def on_settings_changed(self) -> None: ...
    def refresh_status(self) -> None: ...
    def start_indexing(self) -> None: ...
    def window(self) -> QWidget: ...


class WindowDialogs(QObject):
    def __init__(self, window: DialogHost):
        super().__init__(window.window())
        self.w = window
        self.sketch_pad: SketchPadDialog | None = None
        self.sketch_dock: QDockWidget | None = None
        self.welcome: WelcomeDialog | None = None
        self.folders: FoldersDialog | None = None
        self.errors: IndexErrorsDialog | None = None
        self.model: QDialog | None = None
        self.downloader = ModelDownloader(window.library.models_dir, self)
        self.downloader.finished.connect(lambda _path: self.w.on_settings_changed())

    # -- first run ---------------------------------------------------------------------------
    def open_welcome(self) -> WelcomeDialog:
        dialog = WelcomeDialog(ModelInfo.of(self.w.library), self.downloader,
                               default_folders=self.w.default_folders, parent=self.w.window())
        dialog.finished.connect(lambda result: self._welcome_done(dialog, result))
        self.welcome = dialog
        dialog.open()
        return dialog

    def _welcome_done(self, dialog: WelcomeDialog, result: int) -> None:
        w = self.w
        if result == QDialog.DialogCode.Accepted:
            if dialog.chosen_model_path:
                self._set_model_path(dialog.chosen_model_path)
            folders = dialog.folder_paths()
            if folders:
                w.index_worker.add_folders(folders)
                w.index_status.show_message("Looking for pictures…")
        w.search_worker.warm_up()
        w.rescan_timer.start()
        w.refresh_status()

    def _use_known_model(self, name: str) -> None:
        self.w.index_worker.use_model(name=name)
        if self.model is not None:
            self.model.close()

    def _set_model_path(self, path: str) -> None:
        self.w.index_worker.use_model(path=path)

    # -- sketch pad --------------------------------------------------------------------------
    def open_sketch_pad(self) -> SketchPadDialog:
        """The sketch pad, docked beside the results it updates."""
        if self.sketch_pad is None:
            self.sketch_pad = SketchPadDialog()
            self.sketch_pad.search_requested.connect(
                lambda sketch, words, balance: self.w.search.set_sketch(sketch, balance, text=words))
            dock = QDockWidget("Sketch pad", self.w.window())
            dock.setObjectName("sketchDock")
            dock.setWidget(self.sketch_pad)
            dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
            self.sketch_pad.close_requested.connect(dock.hide)
            window = self.w.window()
            if isinstance(window, QMainWindow):
                window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
                window.resizeDocks([dock], [420], Qt.Orientation.Horizontal)
            self.sketch_dock = dock
        state = self.w.search.state
        self.sketch_pad.start(state.text, state.sketch, state.sketch_balance)
        self.sketch_pad.show()
        if self.sketch_dock is not None:
            self.sketch_dock.show()
            self.sketch_dock.raise_()
        self.sketch_pad.canvas.setFocus()
        return self.sketch_pad

    # -- folders -----------------------------------------------------------------------------
    def open_folders(self) -> FoldersDialog:
        lib = self.w.library
        status = self.w.status_info
        folders = list(status.folders) if status is not None else lib.folders()
        dialog = FoldersDialog(folders, lib.settings.exclude_patterns, self.w.window(), read_only=lib.read_only)
        dialog.accepted.connect(lambda: self.apply_folder_changes(dialog))
        self.folders = dialog
        dialog.open()
        return dialog

    def apply_folder_changes(self, dialog: FoldersDialog) -> None:
        changes = dialog.changes()
        if not changes.any:
            return
        worker, lib = self.w.index_worker, self.w.library
        if changes.removed:
            worker.remove_folders(changes.removed, index=False)
        if changes.exclusions_changed:
            worker.save_settings(lib.settings.with_changes(exclude_patterns=changes.exclude_patterns))
        if changes.added:
            worker.add_folders(changes.added, index=False)
        self.w.start_indexing()

    # -- errors and model -------------------------------------------------------------------------
    def open_errors(self) -> None:
        def show(status: LibraryStatus) -> None:
            self.errors = IndexErrorsDialog(list(status.errors), status.error_count, self.w.window())
            self.errors.open()

        self.w.io.submit(lambda: self.w.library.status(max_errors=1000), show,
                         lambda exc: self.w.banner.show_message(describe_error(exc), kind="error"), name="errors")

    def _measure_model(self, models: ModelList, name: str) -> None:
        """Time a model off the GUI thread; the list shows the figure (or the error) after."""
        def failed(exc: BaseException) -> None:
            models.measured()
            self.w.banner.show_message(f"Could not measure {name}: {describe_error(exc)}", kind="error")

        models_dir = self.w.library.models_dir
        self.w.io.submit(lambda: measure_installed(models_dir, name), models.measured, failed, name="measure-model")

    def open_model(self) -> QDialog:
        dialog = QDialog(self.w.window())
        dialog.setWindowTitle("Model — Photolens")
        panel = ModelPanel(ModelInfo.of(self.w.library), self.downloader, dialog)
        panel.model_path_chosen.connect(lambda path: self._set_model_path(str(Path(path))))
        lib = self.w.library
        models = ModelList(lib.models_dir, None if lib.model_path else lib.settings.model, dialog)
        models.use_requested.connect(self._use_known_model)
        if self.downloader is not None:
            models.download_requested.connect(self.downloader.start)
            self.downloader.finished.connect(lambda _path: models.refresh())
        models.measure_requested.connect(lambda name: self._measure_model(models, name))
        self.w.io.submit(self.w.library.switch_status, models.show_switch, lambda exc: None, name="switch-status")
        self.w.io.submit(self.w.library.models_disk_use, models.show_disk_use, lambda exc: None, name="model-disk")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        box.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(panel)
        layout.addWidget(models)
        layout.addWidget(box)
        dialog.resize(760, 460)
        dialog.setMaximumSize(1280, 720)
        dialog.panel = panel  # type: ignore[attr-defined]
        self.model = dialog
        dialog.open()
        return dialog

