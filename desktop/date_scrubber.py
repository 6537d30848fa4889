"""DateScrubber: a slim strip beside the library grid; its years, and a month under the
pointer; press or drag to jump there."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

from .browse_months import MonthHeader

WIDTH = 44


class DateScrubber(QWidget):
    jump_requested = Signal(int)  # the row of a month heading

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dateScrubber")
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Drag to go to a month")
        self._marks: list[tuple[int, MonthHeader]] = []
        self._rows = 1
        self._hover: int | None = None  # index in _marks under the pointer

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(WIDTH, 200)

    def set_marks(self, marks: Sequence[tuple[int, MonthHeader]], rows: int) -> None:
        """The month headings (row, heading) of a grid of `rows` rows."""
        self._marks = list(marks)
        self._rows = max(1, rows)
        self._hover = None
        self.update()

    def marks(self) -> list[tuple[int, MonthHeader]]:
        return list(self._marks)

    def _y_of(self, row: int) -> int:
        return int(row / self._rows * max(1, self.height() - 16)) + 8

    def mark_at(self, y: float) -> int | None:
        """The index of the month whose part of the strip `y` falls in."""
        if not self._marks:
            return None
        row = (y - 8) / max(1, self.height() - 16) * self._rows
        found = 0
        for i, (start, _header) in enumerate(self._marks):
            if start <= row:
                found = i
        return found

    def _jump(self, event: QMouseEvent) -> None:
        i = self.mark_at(event.position().y())
        self._hover = i
        self.update()
        if i is not None:
            self.jump_requested.emit(self._marks[i][0])

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._jump(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump(event)
        else:
            self._hover = self.mark_at(event.position().y())
            self.update()

    def leaveEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self._hover = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        if not self._marks:
            return
        painter = QPainter(self)
        palette = self.palette()
        metrics = painter.fontMetrics()
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        last_bottom = -1
        seen: set[str] = set()
        for row, header in self._marks:
            y = self._y_of(row)
            if header.year and header.year not in seen and y > last_bottom:
                seen.add(header.year)
                painter.drawText(QRect(0, y, self.width(), metrics.height()), Qt.AlignmentFlag.AlignCenter,
                                 header.year)
                last_bottom = y + metrics.height()
            else:
                painter.drawLine(self.width() // 2 - 2, y, self.width() // 2 + 2, y)
        if self._hover is not None:
            row, header = self._marks[self._hover]
            y = min(self._y_of(row), self.height() - metrics.height() - 2)
            short = header.label.split(" ")[0][:3] if header.year else header.label
            box = QRect(1, y, self.width() - 2, metrics.height() + 2)
            painter.fillRect(box, palette.color(QPalette.ColorRole.Highlight))
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, short)
