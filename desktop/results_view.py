"""ResultsView: the virtualised thumbnail grid (QListView in icon mode) and its delegate."""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDrag,
    QFont,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from .browse_months import MonthHeader
from .date_scrubber import WIDTH as SCRUBBER_WIDTH
from .date_scrubber import DateScrubber
from .results_model import (
    FailedRole,
    GroupRole,
    HeaderRole,
    MomentRole,
    ResultsModel,
    ThumbnailRole,
    WeakRole,
)
from .thumbnail_loader import grid_px_for

log = logging.getLogger(__name__)

DEFAULT_CELL = 168
MIN_CELL, MAX_CELL = 96, 320
PADDING = 6
WEAK_OPACITY = 0.55
HEADER_HEIGHT = 38


class ResultDelegate(QStyledItemDelegate):
    """Paints a thumbnail centred in its cell, a placeholder while it loads."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.cell = QSize(DEFAULT_CELL, DEFAULT_CELL)
        self.header_width = DEFAULT_CELL  # a month heading spans the row (the view sets it)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        if index.data(HeaderRole) is not None:
            return QSize(self.header_width, HEADER_HEIGHT)
        return self.cell

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        header = index.data(HeaderRole)
        if isinstance(header, MonthHeader):
            _paint_header(painter, option, header)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect: QRect = option.rect.adjusted(2, 2, -2, -2)  # type: ignore[attr-defined]
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            colour = QColor(palette.color(QPalette.ColorRole.Highlight))
            colour.setAlpha(255 if selected else 60)
            path = QPainterPath()
            path.addRoundedRect(rect, 8, 8)
            painter.fillPath(path, colour)
        inner = rect.adjusted(PADDING, PADDING, -PADDING, -PADDING)
        pix = index.data(ThumbnailRole)
        if bool(index.data(WeakRole)) and not selected:
            painter.setOpacity(WEAK_OPACITY)
        if isinstance(pix, QPixmap) and not pix.isNull():
            target = _fit(pix.size(), inner)
            clip = QPainterPath()
            clip.addRoundedRect(target, 4, 4)
            painter.setClipPath(clip)
            painter.drawPixmap(target, pix)
            painter.setClipping(False)
            group = int(index.data(GroupRole) or 0)
            if group:
                _badge(painter, target, f"+{group}")
            moment = index.data(MomentRole)
            if moment:
                _badge(painter, target, str(moment), left=True)
        else:
            placeholder = QColor(palette.color(QPalette.ColorRole.Mid))
            placeholder.setAlpha(70)
            box = QPainterPath()
            box.addRoundedRect(inner.adjusted(8, 8, -8, -8), 6, 6)
            painter.fillPath(box, placeholder)
            if index.data(FailedRole):
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(inner, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                                 "cannot show\n" + str(index.data(Qt.ItemDataRole.DisplayRole)))
        painter.restore()


def _paint_header(painter: QPainter, option: QStyleOptionViewItem, header: MonthHeader) -> None:
    """'March 2021  ·  42', bold, at the bottom left of its row."""
    painter.save()
    rect: QRect = option.rect.adjusted(8, 0, -8, -4)  # type: ignore[attr-defined]
    palette: QPalette = option.palette  # type: ignore[attr-defined]
    font = QFont(painter.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    painter.setFont(font)
    active = QPalette.ColorGroup.Active  # (a heading is not an enabled item: not the greyed colours)
    painter.setPen(palette.color(active, QPalette.ColorRole.Text))
    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
    painter.drawText(rect, align, header.label)
    width = painter.fontMetrics().horizontalAdvance(header.label)
    painter.setFont(option.font)  # type: ignore[attr-defined]
    painter.setPen(palette.color(active, QPalette.ColorRole.PlaceholderText))
    painter.drawText(rect.adjusted(width + 10, 0, 0, -1), align, f"{header.count:,}")
    painter.restore()


def _badge(painter: QPainter, target: QRect, text: str, *, left: bool = False) -> None:
    """A label in a bottom corner: '+3' (right: near-identical shots grouped with this
    result) or '\u25b6 0:42' (left: a video, and the moment that matched)."""
    metrics = painter.fontMetrics()
    width = metrics.horizontalAdvance(text) + 10
    height = metrics.height() + 2
    x = target.left() + 3 if left else target.right() - width - 3
    box = QRect(x, target.bottom() - height - 3, width, height)
    path = QPainterPath()
    path.addRoundedRect(box, height / 2, height / 2)
    painter.setOpacity(1.0)
    painter.fillPath(path, QColor(0, 0, 0, 150))
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _fit(size: QSize, box: QRect) -> QRect:
    scaled = size.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = box.x() + (box.width() - scaled.width()) // 2
    y = box.y() + (box.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


class ResultsView(QListView):
    """Grid of results: Enter opens, Esc clears, Ctrl+wheel zooms, drags carry the files."""

    open_requested = Signal(QModelIndex)
    escape_pressed = Signal()
    context_menu_requested = Signal(QModelIndex, QPoint)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setMouseTracking(True)
        self.setSpacing(0)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.delegate = ResultDelegate(self)
        self.setItemDelegate(self.delegate)
        self._target_cell = DEFAULT_CELL
        self.doubleClicked.connect(self.open_requested)
        # the library view (no query): month headings, and a date scrubber in the right margin
        self.browsing = False
        self.scrubber = DateScrubber(self)
        self.scrubber.setVisible(False)
        self.scrubber.jump_requested.connect(self.jump_to_row)

    # -- the library view --------------------------------------------------------------------
    def reset(self) -> None:
        """New rows: month headings (varied row sizes, no grid) when the model lists the library."""
        model = self.model()
        browsing = isinstance(model, ResultsModel) and model.browsing
        if browsing != self.browsing:
            self.browsing = browsing
            self.setUniformItemSizes(not browsing)
            self.setViewportMargins(0, 0, SCRUBBER_WIDTH if browsing else 0, 0)
            self.scrubber.setVisible(browsing)
            self.delegate.cell = QSize()  # relayout for the new width
        super().reset()
        self._relayout()
        self.update_scrubber()

    def rowsInserted(self, parent: QModelIndex | QPersistentModelIndex, start: int, end: int) -> None:  # noqa: N802
        super().rowsInserted(parent, start, end)
        if self.browsing:
            self.update_scrubber()

    def update_scrubber(self) -> None:
        model = self.model()
        if isinstance(model, ResultsModel):
            self.scrubber.set_marks(model.headers() if self.browsing else [], model.rowCount())
        self._place_scrubber()

    def _place_scrubber(self) -> None:
        vp = self.viewport().geometry()
        self.scrubber.setGeometry(vp.right() + 1, vp.top(), SCRUBBER_WIDTH, vp.height())

    def jump_to_row(self, row: int) -> None:
        """Scroll a month heading to the top, and make its first picture current."""
        model = self.model()
        self.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        if row + 1 < model.rowCount():
            self.selectionModel().setCurrentIndex(model.index(row + 1, 0),
                                                  self.selectionModel().SelectionFlag.ClearAndSelect)
            self.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)

    # -- cell size ---------------------------------------------------------------------------
    @property
    def cell_size(self) -> int:
        return self._target_cell

    def set_cell_size(self, px: int) -> None:
        self._target_cell = max(MIN_CELL, min(MAX_CELL, px))
        self._relayout()

    def zoom(self, steps: int) -> None:
        self.set_cell_size(self._target_cell + 24 * steps)

    def layout_width(self) -> int:
        """The width the columns share: the view's, less the vertical scroll bar whether it
        shows or not (a scroll bar appearing must not push the last column to a new row,
        leaving a blank strip and a clipped last row)."""
        bar = 0
        if self.verticalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
            bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self.verticalScrollBar())
        return max(1, self.width() - 2 * self.frameWidth() - bar - self.viewportMargins().right() - 2)

    def _relayout(self) -> None:
        """Spread the columns over the full width (no ragged gap on the right)."""
        width = self.layout_width()
        columns = max(1, width // self._target_cell)
        cell = max(MIN_CELL // 2, width // columns)
        size = QSize(cell, cell)
        if size != self.delegate.cell or self.delegate.header_width != columns * cell:
            self.delegate.cell = size
            self.delegate.header_width = columns * cell
            self.setGridSize(QSize() if self.browsing else size)
            self.scheduleDelayedItemsLayout()
            QTimer.singleShot(0, self.keep_current_in_view)
        model = self.model()
        if isinstance(model, ResultsModel):
            model.set_grid_px(grid_px_for(cell - 2 * PADDING, self.devicePixelRatioF()))

    @property
    def columns(self) -> int:
        return max(1, self.layout_width() // max(1, self.delegate.cell.width()))

    def keep_current_in_view(self) -> None:
        if self.currentIndex().isValid():
            # the new cell size's layout first: its timer may not have run yet (under load it
            # ran after this one, and the current item was scrolled to by the old geometry)
            self.executeDelayedItemsLayout()
            self.scrollTo(self.currentIndex())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        self._relayout()
        super().resizeEvent(event)
        self._place_scrubber()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.ScreenChangeInternal, QEvent.Type.DevicePixelRatioChange):
            self._relayout()  # sharp thumbnails on the new screen
        super().changeEvent(event)

    # -- input -------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex())
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt API
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt API
        index = self.indexAt(event.pos())
        if index.isValid():
            if not self.selectionModel().isSelected(index):
                self.setCurrentIndex(index)
            self.context_menu_requested.emit(index, event.globalPos())

    def startDrag(self, supported: Qt.DropAction) -> None:  # noqa: N802 - Qt API
        indexes = self.selectedIndexes()
        if not indexes:
            return
        model = self.model()
        drag = QDrag(self)
        drag.setMimeData(model.mimeData(indexes))
        pix = indexes[0].data(ThumbnailRole)
        if isinstance(pix, QPixmap) and not pix.isNull():
            drag.setPixmap(pix.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation))
        drag.exec(Qt.DropAction.CopyAction)
