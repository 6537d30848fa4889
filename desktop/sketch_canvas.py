"""SketchCanvas: a square drawing surface with pen, eraser, colours, undo and clear.

Strokes are drawn into a QImage (white paper) that becomes the sketch query. Mouse,
pen tablet and touch all arrive as mouse events; `draw_stroke` draws programmatically
(tests, and replaying).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger(__name__)

CANVAS_PX = 512
PAPER = QColor(255, 255, 255)
UNDO_LIMIT = 40


class SketchCanvas(QWidget):
    changed = Signal()  # a stroke ended, or undo/clear
    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None, size: int = CANVAS_PX):
        super().__init__(parent)
        self.setObjectName("sketchCanvas")
        self._image = QImage(size, size, QImage.Format.Format_RGB32)
        self._image.fill(PAPER)
        self._undo: list[QImage] = []
        self._last: QPointF | None = None
        self.pen_colour = QColor(0, 0, 0)
        self.pen_width = 8
        self.eraser_width = 28
        self.erasing = False
        self.setMinimumSize(256, 256)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)

    # -- state -------------------------------------------------------------------------------
    def image(self) -> QImage:
        """A copy of the drawing (safe to hand to another thread)."""
        return self._image.copy()

    @property
    def is_blank(self) -> bool:
        return self._is_paper()

    def _is_paper(self) -> bool:
        blank = QImage(self._image.size(), self._image.format())
        blank.fill(PAPER)
        return blank == self._image

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def set_colour(self, colour: QColor) -> None:
        self.pen_colour = QColor(colour)
        self.erasing = False

    def set_eraser(self, on: bool) -> None:
        self.erasing = on

    def set_pen_width(self, width: int) -> None:
        self.pen_width = max(1, width)

    def undo(self) -> None:
        if self._undo:
            self._image = self._undo.pop()
            self.update()
            self.changed.emit()

    def clear(self) -> None:
        if self._is_paper():
            return
        self._push_undo()
        self._image.fill(PAPER)
        self.update()
        self.changed.emit()

    def load(self, image: QImage) -> None:
        """Start from an existing sketch (reopening the pad keeps the drawing)."""
        self._image = image.convertToFormat(QImage.Format.Format_RGB32).scaled(
            self._image.size(), Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
        self._undo.clear()
        self.update()

    def _push_undo(self) -> None:
        self._undo.append(self._image.copy())
        del self._undo[:-UNDO_LIMIT]

    # -- drawing -----------------------------------------------------------------------------
    def _pen(self) -> QPen:
        colour = PAPER if self.erasing else self.pen_colour
        width = self.eraser_width if self.erasing else self.pen_width
        return QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)

    def _line(self, a: QPointF, b: QPointF) -> None:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen())
        if a == b:
            painter.drawPoint(a)
        else:
            painter.drawLine(a, b)
        painter.end()

    def draw_stroke(self, points: Sequence[tuple[float, float]]) -> None:
        """Draw a stroke through points given in canvas pixels (0..size)."""
        if not points:
            return
        self._push_undo()
        previous = QPointF(*points[0])
        self._line(previous, previous)
        for x, y in points[1:]:
            point = QPointF(x, y)
            self._line(previous, point)
            previous = point
        self.update()
        self.stroke_finished.emit()
        self.changed.emit()

    def _target(self) -> QRectF:
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_canvas(self, pos: QPointF) -> QPointF:
        """Widget coordinates -> image pixels."""
        target = self._target()
        scale = self._image.width() / max(1.0, target.width())
        return QPointF((pos.x() - target.x()) * scale, (pos.y() - target.y()) * scale)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._push_undo()
        self._last = self.to_canvas(event.position())
        self._line(self._last, self._last)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._last is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            return
        point = self.to_canvas(event.position())
        self._line(self._last, point)
        self._last = point
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._last is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.to_canvas(event.position())
        self._line(self._last, point)
        self._last = None
        self.update()
        self.stroke_finished.emit()
        self.changed.emit()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        target = self._target()
        painter.drawImage(target, self._image)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(target.adjusted(0, 0, -1, -1))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(420, 420)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return width

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True
