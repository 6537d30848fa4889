"""WelcomeDialog: the first run. Which folders to index, and the model that will read them."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .model_panel import ModelDownloader, ModelInfo, ModelPanel

log = logging.getLogger(__name__)

MAX_WIDTH, MAX_HEIGHT = 1280, 720  # fits the smallest screens the app supports


def default_picture_folders() -> list[Path]:
    """The user's Pictures folder, where it exists."""
    found = QStandardPaths.standardLocations(QStandardPaths.StandardLocation.PicturesLocation)
    return [Path(p) for p in found if Path(p).is_dir()][:1]


class WelcomeDialog(QDialog):
    def __init__(self, info: ModelInfo, downloader: ModelDownloader | None, *,
                 default_folders: list[Path] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle("Welcome to Photolens")
        title = QLabel("Welcome to Photolens", self)
        title.setObjectName("welcomeTitle")
        subtitle = QLabel("Find any photo by describing it, by showing an example, or by sketching it. "
                          "Everything happens on this computer: your pictures are never uploaded.", self)
        subtitle.setWordWrap(True)

        folders_box = QGroupBox("Folders to index", self)
        self.folders = QListWidget(folders_box)
        self.folders.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        for folder in default_folders if default_folders is not None else default_picture_folders():
            self.folders.addItem(str(folder))
        add = QPushButton("Add folder…", folders_box)
        add.clicked.connect(self._choose_folder)
        remove = QPushButton("Remove", folders_box)
        remove.clicked.connect(self._remove_selected)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        inner = QVBoxLayout(folders_box)
        inner.addWidget(QLabel("Subfolders are included. You can change this later in Folders…", folders_box))
        inner.addWidget(self.folders)
        inner.addLayout(row)

        model_box = QGroupBox("Model", self)
        self.model_panel = ModelPanel(info, downloader, model_box)
        model_layout = QVBoxLayout(model_box)
        model_layout.addWidget(self.model_panel)

        self.buttons = QDialogButtonBox(self)
        self.start_button = self.buttons.addButton("Start indexing", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.folders.model().rowsInserted.connect(self._update_start)
        self.folders.model().rowsRemoved.connect(self._update_start)
        self.model_panel.model_path_chosen.connect(self._update_start)
        if downloader is not None:
            downloader.finished.connect(self._update_start)
        self._update_start()

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(folders_box, 1)
        layout.addWidget(model_box)
        layout.addWidget(self.buttons)
        self.setMaximumSize(MAX_WIDTH, MAX_HEIGHT)  # long messages wrap: the buttons stay on screen
        self.resize(620, 560)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to index", str(Path.home()))
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str | Path) -> None:
        path = str(Path(folder).expanduser())
        if path not in self.folder_paths():
            self.folders.addItem(path)

    def _remove_selected(self) -> None:
        for item in self.folders.selectedItems():
            self.folders.takeItem(self.folders.row(item))

    def _update_start(self, *_changed: object) -> None:
        """Indexing needs folders and the model that reads them."""
        has_model = self.model_panel.info.installed
        self.start_button.setEnabled(self.folders.count() > 0 and has_model)
        self.start_button.setToolTip("" if has_model else "Set up the model first (download it, or choose its folder)")

    def folder_paths(self) -> list[str]:
        return [self.folders.item(i).text() for i in range(self.folders.count())]

    @property
    def chosen_model_path(self) -> str | None:
        return self.model_panel.chosen_path
