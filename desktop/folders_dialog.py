"""FoldersDialog: which folders are indexed, and which names to leave out.

The dialog only edits a plan; the MainWindow applies it through the IndexWorker (the
one writer). Removing a folder makes the library forget its pictures; the files on
disk are never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photolens.core.catalog import FolderRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FolderChanges:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    exclude_patterns: tuple[str, ...]
    exclusions_changed: bool

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.exclusions_changed)


class FoldersDialog(QDialog):
    def __init__(self, folders: list[FolderRecord], exclude_patterns: tuple[str, ...],
                 parent: QWidget | None = None, *, read_only: bool = False):
        super().__init__(parent)
        self.setObjectName("foldersDialog")
        self.setWindowTitle("Folders — Photolens")
        self._original = {f.path for f in folders}
        self._original_patterns = tuple(exclude_patterns)

        intro = QLabel("Photolens indexes the pictures in these folders and their subfolders. "
                       "Removing a folder forgets its pictures; the files themselves are not touched.")
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        for record in folders:
            self._add_item(record.path, record.online)
        add = QPushButton("Add folder…", self)
        add.clicked.connect(self._choose_folder)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.list.selectedItems()) and not read_only))
        self.remove_button.setEnabled(False)
        add.setEnabled(not read_only)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(add)
        buttons_row.addWidget(self.remove_button)
        buttons_row.addStretch(1)

        self.exclusions = QPlainTextEdit(self)
        self.exclusions.setPlaceholderText("One name pattern a line, e.g.\nScreenshots\n*.gif\ntmp*")
        self.exclusions.setPlainText("\n".join(exclude_patterns))
        self.exclusions.setMaximumHeight(110)
        self.exclusions.setReadOnly(read_only)

        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not read_only)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons_row)
        layout.addWidget(QLabel("Leave out folders and files whose names match (wildcards * and ?):", self))
        layout.addWidget(self.exclusions)
        if read_only:
            layout.addWidget(QLabel("This library is open read-only: another Photolens window is indexing it.", self))
        layout.addWidget(box)
        self.resize(560, 440)

    def _add_item(self, path: str, online: bool = True) -> None:
        item = QListWidgetItem(path if online else f"{path}  (not reachable now)")
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setToolTip(path)
        self.list.addItem(item)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to index", str(Path.home()))
        if folder:
            self.add_folder_path(folder)

    def add_folder_path(self, folder: str | Path) -> None:
        path = str(Path(folder).expanduser().resolve())
        if path not in self.paths():
            self._add_item(path)

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def paths(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def changes(self) -> FolderChanges:
        now = self.paths()
        patterns = tuple(p.strip() for p in self.exclusions.toPlainText().splitlines() if p.strip())
        return FolderChanges(
            added=tuple(p for p in now if p not in self._original),
            removed=tuple(sorted(self._original - set(now))),
            exclude_patterns=patterns,
            exclusions_changed=patterns != self._original_patterns,
        )
