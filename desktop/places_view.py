"""PlacesDialog: where the pictures were taken, each place with its count; a pick searches it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photolens.core.places.store import PlaceCount

from . import formatting

log = logging.getLogger(__name__)

NAME_ROLE = Qt.ItemDataRole.UserRole


def place_query(name: str) -> str:
    """The query that finds a place's pictures (quoted: "New York City")."""
    return f'place:"{name}"' if " " in name else f"place:{name}"


class PlacesDialog(QDialog):
    """Cities and countries with their picture counts, most first; Enter or a double click
    searches the place (the dialog stays open to pick another)."""

    def __init__(self, cities: Sequence[PlaceCount], countries: Sequence[PlaceCount], placed: int,
                 on_pick: Callable[[str], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Places")
        self.resize(420, 560)
        self.on_pick = on_pick
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter places")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.cities = self._list(cities)
        self.countries = self._list(countries)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.cities, "Cities")
        self.tabs.addTab(self.countries, "Countries")
        if placed:
            note = f"{formatting.count(placed, 'picture')} with a place, from their GPS position. " \
                   "Type a place's name in the search box, or pick one here."
        else:
            note = "No picture has a GPS position yet. Phones and many cameras record where a picture " \
                   "was taken; indexing reads it and names the place, without leaving this computer."
        self.note = QLabel(note, self)
        self.note.setWordWrap(True)
        self.note.setObjectName("hint")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.filter)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    def _list(self, rows: Sequence[PlaceCount]) -> QListWidget:
        view = QListWidget(self)
        for row in rows:
            item = QListWidgetItem(f"{row.label}  ·  {formatting.count(row.photos, 'picture')}")
            item.setData(NAME_ROLE, row.name)
            item.setToolTip(f"Search {place_query(row.name)}")
            view.addItem(item)
        view.itemActivated.connect(lambda item: self.on_pick(place_query(str(item.data(NAME_ROLE)))))
        return view

    def _apply_filter(self, text: str) -> None:
        needle = text.casefold().strip()
        for view in (self.cities, self.countries):
            for i in range(view.count()):
                item = view.item(i)
                item.setHidden(bool(needle) and needle not in item.text().casefold())

    def labels(self, countries: bool = False) -> list[str]:
        view = self.countries if countries else self.cities
        return [view.item(i).text() for i in range(view.count()) if not view.item(i).isHidden()]
