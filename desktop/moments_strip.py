"""MomentsStrip: a video's sampled frames in a row under the preview; click one to see it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QScrollArea, QToolButton, QWidget

from . import formatting
from .thumbnail_loader import GRID_PX, ThumbnailLoader

ICON_PX = 64


class MomentsStrip(QScrollArea):
    """One checkable button per sampled frame, labelled with its time; the best match is
    checked. Scrolls sideways when the video has many."""

    moment_chosen = Signal(int)  # frame_ms

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("momentsStrip")
        self.setAccessibleName("Moments of the video")
        self._loader = loader
        self._path: str | None = None
        self.buttons: list[QToolButton] = []
        self._moments: list[int] = []
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.idClicked.connect(lambda i: self.moment_chosen.emit(self.moments()[i]))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._inner = QWidget(self)
        self._row = QHBoxLayout(self._inner)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        self._row.addStretch(1)
        self.setWidget(self._inner)
        text_h = self.fontMetrics().height()
        self.setFixedHeight(ICON_PX + text_h + 16 + self.horizontalScrollBar().sizeHint().height())
        loader.thumbnail_ready.connect(self._on_thumbnail)

    def show_moments(self, path: str, moments: tuple[int, ...], current: int | None) -> None:
        """Fill the strip (hidden when there is nothing to show: a picture)."""
        for button in self.buttons:
            self._group.removeButton(button)
            button.deleteLater()
        self.buttons = []
        self._path = path if moments else None
        for i, ms in enumerate(moments):
            button = QToolButton(self._inner)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(ICON_PX, ICON_PX))
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setText(formatting.clock(ms / 1000))
            button.setToolTip(f"Show the frame at {formatting.clock(ms / 1000)}" + (" (best match)" if ms == current else ""))
            button.setChecked(ms == current)
            self._group.addButton(button, i)
            self._row.insertWidget(i, button)
            self.buttons.append(button)
        self._moments = list(moments)
        self._fill_icons()
        self.setVisible(bool(moments))
        QTimer.singleShot(0, self._reveal_checked)  # once the row is laid out

    def _reveal_checked(self) -> None:
        """Scroll so the checked moment sits in the middle."""
        checked = self._group.checkedButton()
        if checked is not None:
            centre = checked.x() + checked.width() // 2
            self.horizontalScrollBar().setValue(centre - self.viewport().width() // 2)

    def moments(self) -> list[int]:
        return list(self._moments)

    def current(self) -> int | None:
        i = self._group.checkedId()
        return self.moments()[i] if i >= 0 else None

    def _fill_icons(self) -> None:
        if self._path is None:
            return
        for button, ms in zip(self.buttons, self.moments(), strict=True):
            if button.icon().isNull():
                pix = self._loader.pixmap(self._path, GRID_PX, ms)
                if pix is not None:
                    button.setIcon(QIcon(pix))

    def _on_thumbnail(self, path: str, size: int) -> None:
        if path == self._path and size == GRID_PX:
            self._fill_icons()
