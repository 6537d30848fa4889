"""IndexStatusWidget: indexing progress in the status bar, pause/resume, and failed files."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from photolens.core.progress import IndexProgress

from . import formatting

log = logging.getLogger(__name__)


def describe_progress(p: IndexProgress, paused: bool) -> str:
    """One line for the status bar."""
    if p.phase == "scan":
        return f"Looking for pictures… {formatting.count(p.done, 'file')} found"
    if p.phase == "cleanup":
        return "Tidying up…"
    if p.phase == "done":
        return f"Indexed {formatting.count(p.done, 'file')}"
    if p.phase == "analyze":  # an analyzer after the CLIP pass: searching already works
        return f"{'Paused: ' if paused else ''}{p.current or 'Analysing'}… {p.done:,} of {p.total:,}"
    if paused:
        return f"Paused at {p.done:,} of {p.total:,}"
    verb = "Moving to the new model" if p.phase == "reembed" else "Indexing"  # search finds everything meanwhile
    parts = [f"{verb} {p.done:,} of {p.total:,}"]
    if p.rate > 0:
        parts.append(formatting.rate(p.rate))
    if p.eta_s is not None and p.done < p.total:
        parts.append(formatting.duration(p.eta_s) + " left")
    return " · ".join(parts)


class IndexStatusWidget(QWidget):
    pause_clicked = Signal()
    errors_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("indexStatus")
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(160)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.bar.setVisible(False)
        self.pause_button = QToolButton(self)
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setText("Pause")
        self.pause_button.setToolTip("Pause indexing (searching keeps working)")
        self.pause_button.clicked.connect(self.pause_clicked)
        self.pause_button.setVisible(False)
        self.errors_button = QToolButton(self)
        self.errors_button.setObjectName("errorsButton")
        self.errors_button.setAutoRaise(True)
        self.errors_button.setToolTip("Show the files that could not be indexed, and why")
        self.errors_button.clicked.connect(self.errors_clicked)
        self.errors_button.setVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(8)
        layout.addWidget(self.errors_button)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.pause_button)
        self._paused = False
        self._running = False
        self.last_progress: IndexProgress | None = None

    def show_progress(self, p: IndexProgress, paused: bool) -> None:
        self.last_progress = p
        self.label.setText(describe_progress(p, paused))
        if p.phase in ("index", "reembed", "analyze") and p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
        else:
            self.bar.setRange(0, 0)  # busy
        self.bar.setVisible(p.phase != "done")
        if p.errors:
            self.set_errors(p.errors)

    def set_running(self, running: bool) -> None:
        self._running = running
        self.pause_button.setVisible(running or self._paused)
        if not running:
            self.bar.setVisible(False)

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setToolTip("Resume indexing" if paused else "Pause indexing (searching keeps working)")
        self.pause_button.setVisible(self._running or paused)
        if self._running and self.last_progress is not None:
            self.label.setText(describe_progress(self.last_progress, paused))
        elif self._running and paused:
            self.label.setText("Paused")

    def show_message(self, text: str) -> None:
        self.last_progress = None
        self.label.setText(text)

    def set_errors(self, count: int) -> None:
        self.errors_button.setText(f"⚠ {formatting.count(count, 'file')} failed")
        self.errors_button.setVisible(count > 0)
