"""PeopleDialog: everyone found in the pictures, a face each; name in place, merge, hide.

A face thumbnail per person (cut from their best picture in a background thread), the
name under it (click a selected one, or F2, to edit it in place), how many pictures.
Double-click or Enter shows the person's pictures in the main window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from photolens.core.errors import PhotolensError
from photolens.core.faces.people import People, Person

from . import formatting
from .images import pil_to_qimage
from .tasks import TaskRunner

log = logging.getLogger(__name__)

FACE_PX = 96
PERSON_ROLE = Qt.ItemDataRole.UserRole + 1


def person_query(person: Person) -> str:
    """The search-box words for a person's pictures."""
    if person.name:
        return f'person:"{person.name}"' if " " in person.name else f"person:{person.name}"
    return f"person:#{person.id}"


class PeopleDialog(QDialog):
    photos_requested = Signal(str)  # the query text, e.g. person:Anna
    people_changed = Signal()  # a name, a merge or a hide: the window shows it too

    def __init__(self, people: People, cover_loader: Callable[[Person], QImage | None], io: TaskRunner,
                 parent: QWidget | None = None, *, read_only: bool = False):
        super().__init__(parent)
        self.setWindowTitle("People — Photolens")
        self.people = people
        self._load_cover = cover_loader
        self._io = io
        self._read_only = read_only
        self._covers: dict[int, QPixmap] = {}
        self._filling = False

        self.list = QListWidget(self)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(FACE_PX, FACE_PX))
        self.list.setGridSize(QSize(FACE_PX + 40, FACE_PX + 60))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setSpacing(6)
        self._placeholder = _placeholder()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if read_only else
                                  QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.SelectedClicked)
        self.list.setItemDelegate(_NameAndCount(self.list))
        self.list.itemChanged.connect(self._renamed)
        self.list.itemActivated.connect(lambda item: self._show_photos(item))
        self.list.itemSelectionChanged.connect(self._selection_changed)

        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setObjectName("peopleMessage")
        self.message.setWordWrap(True)
        self.show_hidden = QCheckBox("Show hidden people", self)
        self.show_hidden.toggled.connect(lambda _on: self.refresh())
        self.photos_button = QPushButton("Show pictures", self)
        self.photos_button.clicked.connect(lambda: self._show_photos(self.list.currentItem()))
        self.merge_button = QPushButton("Same person", self)
        self.merge_button.setToolTip("The selected people are one person: merge them")
        self.merge_button.clicked.connect(self.merge_selected)
        self.hide_button = QPushButton("Hide", self)
        self.hide_button.setToolTip("Leave this person out of the list and the results' names")
        self.hide_button.clicked.connect(self.toggle_hidden)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        for b in (self.photos_button, self.merge_button, self.hide_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.show_hidden)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(720, 520)
        self.refresh()

    # -- filling -------------------------------------------------------------------------------
    def _changed(self) -> None:
        self.refresh()
        self.people_changed.emit()

    def refresh(self) -> None:
        """Read everyone again (after indexing found more faces, or an edit)."""
        current = self.current_person()
        self._filling = True
        try:
            self.list.clear()
            everyone = self.people.everyone(include_hidden=self.show_hidden.isChecked())
            for person in everyone:
                item = QListWidgetItem(person.label)
                item.setData(PERSON_ROLE, person)
                item.setToolTip(f"{person.label}: {formatting.count(person.photos, 'picture')}")
                flags = item.flags() | Qt.ItemFlag.ItemIsEditable if not self._read_only else item.flags()
                item.setFlags(flags)
                if person.name is None:
                    item.setForeground(QColor("#777777"))
                item.setIcon(QIcon(self._covers.get(person.id, self._placeholder)))
                item.setSizeHint(QSize(FACE_PX + 36, FACE_PX + 56))
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                self.list.addItem(item)
                if current is not None and person.id == current.id:
                    self.list.setCurrentItem(item)
        finally:
            self._filling = False
        if not everyone:
            self.info.setText("Nobody yet. People appear here once indexing has found the same face in two "
                              "pictures or more; name a face from the preview to start with someone.")
        self._selection_changed()
        self._load_covers([p for p in everyone if p.id not in self._covers and p.cover is not None])

    def _load_covers(self, people: list[Person]) -> None:
        if not people:
            return

        def work() -> list[tuple[int, QImage | None]]:
            return [(p.id, self._load_cover(p)) for p in people]

        self._io.submit(work, self._covers_loaded, lambda exc: log.info("face thumbnails: %s", exc),
                        name="people-covers")

    def _covers_loaded(self, loaded: list[tuple[int, QImage | None]]) -> None:
        for pid, image in loaded:
            if image is not None and not image.isNull():
                self._covers[pid] = QPixmap.fromImage(image)
        self._filling = True
        try:
            for row in range(self.list.count()):
                item = self.list.item(row)
                person = item.data(PERSON_ROLE)
                if person.id in self._covers:
                    item.setIcon(QIcon(self._covers[person.id]))
        finally:
            self._filling = False

    def shown_text(self, row: int) -> str:
        """What a person's cell says: the name, then how many pictures (and if hidden)."""
        return _cell_text(self.list.item(row).text(), self.list.item(row).data(PERSON_ROLE))

    @property
    def faces_shown(self) -> int:
        """How many people in the list show their own face (the others: the placeholder)."""
        return sum(1 for row in range(self.list.count()) if self.list.item(row).data(PERSON_ROLE).id in self._covers)

    # -- selection and actions -----------------------------------------------------------------
    def current_person(self) -> Person | None:
        item = self.list.currentItem()
        return item.data(PERSON_ROLE) if item is not None else None

    def selected_people(self) -> list[Person]:
        return [item.data(PERSON_ROLE) for item in self.list.selectedItems()]

    def _selection_changed(self) -> None:
        chosen = self.selected_people()
        one = chosen[0] if len(chosen) == 1 else None
        self.photos_button.setEnabled(one is not None)
        self.merge_button.setEnabled(len(chosen) >= 2 and not self._read_only)
        self.hide_button.setEnabled(one is not None and not self._read_only)
        self.hide_button.setText("Show again" if one is not None and one.hidden else "Hide")
        if one is not None:
            self.info.setText(f"{one.label}: {formatting.count(one.photos, 'picture')}, "
                              f"{formatting.count(one.faces, 'face')}. Click the name or press F2 to rename; "
                              "double-click to see the pictures.")
        elif chosen:
            self.info.setText(f"{len(chosen)} people selected: “Same person” merges them.")
        elif self.list.count():
            self.info.setText(f"{formatting.count(self.list.count(), 'person', 'people')}. Select someone to see "
                              "their pictures; select several who are one person to merge them.")

    def _renamed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        person: Person = item.data(PERSON_ROLE)
        text = item.text().strip()
        if text == person.label:
            return
        try:
            self.people.rename(person.id, text or None)
            self.message.setText("")
        except PhotolensError as exc:
            self.message.setText(str(exc))
        self._changed()

    def _show_photos(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.photos_requested.emit(person_query(item.data(PERSON_ROLE)))

    def merge_selected(self) -> None:
        chosen = self.selected_people()
        if len(chosen) < 2:
            return
        # the named one (or the one in most pictures) stays
        keep = sorted(chosen, key=lambda p: (p.name is None, -p.photos))[0]
        try:
            merged = self.people.merge(keep.id, *[p.id for p in chosen if p.id != keep.id])
            self.message.setText(f"Merged into {merged.label}.")
        except PhotolensError as exc:
            self.message.setText(str(exc))
        self._covers.pop(keep.id, None)
        self._changed()

    def toggle_hidden(self) -> None:
        person = self.current_person()
        if person is None:
            return
        self.people.hide(person.id, not person.hidden)
        self._changed()


def _cell_text(name: str, person: Person | None) -> str:
    if person is None:
        return name
    # U+2028 breaks the line in an item view's cell (a plain newline is dropped there)
    return f"{name}\u2028{formatting.count(person.photos, 'picture')}" + (" · hidden" if person.hidden else "")


class _NameAndCount(QStyledItemDelegate):
    """Shows the count under the name; editing in place edits the name alone."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.text = _cell_text(option.text, index.data(PERSON_ROLE))  # type: ignore[attr-defined]


def _placeholder() -> QPixmap:
    """A grey square with a head and shoulders: the face before its thumbnail arrives."""
    pix = QPixmap(FACE_PX, FACE_PX)
    pix.fill(QColor("#d9d9d9"))
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#b0b0b0"))
    painter.drawEllipse(FACE_PX // 2 - 18, 16, 36, 40)
    painter.drawRoundedRect(FACE_PX // 2 - 34, 60, 68, 50, 22, 22)
    painter.end()
    return pix


def cover_loader(lookup: Callable[[int], tuple[str, str | None] | None]) -> Callable[[Person], QImage | None]:
    """Builds the function that cuts a person's face thumbnail (run in a worker thread):
    `lookup(item_id)` gives the file's path and media type."""
    from photolens.core.faces.crops import face_crop

    def load(person: Person) -> QImage | None:
        face = person.cover
        if face is None:
            return None
        found = lookup(face.item_id)
        if found is None:
            return None
        path, media_type = found
        try:
            return pil_to_qimage(face_crop(path, face.box, FACE_PX, media_type=media_type))
        except (OSError, PhotolensError) as exc:
            log.info("no face thumbnail for %s: %s", person.label, exc)
            return None

    return load
