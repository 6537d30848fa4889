"""PreviewPane: the selected result, larger, with its metadata and what can be done with it."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from photolens.core.faces.people import Face
from photolens.core.query.model import SearchHit

from . import formatting
from .metadata_text import taken_label
from .moments_strip import MomentsStrip
from .text_highlight import highlight_html
from .thumbnail_loader import GRID_PX, PREVIEW_PX, ThumbnailLoader

log = logging.getLogger(__name__)


class _PictureView(QWidget):
    """A pixmap scaled to fit, centred, redrawn on resize; its faces outlined on hover
    (a click on one asks who it is)."""

    face_clicked = Signal(object, QPoint)  # Face, global position

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self.faces: list[Face] = []
        self.hovering = False
        self._drawn = QRect()
        self.setMinimumSize(200, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self._pixmap = pixmap
        self.update()

    def set_faces(self, faces: list[Face]) -> None:
        self.faces = list(faces)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.update()

    def face_rect(self, face: Face) -> QRectF:
        """Where a face is on screen (its box is in fractions of the picture)."""
        d = self._drawn
        left, top, w, h = face.box
        return QRectF(d.x() + left * d.width(), d.y() + top * d.height(), w * d.width(), h * d.height())

    def face_at(self, pos: QPoint) -> Face | None:
        for face in self.faces:
            if self.face_rect(face).adjusted(-4, -4, 4, 4).contains(pos.toPointF()):
                return face
        return None

    def enterEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        self.hovering = True
        self.update()
        super().enterEvent(event)  # type: ignore[arg-type]

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        self.hovering = False
        self.update()
        super().leaveEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        face = self.face_at(event.position().toPoint())
        self.setCursor(Qt.CursorShape.PointingHandCursor if face else Qt.CursorShape.ArrowCursor)
        self.setToolTip(f"{face.person or 'Who is this?'} (click to name)" if face else "")
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        face = self.face_at(event.position().toPoint())
        if face is not None and event.button() == Qt.MouseButton.LeftButton:
            self.face_clicked.emit(face, event.globalPosition().toPoint())
            return
        super().mousePressEvent(event)

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(360, 300)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        if self._pixmap is None or self._pixmap.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        size = self._pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if size.width() > self._pixmap.width() * 2:  # do not blow small pictures up too far
            size = self._pixmap.size() * 2
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        painter.drawPixmap(x, y, size.width(), size.height(), self._pixmap)
        self._drawn = QRect(x, y, size.width(), size.height())
        if self.hovering and self.faces:
            for face in self.faces:
                rect = self.face_rect(face)
                painter.setPen(QPen(QColor(0, 0, 0, 160), 4))
                painter.drawRoundedRect(rect, 4, 4)
                painter.setPen(QPen(QColor("#ffd24a") if face.person is None else QColor("#ffffff"), 2))
                painter.drawRoundedRect(rect, 4, 4)
                label = face.person or "?"
                width = painter.fontMetrics().horizontalAdvance(label) + 8
                under = QRectF(rect.center().x() - width / 2, rect.bottom() + 3, width, painter.fontMetrics().height() + 2)
                painter.fillRect(under, QColor(0, 0, 0, 150))
                painter.drawText(under, Qt.AlignmentFlag.AlignCenter, label)


class PreviewPane(QWidget):
    open_requested = Signal(object)  # SearchHit
    reveal_requested = Signal(object)
    copy_path_requested = Signal(object)
    copy_image_requested = Signal(object)
    copy_text_requested = Signal(object)
    more_like_requested = Signal(object)
    less_like_requested = Signal(object)
    face_clicked = Signal(object, QPoint)  # Face, global position: who is this?

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("previewPane")
        self._loader = loader
        self.hit: SearchHit | None = None
        self.browsing = False  # the window lists the library (no query): no match score to show
        # the faces of a hit's picture (the window reads them from the library)
        self.faces_provider: Callable[[SearchHit], list[Face]] | None = None
        loader.thumbnail_ready.connect(self._on_thumbnail)

        self._stack = QStackedWidget(self)
        empty = QLabel("Select a result to see it here.\n\nDouble-click or press Enter to view it full-window.")
        empty.setObjectName("emptyHint")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        self._stack.addWidget(empty)

        page = QWidget()
        self.picture = _PictureView(page)
        self.picture.face_clicked.connect(self.face_clicked)
        self.strip = MomentsStrip(loader, page)
        self.strip.setVisible(False)
        self.strip.moment_chosen.connect(self._show_moment)
        self._best_ms: int | None = None
        self.title = QLabel(page)
        self.title.setObjectName("previewTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form = form
        for name in ("Folder", "File size", "Dimensions", "Taken", "Place", "Camera", "Type", "Moment", "People", "Match",
                     "Copies", "Similar"):
            label = QLabel(page)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = label
            form.addRow(f"{name}:", label)

        # the text read in the picture (OCR), the words the query matched highlighted
        self.text_title = QLabel("Text in the picture:", page)
        self.text_view = QLabel(page)
        self.text_view.setObjectName("pictureText")
        self.text_view.setWordWrap(True)
        self.text_view.setTextFormat(Qt.TextFormat.RichText)
        self.text_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_view.setMaximumHeight(160)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        specs = [
            ("open", "Open", "Open in the default app (Enter shows it here, full-window)", self.open_requested),
            ("reveal", "Show in folder", "Show the file in the file manager", self.reveal_requested),
            ("copy_path", "Copy path", "Copy the file's path", self.copy_path_requested),
            ("copy_image", "Copy image", "Copy the picture to the clipboard", self.copy_image_requested),
            ("more", "More like this", "Find more pictures like this one", self.more_like_requested),
            ("less", "Less like this", "Push pictures like this one down", self.less_like_requested),
            ("copy_text", "Copy text", "Copy the text read in the picture", self.copy_text_requested),
        ]
        for i, (key, text, tip, signal) in enumerate(specs):
            button = QPushButton(text, page)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, s=signal: self._emit(s))
            self.buttons[key] = button
            grid.addWidget(button, i // 2, i % 2)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.strip)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.text_title)
        layout.addWidget(self.text_view)
        layout.addLayout(grid)
        self._stack.addWidget(page)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)

    def _emit(self, signal: Signal) -> None:
        if self.hit is not None:
            signal.emit(self.hit)  # type: ignore[attr-defined]

    def show_hit(self, hit: SearchHit | None) -> None:
        self.hit = hit
        if hit is None:
            self._stack.setCurrentIndex(0)
            self.picture.set_pixmap(None)
            return
        self._stack.setCurrentIndex(1)
        path = Path(hit.path)
        self.title.setText(path.name)
        self.title.setToolTip(hit.path)
        try:
            stat = os.stat(hit.path)
            size, mtime = stat.st_size, stat.st_mtime
        except OSError:
            size, mtime = None, None
        label, when = taken_label(hit, mtime)  # "File date" when no capture date is recorded
        taken_row = self._form.labelForField(self.fields["Taken"])
        if isinstance(taken_row, QLabel):
            taken_row.setText(f"{label}:")
        values = {
            "Folder": str(path.parent),
            "File size": formatting.file_size(size) if size is not None else "file not found",
            "Dimensions": formatting.dimensions(hit.width, hit.height),
            "Taken": when,
            "Camera": hit.camera or "unknown",
            "Type": (hit.media_type or "image") + f" ({path.suffix.lstrip('.').upper() or '?'})",
            "Match": f"{hit.score:.3f}" + (" (weak)" if hit.weak else ""),
            "Copies": "none" if not hit.duplicates else formatting.count(len(hit.duplicates), "other copy", "other copies"),
        }
        self._form.setRowVisible(self.fields["Match"], not self.browsing)  # a listing scores nothing
        video = hit.frame_ms is not None
        self._best_ms = hit.frame_ms
        if video:
            values["Moment"] = self._moment_text(hit)
        self._form.setRowVisible(self.fields["Moment"], video)
        values["Place"] = hit.place or ""
        self._form.setRowVisible(self.fields["Place"], bool(hit.place))
        self.fields["Place"].setToolTip(f"{hit.position[0]:.5f}, {hit.position[1]:.5f}" if hit.position else "")
        self.strip.show_moments(hit.path, hit.moments if video else (), hit.frame_ms)
        for name, value in values.items():
            self.fields[name].setText(value)
        near = getattr(hit, "near_duplicates", ())
        self.fields["Similar"].setText(
            formatting.count(len(near), "near-identical shot") + " grouped with it" if near else "none")
        self.fields["Copies"].setToolTip("\n".join(hit.duplicates))
        self.fields["Similar"].setToolTip("\n".join(near))
        self._show_text(hit)
        frame = hit.frame_ms or 0
        big = self._loader.pixmap(hit.path, PREVIEW_PX, frame)
        self.picture.set_pixmap(big or self._loader.pixmap(hit.path, GRID_PX, frame))
        self.refresh_faces()

    def refresh_faces(self) -> None:
        """Outline the picture's faces and list who is in it (after a name changed, too)."""
        hit = self.hit
        faces = self.faces_provider(hit) if hit is not None and self.faces_provider is not None else []
        self.picture.set_faces(faces)
        names = list(dict.fromkeys(f.person for f in faces if f.person))
        unknown = sum(1 for f in faces if not f.person)
        text = ", ".join(names)
        if unknown:
            text += (", " if text else "") + formatting.count(unknown, "face") + " not named (click it)"
        self.fields["People"].setText(text)
        self._form.setRowVisible(self.fields["People"], bool(faces))

    def _show_text(self, hit: SearchHit) -> None:
        text = hit.text or ""
        self.text_view.setText(highlight_html(text, hit.text_matches) if text else "")
        self.text_view.setToolTip("Matched: " + ", ".join(hit.text_matches) if hit.text_matches else "")
        self.text_title.setVisible(bool(text))
        self.text_view.setVisible(bool(text))
        self.buttons["copy_text"].setVisible(bool(text))

    def _moment_text(self, hit: SearchHit) -> str:
        shown, best = hit.frame_ms or 0, self._best_ms
        of = f" of {formatting.clock(hit.duration_s)}"
        if shown == best:
            return f"best match at {formatting.clock(shown / 1000)}{of}"
        return f"{formatting.clock(shown / 1000)}{of} (best match at {formatting.clock((best or 0) / 1000)})"

    def _show_moment(self, frame_ms: int) -> None:
        """Another moment of the video: shown large; Copy image copies it."""
        if self.hit is None or self.hit.frame_ms is None or frame_ms == self.hit.frame_ms:
            return
        self.hit = replace(self.hit, frame_ms=frame_ms)
        self.picture.set_faces([])  # the faces found belong to the best-matching frame
        self.fields["Moment"].setText(self._moment_text(self.hit))
        big = self._loader.pixmap(self.hit.path, PREVIEW_PX, frame_ms)
        self.picture.set_pixmap(big or self._loader.pixmap(self.hit.path, GRID_PX, frame_ms))

    def _on_thumbnail(self, path: str, size: int) -> None:
        if self.hit is None or path != self.hit.path:
            return
        frame = self.hit.frame_ms or 0
        if size == PREVIEW_PX:
            pix = self._loader.pixmap(path, PREVIEW_PX, frame)
            if pix is not None:
                self.picture.set_pixmap(pix)
        elif size == GRID_PX and self.picture.pixmap() is None:
            self.picture.set_pixmap(self._loader.pixmap(path, GRID_PX, frame))
