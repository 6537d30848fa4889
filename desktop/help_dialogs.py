"""The Help menu's dialogs: the keyboard shortcuts, and where the log is."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

LOG_FILE = "photolens-gui.log"  # in the library's data folder (app.configure_logging writes it)

# keys that are not menu actions: the grid, the viewer, the sketch pad
OTHER_KEYS = (
    ("Arrows", "move in the grid"), ("Enter", "view the result full-window"),
    ("Esc", "back: from the viewer to the grid, from a search to all pictures"),
    ("Ctrl+wheel", "larger or smaller thumbnails"),
    ("Viewer: Left / Right", "previous / next result"), ("Viewer: wheel, + / -, 0", "zoom, fit"),
    ("Viewer: I", "details"), ("Viewer: Enter", "play a video from the matched moment"),
    ("Sketch pad: Ctrl+Z", "undo the last stroke"),
)


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what they do) for every action that has a shortcut, then the other keys."""
    rows = []
    for action in actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip("…")))
    return rows + list(OTHER_KEYS)


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts — Photolens")
        self.rows = rows
        table = "".join(f"<tr><td style='padding:2px 16px 2px 0'><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
        label = QLabel(f"<table>{table}</table>", self)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(box)
        self.setMaximumSize(1280, 720)


class LogDialog(QDialog):
    """Where the log file is (to attach to a bug report), with a button to show it."""

    def __init__(self, path: Path, reveal: Callable[[str], object], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Log — Photolens")
        self.path = path
        text = QLabel(f"Photolens writes what it does, and any errors, to:<br><b>{path}</b><br><br>"
                      "Attach this file when you report a problem. It holds file names, never pictures.", self)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_button = QPushButton("Show in folder", self)
        self.show_button.clicked.connect(lambda: reveal(str(path)))
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        box.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(box)
        self.setMaximumSize(1280, 720)
        self.resize(520, 160)
