"""ViewerWidget: a result full-window, inside the main window. Zoom (wheel, +/-, 0 fits) and
pan (drag), Left/Right for the previous or next result, I for its details, Esc back to the
grid. A video shows the matched moment; Play opens it there in the external player
(QtMultimedia is not part of PySide6-Essentials, so the app does not play video itself).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from photolens.core.query.model import SearchHit

from . import formatting
from .metadata_text import taken_label
from .thumbnail_loader import GRID_PX, PREVIEW_PX, ThumbnailLoader

log = logging.getLogger(__name__)

VIEWER_PX = 2048  # decoded at most this large (not kept on disk)
MAX_ZOOM = 8.0
ZOOM_STEP = 1.25


class _Canvas(QWidget):
    """The picture: fitted, or zoomed around a point and panned by dragging."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.pixmap: QPixmap | None = None
        self.zoom = 1.0  # 1.0 = fit the window
        self.offset = QPointF(0, 0)  # pan, in widget pixels, from the centred position
        self._drag: QPointF | None = None
        self.setMouseTracking(True)

    def set_pixmap(self, pixmap: QPixmap | None, *, keep_view: bool = False) -> None:
        self.pixmap = pixmap
        if not keep_view:
            self.zoom, self.offset = 1.0, QPointF(0, 0)
        self.update()

    def fit_scale(self) -> float:
        if self.pixmap is None or self.pixmap.isNull():
            return 1.0
        size = self.pixmap.deviceIndependentSize()
        return min(self.width() / size.width(), self.height() / size.height(), 4.0)

    def drawn_rect(self) -> QRectF:
        if self.pixmap is None or self.pixmap.isNull():
            return QRectF()
        size = self.pixmap.deviceIndependentSize() * (self.fit_scale() * self.zoom)
        x = (self.width() - size.width()) / 2 + self.offset.x()
        y = (self.height() - size.height()) / 2 + self.offset.y()
        return QRectF(x, y, size.width(), size.height())

    def zoom_by(self, factor: float, around: QPointF | None = None) -> None:
        old = self.zoom
        self.zoom = max(1.0, min(MAX_ZOOM, self.zoom * factor))
        if self.zoom == 1.0:
            self.offset = QPointF(0, 0)
        elif old != self.zoom:
            centre = QPointF(self.width() / 2, self.height() / 2)
            point = around if around is not None else centre
            ratio = self.zoom / old  # keep the point under the pointer where it is
            self.offset = (self.offset + centre - point) * ratio - (centre - point)
        self.update()

    def pan_by(self, dx: float, dy: float) -> None:
        if self.zoom > 1.0:
            self.offset += QPointF(dx, dy)
            self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt API
        self.zoom_by(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self.zoom > 1.0:
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._drag is not None:
            delta = event.position() - self._drag
            self._drag = event.position()
            self.pan_by(delta.x(), delta.y())
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor if self.zoom > 1.0 else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor if self.zoom > 1.0 else Qt.CursorShape.ArrowCursor)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self.zoom_by(1 / MAX_ZOOM if self.zoom > 1.0 else 2.0, event.position())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(18, 18, 18))
        if self.pixmap is None or self.pixmap.isNull():
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Loading…")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(self.drawn_rect(), self.pixmap, QRectF(self.pixmap.rect()))


class ViewerWidget(QWidget):
    """Covers its parent (the window's central area) while open."""

    closed = Signal(object)  # the SearchHit shown last (the grid selects it)
    play_requested = Signal(object)  # SearchHit: a video, from its moment, in the external player
    open_requested = Signal(object)  # SearchHit: in the default app

    def __init__(self, loader: ThumbnailLoader, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("viewer")
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._loader = loader
        self.hits: list[SearchHit] = []
        self.position = 0
        self.canvas = _Canvas(self)
        self.title = QLabel(self)
        self.title.setObjectName("viewerTitle")
        self.info = QLabel(self)
        self.info.setObjectName("viewerInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setVisible(False)
        self.info.setMaximumWidth(360)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.info.setContentsMargins(10, 4, 4, 4)

        def button(text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
            b = QPushButton(text, self)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(slot)
            return b

        self.back_button = button("← Back", "Back to the results (Esc)", self.close_viewer)
        self.previous_button = button("‹ Previous", "Previous result (Left)", lambda: self.step(-1))
        self.next_button = button("Next ›", "Next result (Right)", lambda: self.step(1))
        self.info_button = button("Details", "Show or hide the details (I)", self.toggle_info)
        self.play_button = button("▶ Play", "Play the video from the matched moment (Enter)", self._play)
        self.open_button = button("Open in other app", "Open in the default app", self._open)
        self.fit_button = button("Fit", "Fit the window (0)", lambda: self.canvas.zoom_by(1 / MAX_ZOOM))
        bar = QHBoxLayout()
        for b in (self.back_button, self.previous_button, self.next_button):
            bar.addWidget(b)
        bar.addWidget(self.title, 1)
        for b in (self.fit_button, self.info_button, self.play_button, self.open_button):
            bar.addWidget(b)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.canvas, 1)
        body.addWidget(self.info)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addLayout(body, 1)
        loader.thumbnail_ready.connect(self._on_thumbnail)
        parent.installEventFilter(self)
        self.hide()

    @property
    def hit(self) -> SearchHit | None:
        return self.hits[self.position] if 0 <= self.position < len(self.hits) else None

    def open_at(self, hits: Sequence[SearchHit], position: int) -> None:
        self.hits = list(hits)
        self.position = max(0, min(position, len(self.hits) - 1))
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_current()

    def close_viewer(self) -> None:
        if self.isVisible():
            self.hide()
            self.closed.emit(self.hit)

    def step(self, delta: int) -> None:
        target = self.position + delta
        if 0 <= target < len(self.hits):
            self.position = target
            self._show_current()

    def toggle_info(self) -> None:
        self.info.setVisible(not self.info.isVisible())

    def _show_current(self) -> None:
        hit = self.hit
        if hit is None:
            return
        video = hit.media_type == "video"
        moment = f" · {formatting.clock((hit.frame_ms or 0) / 1000)}" if video else ""
        self.title.setText(f"{Path(hit.path).name}{moment}   ({self.position + 1} of {len(self.hits)})")
        self.play_button.setVisible(video)
        self.previous_button.setEnabled(self.position > 0)
        self.next_button.setEnabled(self.position < len(self.hits) - 1)
        self.info.setText(self._details(hit))
        frame = hit.frame_ms or 0
        pix = self._loader.pixmap(hit.path, VIEWER_PX, frame)
        self.canvas.set_pixmap(pix or self._loader.pixmap(hit.path, PREVIEW_PX, frame)
                               or self._loader.pixmap(hit.path, GRID_PX, frame))

    @staticmethod
    def _details(hit: SearchHit) -> str:
        label, when = taken_label(hit)
        rows = [("Folder", str(Path(hit.path).parent)), (label, when),
                ("Dimensions", formatting.dimensions(hit.width, hit.height)), ("Camera", hit.camera or "unknown")]
        if hit.media_type == "video":
            rows.append(("Length", formatting.clock(hit.duration_s)))
        if hit.people:
            rows.append(("People", ", ".join(hit.people)))
        return "<br>".join(f"<b>{k}:</b> {v}" for k, v in rows)

    def _on_thumbnail(self, path: str, size: int) -> None:
        hit = self.hit
        if not self.isVisible() or hit is None or path != hit.path:
            return
        pix = self._loader.pixmap(path, VIEWER_PX, hit.frame_ms or 0) if size == VIEWER_PX else None
        if pix is not None:
            self.canvas.set_pixmap(pix, keep_view=True)
        elif self.canvas.pixmap is None:
            self.canvas.set_pixmap(self._loader.pixmap(path, size, hit.frame_ms or 0))

    def _play(self) -> None:
        if self.hit is not None:
            self.play_requested.emit(self.hit)

    def _open(self) -> None:
        if self.hit is not None:
            self.open_requested.emit(self.hit)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        key = event.key()
        actions: dict[int, Callable[[], object]] = {
            Qt.Key.Key_Escape: self.close_viewer, Qt.Key.Key_Left: lambda: self.step(-1),
            Qt.Key.Key_Right: lambda: self.step(1), Qt.Key.Key_I: self.toggle_info,
            Qt.Key.Key_Plus: lambda: self.canvas.zoom_by(ZOOM_STEP), Qt.Key.Key_Equal: lambda: self.canvas.zoom_by(ZOOM_STEP),
            Qt.Key.Key_Minus: lambda: self.canvas.zoom_by(1 / ZOOM_STEP), Qt.Key.Key_0: lambda: self.canvas.zoom_by(1 / MAX_ZOOM),
            Qt.Key.Key_Home: lambda: self.step(-self.position), Qt.Key.Key_End: lambda: self.step(len(self.hits)),
        }
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.play_button.isVisible():
            self._play()
        elif key in actions:
            actions[key]()
        else:
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(parent.rect())
        return False
