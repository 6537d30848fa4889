"""Which model is in use, and how to provide it when it is missing.

Offline first: "Choose model folder…" points the library at an exported model folder
(sets `model_path` in the settings). Downloading is offered too, with a progress bar;
the ModelDownloader lives as long as the window, so closing a dialog never waits on it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photolens.core.embed.model_files import ModelFolder
from photolens.core.embed.registry import fetch, known
from photolens.core.errors import PhotolensError
from photolens.core.library import Library

from . import formatting
from .tasks import TaskRunner, describe_error

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1
NOT_INSTALLED = (
    "Photolens needs its model to understand pictures and words; it runs on this computer and "
    "nothing is uploaded. Download it once (a few hundred MB), or choose a model folder you "
    "already have (one with visual.onnx, textual.onnx, tokenizer.json and config.json)."
)
_NETWORK_WORDS = ("offline", "errno", "connect", "resolve", "timed out", "timeout", "network", "unreachable")


def download_failure_text(exc: BaseException) -> str:
    """What went wrong, in the app's terms (the technical reason goes to the log): no URLs,
    no error numbers, no command lines."""
    reason = str(exc).lower()
    if any(word in reason for word in _NETWORK_WORDS):
        what = "the download server could not be reached (this computer may be offline)"
    else:
        what = "it stopped before the model was complete"
    return (f"The download did not work: {what}. Try again when you are connected, or choose a "
            "model folder you already have (Choose model folder…).")


@dataclass(frozen=True)
class ModelInfo:
    """What the welcome and model dialogs say about the model."""

    name: str
    installed: bool
    path: str | None
    message: str
    fetchable: bool

    @classmethod
    def of(cls, library: Library) -> ModelInfo:
        """Reads the model's config.json only (no model load): fine on the GUI thread."""
        name = library.settings.model
        try:
            folder = library.model_folder()
        except PhotolensError as exc:
            return cls(name, False, str(library.model_path) if library.model_path else None, str(exc),
                       known(name) is not None)
        return cls(folder.config.name, True, str(folder.path),
                   f"{folder.config.name} ({folder.config.dim}-d) in {folder.path}", known(name) is not None)


class ModelDownloader(QObject):
    """Fetches a known model into the models folder on a worker thread."""

    progress = Signal(str, int, object)  # file name, bytes so far, total or None
    finished = Signal(str)  # model folder
    failed = Signal(object)
    _progress_from_worker = Signal(str, int, object)

    def __init__(self, models_dir: Path, parent: QObject | None = None, *, hub_url: str | None = None):
        super().__init__(parent)
        self.models_dir = models_dir
        self.hub_url = hub_url  # None: huggingface_hub's endpoint ($HF_ENDPOINT or huggingface.co)
        self._runner = TaskRunner("download", 1, self)
        self._last = 0.0
        self.running = False
        self._progress_from_worker.connect(self._relay, Qt.ConnectionType.QueuedConnection)

    def start(self, name: str) -> None:
        if self.running:
            return
        self.running = True

        def report(file_name: str, done: int, total: int | None) -> None:  # worker thread
            now = time.monotonic()
            if now - self._last >= PROGRESS_INTERVAL_S or (total is not None and done >= total):
                self._last = now
                self._progress_from_worker.emit(file_name, done, total)

        self._runner.submit(lambda: fetch(self.models_dir, name, hub_url=self.hub_url, progress=report),
                            self._done, self._failed, name=f"fetch {name}")

    @Slot(str, int, object)
    def _relay(self, file_name: str, done: int, total: object) -> None:
        self.progress.emit(file_name, done, total)

    def _done(self, folder: ModelFolder) -> None:
        self.running = False
        self.finished.emit(str(folder.path))

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.failed.emit(exc)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        return self._runner.wait(timeout_ms)


class ModelPanel(QWidget):
    """The model in use; when missing, the offline way (choose a folder) and a download."""

    model_path_chosen = Signal(str)

    def __init__(self, info: ModelInfo, downloader: ModelDownloader | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("modelPanel")
        self._downloader = downloader
        self.info = info
        self.title = QLabel(self)
        self.title.setObjectName("modelTitle")
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton("Choose model folder…", self)
        self.choose_button.setToolTip("A folder with visual.onnx, textual.onnx, tokenizer.json and config.json")
        self.choose_button.clicked.connect(self._choose)
        self.download_button = QPushButton(f"Download {info.name}", self)
        self.download_button.setToolTip("Needs an internet connection once; nothing else is ever sent")
        self.download_button.clicked.connect(self._download)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.progress_label = QLabel(self)
        self.progress_label.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addWidget(self.download_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        if downloader is not None:
            downloader.progress.connect(self._on_progress)
            downloader.finished.connect(self._on_downloaded)
            downloader.failed.connect(self._on_download_failed)
        self.chosen_path: str | None = None
        self.set_info(info)

    def set_info(self, info: ModelInfo) -> None:
        self.info = info
        if info.installed:
            self.title.setText(f"Model: {info.name} ✓")
            self.detail.setText(f"Ready: {info.message}. It runs on this computer; nothing is uploaded.")
        else:
            self.title.setText(f"Model: {info.name} — not installed yet")
            self.detail.setText(NOT_INSTALLED)
            log.info("model not installed: %s", info.message)
        can_download = info.fetchable and not info.installed and self._downloader is not None
        self.download_button.setVisible(can_download)
        self.download_button.setEnabled(not (self._downloader and self._downloader.running))

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder", str(Path.home()))
        if folder:
            self.choose_folder(folder)

    def choose_folder(self, folder: str | Path) -> bool:
        """Check a model folder; emit model_path_chosen if it is complete."""
        try:
            model = ModelFolder.load(Path(folder))
        except PhotolensError as exc:
            self.detail.setText(f"That folder cannot be used: {exc}")
            return False
        self.chosen_path = str(model.path)
        self.set_info(ModelInfo(model.config.name, True, str(model.path),
                                f"{model.config.name} ({model.config.dim}-d) in {model.path}", self.info.fetchable))
        self.model_path_chosen.emit(str(model.path))
        return True

    def _download(self) -> None:
        if self._downloader is None:
            return
        self.download_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.progress_label.setVisible(True)
        self.progress_label.setText("Connecting…")
        self._downloader.start(self.info.name)

    def _on_progress(self, file_name: str, done: int, total: object) -> None:
        if isinstance(total, int) and total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / total))
            self.progress_label.setText(f"{file_name}: {formatting.file_size(done)} of {formatting.file_size(total)}")
        else:
            self.progress_label.setText(f"{file_name}: {formatting.file_size(done)}")

    def _on_downloaded(self, path: str) -> None:
        self.progress.setVisible(False)
        self.progress_label.setText("Downloaded.")
        self.set_info(ModelInfo(self.info.name, True, path, f"{self.info.name} in {path}", True))

    def _on_download_failed(self, exc: BaseException) -> None:
        log.warning("model download failed: %s", describe_error(exc))
        self.progress.setVisible(False)
        self.progress_label.setText(download_failure_text(exc))
        self.progress_label.setWordWrap(True)
        self.download_button.setText("Try again")
        self.download_button.setEnabled(True)
