"""Banner (a message across the window with one action) and EmptyState (what the grid shows
when there is nothing to show, and what to do about it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class Banner(QFrame):
    """One message at a time, e.g. 'The model is missing [Choose model folder…]'."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton(self)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._callback: Callable[[], object] | None = None
        self.action_button.clicked.connect(self._run)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, *, kind: str = "info", action: str = "",
                     callback: Callable[[], object] | None = None) -> None:
        self.kind = kind
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.action_button.setText(action)
        self.action_button.setVisible(bool(action))
        self._callback = callback
        self.show()

    def dismiss(self, kind: str | None = None) -> None:
        if kind is None or kind == self.kind:
            self.hide()

    def _run(self) -> None:
        if self._callback is not None:
            self._callback()


class EmptyState(QWidget):
    """A title, some help, and optionally a button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.title = QLabel(self)
        self.title.setObjectName("emptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(self)
        self.text.setObjectName("emptyText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.button = QPushButton(self)
        self.button.setVisible(False)
        self._callback: Callable[[], object] | None = None
        self.button.clicked.connect(self._run)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addSpacing(6)
        layout.addWidget(self.text)
        layout.addSpacing(10)
        layout.addLayout(row)
        layout.addStretch(3)
        self.key = ""

    def show_state(self, key: str, title: str, text: str, action: str = "",
                   callback: Callable[[], object] | None = None) -> None:
        self.key = key
        self.title.setText(title)
        self.text.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self._callback = callback

    def _run(self) -> None:
        if self._callback is not None:
            self._callback()
