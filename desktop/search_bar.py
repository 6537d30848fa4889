"""SearchBar: the query field, chips for the other parts of the query, and the sketch button."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QKeyEvent, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from photolens.core.errors import DecodeError
from photolens.core.media.video import is_video_path, read_frame
from photolens.core.query.model import Chip as PlanChip
from photolens.core.query.rank import Suggestion

from .images import mime_has_image, pil_to_qimage
from .person_completer import PersonCompleter, person_tokens, without_token
from .query_state import QueryState

log = logging.getLogger(__name__)

CHIP_ICON = 22
MAX_SUGGESTIONS = 6
# words, not emoji: many desktops have no colour emoji font (they draw as empty boxes)
KIND_WORDS = {"person": "With", "place": "In", "date": "When", "folder": "Folder", "camera": "Camera",
              "text": "Text"}


class Chip(QFrame):
    """A removable part of the query: 'Example: beach.jpg ×'."""

    removed = Signal()

    def __init__(self, text: str, icon: QPixmap | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chip")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 1, 2, 1)
        layout.setSpacing(4)
        if icon is not None and not icon.isNull():
            pic = QLabel(self)
            pic.setPixmap(icon.scaled(CHIP_ICON, CHIP_ICON, Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation))
            layout.addWidget(pic)
        self.label = QLabel(text, self)
        layout.addWidget(self.label)
        close = QToolButton(self)
        close.setObjectName("chipClose")
        close.setText("×")
        close.setToolTip(f"Remove {text}")
        close.setAutoRaise(True)
        close.clicked.connect(self.removed)
        layout.addWidget(close)


class SearchBar(QWidget):
    text_edited = Signal(str)  # typing (debounced by the controller)
    submitted = Signal(str)  # Enter
    escape_pressed = Signal()
    paste_image = Signal()  # Ctrl+V with an image on the clipboard
    remove_image = Signal()
    remove_sketch = Signal()
    remove_likes = Signal()
    sketch_clicked = Signal()
    image_clicked = Signal()
    suggestion_clicked = Signal(str)  # a refined query text
    text_replaced = Signal(str)  # the query text with a part removed (a person chip's ×)
    plan_chip_removed = Signal(str)  # the words of an understood part the user does not want read so

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("searchBar")
        self.field = QLineEdit(self)
        self.field.setObjectName("searchField")
        self.field.setPlaceholderText("Describe a photo, e.g. “dog on the beach at sunset” — or drop an image here")
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumWidth(280)
        self.field.setAccessibleName("Search")
        self.field.textEdited.connect(self.text_edited)
        self.field.returnPressed.connect(lambda: self.submitted.emit(self.field.text()))
        self.field.installEventFilter(self)
        self.people = PersonCompleter(self.field)

        self._chips = QHBoxLayout()
        self._chips.setSpacing(4)
        self._plan_chips = QHBoxLayout()  # what the engine understood in the words (results' chips)
        self._plan_chips.setSpacing(4)
        self.image_button = QPushButton("Image…", self)
        self.image_button.setToolTip("Search with an example picture (or drop one on the window, or paste one)")
        self.image_button.clicked.connect(self.image_clicked)
        self.sketch_button = QPushButton("Sketch…", self)
        self.sketch_button.setToolTip("Draw what you are looking for (Ctrl+K)")
        self.sketch_button.clicked.connect(self.sketch_clicked)

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addLayout(self._chips)
        row.addLayout(self._plan_chips)
        row.addWidget(self.field, 1)
        row.addWidget(self.image_button)
        row.addWidget(self.sketch_button)

        self.suggestions = QWidget(self)
        self.suggestions.setObjectName("suggestions")
        self._suggestion_row = QHBoxLayout(self.suggestions)
        self._suggestion_row.setContentsMargins(0, 0, 0, 0)
        self._suggestion_row.setSpacing(4)
        self.suggestions.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.suggestions)

    def text(self) -> str:
        return self.field.text()

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def show_state(self, state: QueryState) -> None:
        """Mirror the controller's query: the text (unless being typed) and the chips."""
        if state.text != self.field.text():
            self.field.setText(state.text)
        _clear(self._chips)
        if state.image is not None:
            icon = _chip_icon(state.image)
            self._add_chip(f"Like: {state.image_label}", self.remove_image, icon)
        if state.sketch is not None:
            self._add_chip("Sketch", self.remove_sketch, QPixmap.fromImage(state.sketch))
        likes, unlikes = len(state.like_items), len(state.unlike_items)
        if likes or unlikes:
            parts = []
            if likes:
                parts.append(f"more like {likes}")
            if unlikes:
                parts.append(f"less like {unlikes}")
            self._add_chip(", ".join(parts).capitalize(), self.remove_likes)
        for token, name in person_tokens(state.text):
            chip = Chip(f"With: {name}", None, self)
            chip.setToolTip(f"Only pictures with {name} in them")
            chip.removed.connect(lambda t=token, text=state.text: self.text_replaced.emit(without_token(text, t)))
            self._chips.addWidget(chip)

    def show_plan(self, chips: Sequence[PlanChip]) -> None:
        """What the engine read in the words: 'person Anna', 'place Lisbon', 'date 2019', each
        with what it matched; × reads its words as plain words again."""
        _clear(self._plan_chips)
        for chip in chips:
            widget = Chip(f"{KIND_WORDS.get(chip.kind, chip.kind.capitalize())}: {chip.label}", None, self)
            widget.setObjectName("planChip")
            tip = f"{chip.kind.capitalize()}: {chip.detail} (from “{chip.words}”)"
            if chip.alternatives:
                tip += "\nCould also be: " + ", ".join(chip.alternatives)
            widget.setToolTip(tip + "\n× reads these words as words")
            widget.removed.connect(lambda w=chip.words: self.plan_chip_removed.emit(w))
            self._plan_chips.addWidget(widget)

    def plan_chip_texts(self) -> list[str]:
        return [w.label.text() for w in _widgets(self._plan_chips) if isinstance(w, Chip)]

    def show_suggestions(self, suggestions: Sequence[Suggestion]) -> None:
        """'Maybe:' refinements the engine found among the results; a click searches them."""
        _clear(self._suggestion_row)
        if not suggestions:
            self.suggestions.setVisible(False)
            return
        label = QLabel("Maybe:", self.suggestions)
        label.setObjectName("hint")
        self._suggestion_row.addWidget(label)
        for suggestion in list(suggestions)[:MAX_SUGGESTIONS]:
            button = QPushButton(suggestion.label, self.suggestions)
            button.setObjectName("suggestion")
            button.setFlat(True)
            button.setToolTip(f"Search “{suggestion.query}” ({suggestion.size} pictures)")
            button.clicked.connect(lambda _=False, q=suggestion.query: self.suggestion_clicked.emit(q))
            self._suggestion_row.addWidget(button)
        self._suggestion_row.addStretch(1)
        self.suggestions.setVisible(True)

    def suggestion_texts(self) -> list[str]:
        return [w.text() for w in _widgets(self._suggestion_row) if isinstance(w, QPushButton)]

    def _add_chip(self, text: str, signal: SignalInstance, icon: QPixmap | None = None) -> None:
        chip = Chip(text, icon, self)
        chip.removed.connect(signal)
        self._chips.addWidget(chip)

    def chip_texts(self) -> list[str]:
        return [w.label.text() for w in _widgets(self._chips) if isinstance(w, Chip)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.matches(QKeySequence.StandardKey.Paste):
                mime = QGuiApplication.clipboard().mimeData()
                if mime is not None and mime_has_image(mime):
                    self.paste_image.emit()
                    return True
            elif key_event.key() == Qt.Key.Key_Escape:
                self.escape_pressed.emit()
                return True
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(640, super().sizeHint().height())


def _chip_icon(image: object) -> QPixmap | None:
    """A small icon of the query image; files are decoded at icon size (fast for JPEG)."""
    if isinstance(image, QImage):
        return QPixmap.fromImage(image)
    if image is None:
        return None
    if is_video_path(str(image)):
        try:
            frame = read_frame(str(image), min_side=CHIP_ICON * 2)
        except DecodeError:
            return None
        frame.thumbnail((CHIP_ICON * 2, CHIP_ICON * 2))
        return QPixmap.fromImage(pil_to_qimage(frame))
    reader = QImageReader(str(image))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(CHIP_ICON * 2, CHIP_ICON * 2, Qt.AspectRatioMode.KeepAspectRatio))
    small = reader.read()
    return QPixmap.fromImage(small) if not small.isNull() else None


def _widgets(layout: QLayout) -> list[QWidget]:
    items = (layout.itemAt(i) for i in range(layout.count()))
    return [w for item in items if item is not None and (w := item.widget()) is not None]


def _clear(layout: QLayout) -> None:
    """Remove every item of a layout; its widgets are deleted."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()  # at once: the deletion waits for the event loop
            widget.deleteLater()
