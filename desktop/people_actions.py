"""People in the window: the faces of the previewed picture, who-is-this, the People view."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QPoint
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from photolens.core.errors import PhotolensError
from photolens.core.faces.people import Face

from .people_view import PeopleDialog, cover_loader, person_query
from .tasks import describe_error

if TYPE_CHECKING:
    from photolens.core.library import Library
    from photolens.core.query.model import SearchHit

    from .notices import Banner
    from .preview_pane import PreviewPane
    from .search_bar import SearchBar
    from .search_controller import SearchController
    from .tasks import TaskRunner

log = logging.getLogger(__name__)


class PeopleHost(Protocol):
    @property
    def library(self) -> Library: ...
    @property
    def search(self) -> SearchController: ...
    @property
    def io(self) -> TaskRunner: ...
    @property
    def banner(self) -> Banner: ...
    @property
    def preview(self) -> PreviewPane: ...
    @property
    def search_bar(self) -> SearchBar: ...
    def window(self) -> QWidget: ...


class PeopleActions(QObject):
    def __init__(self, host: PeopleHost):
        super().__init__(host.window())
        self.w = host
        self.dialog: PeopleDialog | None = None
        self.name_dialog: QInputDialog | None = None
        self.menu: QMenu | None = None

    def connect_preview(self) -> None:
        self.w.preview.faces_provider = self.faces_for
        self.w.preview.face_clicked.connect(self.face_menu)

    def faces_for(self, hit: SearchHit) -> list[Face]:
        try:
            return self.w.library.people.faces_in_item(hit.item_id)
        except PhotolensError as exc:
            log.info("faces of %s: %s", hit.path, exc)
            return []

    # -- one face --------------------------------------------------------------------------
    def face_menu(self, face: Face, pos: QPoint | None = None) -> QMenu:
        """What can be said about a face: who it is, who it is not, their other pictures."""
        menu = QMenu(self.w.window())
        read_only = self.w.library.read_only
        name = menu.addAction("Who is this?…" if face.person is None else f"Not {face.person}? Name this face…")
        name.triggered.connect(lambda: self.ask_name(face))
        if face.person is not None:
            rename = menu.addAction(f"Rename {face.person}…")
            rename.triggered.connect(lambda: self.ask_name(face, rename=True))
            menu.addAction(f"This is not {face.person}").triggered.connect(lambda: self.not_this_person(face))
            menu.addSeparator()
            menu.addAction(f"Pictures of {face.person}").triggered.connect(lambda: self.show_pictures_of(face))
        for action in menu.actions():
            if read_only and not action.text().startswith("Pictures of"):
                action.setEnabled(False)
        self.menu = menu
        if pos is not None:
            menu.popup(pos)
        return menu

    def ask_name(self, face: Face, *, rename: bool = False) -> QInputDialog:
        dialog = QInputDialog(self.w.window())
        dialog.setWindowTitle("Who is this? — Photolens")
        dialog.setLabelText("Rename this person:" if rename else "Who is this? Type a name or choose one:")
        names = [p.name for p in self.w.library.people.everyone() if p.name]
        dialog.setComboBoxEditable(True)
        dialog.setComboBoxItems(names)
        dialog.setTextValue(face.person or "" if rename else "")
        dialog.textValueSelected.connect(lambda text: self.name_face(face, text, rename=rename))
        self.name_dialog = dialog
        dialog.open()
        return dialog

    def name_face(self, face: Face, name: str, *, rename: bool = False) -> None:
        """A name for a face: renames their person (`rename`), or says this face is that
        person (someone already known, or someone new)."""
        people = self.w.library.people
        try:
            if rename and face.person_id is not None:
                people.rename(face.person_id, name)
            elif name.strip():
                people.assign(face.id, name)
            else:
                return
        except PhotolensError as exc:
            self.w.banner.show_message(describe_error(exc), kind="error")
            return
        self.refresh()

    def not_this_person(self, face: Face) -> None:
        try:
            self.w.library.people.reject(face.id)
        except PhotolensError as exc:
            self.w.banner.show_message(describe_error(exc), kind="error")
        self.refresh()

    def show_pictures_of(self, face: Face) -> None:
        if face.person_id is not None:
            self.show_query(person_query(self.w.library.people.get(face.person_id)))

    def show_query(self, text: str) -> None:
        self.w.search.set_text(text, immediate=True)

    def update_names(self) -> None:
        """The search field completes the names there are now."""
        try:
            names = [p.name for p in self.w.library.people.everyone() if p.name]
        except PhotolensError as exc:
            log.info("people names: %s", exc)
            return
        self.w.search_bar.people.set_names(names)

    # -- everyone --------------------------------------------------------------------------
    def open_people(self) -> PeopleDialog:
        if self.dialog is None:
            lib = self.w.library

            def lookup(item_id: int) -> tuple[str, str | None] | None:
                files = lib.catalog.files_for_items([item_id]).get(item_id)
                return (files[0].path, files[0].media_type) if files else None

            self.dialog = PeopleDialog(lib.people, cover_loader(lookup), self.w.io, self.w.window(),
                                       read_only=lib.read_only)
            self.dialog.photos_requested.connect(self.show_query)
            self.dialog.people_changed.connect(self.refresh)
        else:
            self.dialog.refresh()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def refresh(self) -> None:
        """Names or faces changed (an edit, or indexing found more): show it everywhere."""
        self.w.preview.refresh_faces()
        self.update_names()
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.refresh()
