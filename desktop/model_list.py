"""The known models in the model dialog: languages, download size, installed or not, and
"Use this model" (a switch: the old model keeps finding what the new one has not reached)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photolens.core.embed.registry import KNOWN_MODELS, is_installed
from photolens.core.switch import ModelUse, SwitchStatus

from . import formatting

COLUMNS = ("Model", "Languages", "Download", "")


def switch_text(switch: SwitchStatus | None) -> str:
    """One line on a switch in progress (empty when none)."""
    if switch is None:
        return ""
    return (f"Moving to {Path(switch.current).name}: {switch.done:,} of {switch.total:,} pictures done "
            f"({switch.fraction:.0%}). Until then {Path(switch.previous).name} finds the others, so every "
            "picture stays findable.")


class ModelList(QWidget):
    """A table of the known models; `use_requested(name)` when the user picks an installed one,
    `download_requested(name)` for one that is not installed yet."""

    use_requested = Signal(str)
    download_requested = Signal(str)

    def __init__(self, models_dir: Path, current: str | None, parent: QWidget | None = None):
        """current: the known model in use (None: a model folder of the user's is)."""
        super().__init__(parent)
        self.models_dir = models_dir
        self.current = current
        self.table = QTableWidget(len(KNOWN_MODELS), len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.use_button = QPushButton("Use this model", self)
        self.use_button.clicked.connect(self._use)
        self.switch_label = QLabel(self)
        self.switch_label.setWordWrap(True)
        self.switch_label.setVisible(False)
        self.disk_label = QLabel(self)
        self.disk_label.setWordWrap(True)
        self.disk_label.setVisible(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(self.switch_label)
        layout.addWidget(self.disk_label)
        self.refresh()

    def refresh(self) -> None:
        for row, model in enumerate(KNOWN_MODELS):
            installed = is_installed(self.models_dir, model.name)
            state = "in use" if model.name == self.current else "installed" if installed else "not installed"
            cells = (f"{model.name} — {model.description}", model.languages,
                     f"≈ {model.download_mb:,} MB" if model.download_mb else "?", state)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self._selection_changed()

    def show_disk_use(self, uses: list[ModelUse]) -> None:
        """Each model's vectors in this library and the disk they take."""
        self.disk_label.setText("Vectors here: " + "; ".join(
            f"{u.model_id} {u.vectors:,} ({formatting.file_size(u.bytes)})" for u in uses) if uses else "")
        self.disk_label.setVisible(bool(uses))

    def show_switch(self, switch: SwitchStatus | None) -> None:
        self.switch_label.setText(switch_text(switch))
        self.switch_label.setVisible(switch is not None)

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return KNOWN_MODELS[rows[0].row()].name if rows else None

    def _selection_changed(self) -> None:
        name = self.selected()
        if name is None:
            self.use_button.setEnabled(False)
            return
        installed = is_installed(self.models_dir, name)
        self.use_button.setText("Use this model" if installed else f"Download {name}")
        self.use_button.setEnabled(name != self.current)

    def _use(self) -> None:
        name = self.selected()
        if name is None:
            return
        if is_installed(self.models_dir, name):
            self.use_requested.emit(name)
        else:
            self.download_requested.emit(name)
