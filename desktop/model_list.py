"""The known models in the model dialog: languages, download size, speed measured on this
machine, installed or not, and "Use this model" (a switch: the old model keeps finding what
the new one has not reached)."""

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
from photolens.core.model_speed import installed_speed
from photolens.core.switch import ModelUse, SwitchStatus

from . import formatting

COLUMNS = ("Model", "Languages", "Download", "Speed here", "")
STATE_COLUMN = len(COLUMNS) - 1


def switch_text(switch: SwitchStatus | None) -> str:
    """One line on a switch in progress (empty when none)."""
    if switch is None:
        return ""
    eta = switch.eta_s
    left = ""
    if eta is not None and not switch.complete:
        left = f", {formatting.duration(eta)} " + ("left" if switch.running else "of indexing left")
    return (f"Moving to {Path(switch.current).name}: {switch.done:,} of {switch.total:,} pictures done "
            f"({switch.fraction:.0%}{left}). Until then {Path(switch.previous).name} finds the others, so every "
            "picture stays findable.")


class ModelList(QWidget):
    """A table of the known models; `use_requested(name)` when the user picks an installed one,
    `download_requested(name)` for one that is not installed yet, `measure_requested(name)`
    to time an installed one here (the owner measures off the GUI thread, then `refresh`)."""

    use_requested = Signal(str)
    download_requested = Signal(str)
    measure_requested = Signal(str)

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
        self.measure_button = QPushButton("Measure speed", self)
        self.measure_button.setToolTip("Time the model on this machine (a few seconds)")
        self.measure_button.clicked.connect(self._measure)
        self.measuring: str | None = None
        self.switch_label = QLabel(self)
        self.switch_label.setWordWrap(True)
        self.switch_label.setVisible(False)
        self.disk_label = QLabel(self)
        self.disk_label.setWordWrap(True)
        self.disk_label.setVisible(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.measure_button)
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
            speed = installed_speed(self.models_dir, model.name)
            measured = ("measuring…" if model.name == self.measuring else
                        speed.text() if speed else "not measured" if installed else "")
            cells = (f"{model.name} — {model.description}", model.languages,
                     f"≈ {model.download_mb:,} MB" if model.download_mb else "?", measured, state)
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
            self.measure_button.setEnabled(False)
            return
        installed = is_installed(self.models_dir, name)
        self.use_button.setText("Use this model" if installed else f"Download {name}")
        self.use_button.setEnabled(name != self.current)
        self.measure_button.setEnabled(installed and self.measuring is None)

    def _measure(self) -> None:
        name = self.selected()
        if name is None or not is_installed(self.models_dir, name):
            return
        self.measuring = name
        self.refresh()
        self.measure_requested.emit(name)

    def measured(self, _result: object = None) -> None:
        """The measurement ended (or failed): show what is known now."""
        self.measuring = None
        self.refresh()

    def _use(self) -> None:
        name = self.selected()
        if name is None:
            return
        if is_installed(self.models_dir, name):
            self.use_requested.emit(name)
        else:
            self.download_requested.emit(name)
