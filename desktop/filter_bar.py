"""FilterBar: folder, date range and file type beside the search field; sort and weak matches."""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from photolens.core.catalog import FolderRecord
from photolens.core.query.model import Filters

from .results_model import SortOrder

log = logging.getLogger(__name__)

DATE_PRESETS = ("any", "30d", "12m", "this_year", "last_year", "custom")
DATE_LABELS = {
    "any": "Any date", "30d": "Last 30 days", "12m": "Last 12 months",
    "this_year": "This year", "last_year": "Last year", "custom": "Between…",
}
TYPES = (("", "Photos and videos"), ("image", "Photos"), ("video", "Videos"))
SORTS = ((SortOrder.RELEVANCE, "Best match first"), (SortOrder.NEWEST, "Newest first"),
         (SortOrder.OLDEST, "Oldest first"))


def _epoch(day: date) -> float:
    return datetime.combine(day, time.min).timestamp()


def date_range(preset: str, today: date, start: date | None = None, end: date | None = None
               ) -> tuple[float | None, float | None]:
    """(after, before) epoch seconds for a preset; `before` is exclusive (the day after `end`)."""
    if preset == "30d":
        return _epoch(today - timedelta(days=30)), None
    if preset == "12m":
        return _epoch(today.replace(year=today.year - 1) if not (today.month == 2 and today.day == 29)
                      else today - timedelta(days=365)), None
    if preset == "this_year":
        return _epoch(date(today.year, 1, 1)), None
    if preset == "last_year":
        return _epoch(date(today.year - 1, 1, 1)), _epoch(date(today.year, 1, 1))
    if preset == "custom" and start is not None and end is not None:
        lo, hi = min(start, end), max(start, end)
        return _epoch(lo), _epoch(hi + timedelta(days=1))
    return None, None


class FilterBar(QWidget):
    filters_changed = Signal(object)  # Filters
    sort_changed = Signal(object)  # SortOrder
    show_weak_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._wanted_folder = ""  # remembered from the last run, until the folders are listed
        self._applied_folder = ""  # the folder of the filters last sent
        self.folder = QComboBox(self)
        self.folder.setToolTip("Only pictures from this folder")
        self.folder.addItem("All folders", "")
        self.folder.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.when = QComboBox(self)
        self.when.setToolTip("Only pictures taken in this period")
        for key in DATE_PRESETS:
            self.when.addItem(DATE_LABELS[key], key)
        today = QDate.currentDate()
        self.start = QDateEdit(today.addYears(-1), self)
        self.end = QDateEdit(today, self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setVisible(False)
            edit.dateChanged.connect(self._emit_filters)
        self.and_label = QLabel("and", self)
        self.and_label.setVisible(False)
        self.kind = QComboBox(self)
        self.kind.setToolTip("Only this type of file")
        for value, label in TYPES:
            self.kind.addItem(label, value)
        self.sort = QComboBox(self)
        self.sort.setToolTip("Order of the matches")
        for order, label in SORTS:
            self.sort.addItem(label, order.value)
        self.show_weak = QCheckBox("Show weaker matches", self)
        self.show_weak.setToolTip("Also show pictures that match only loosely")
        self.summary = QLabel(self)
        self.summary.setObjectName("resultSummary")

        self.folder.currentIndexChanged.connect(self._emit_filters)
        self.when.currentIndexChanged.connect(self._on_when)
        self.kind.currentIndexChanged.connect(self._emit_filters)
        self.sort.currentIndexChanged.connect(lambda _i: self.sort_changed.emit(self.sort_order()))
        self.show_weak.toggled.connect(self.show_weak_changed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for widget in (self.folder, self.when, self.start, self.and_label, self.end, self.kind, self.sort,
                       self.show_weak):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.summary)

    def set_folders(self, folders: list[FolderRecord], subfolders: dict[str, list[str]] | None = None) -> None:
        """The library's folders, each followed by its subfolders (indented: a tree); the
        choice stays, or the one remembered from the last run is picked once it is listed."""
        current = self.folder.currentData() or self._wanted_folder
        subfolders = subfolders or {}
        self.folder.blockSignals(True)
        self.folder.clear()
        self.folder.addItem("All folders", "")
        for record in folders:
            name = os.path.basename(record.path.rstrip(os.sep)) or record.path
            label = name if record.online else f"{name} (offline)"
            self._add_folder_item(label, record.path)
            root = record.path.rstrip(os.sep)
            for sub in subfolders.get(record.path, []):
                depth = os.path.relpath(sub, root).count(os.sep) + 1
                self._add_folder_item("    " * depth + os.path.basename(sub), sub)
        index = self.folder.findData(current)
        self.folder.setCurrentIndex(max(0, index))
        self.folder.blockSignals(False)
        if index >= 0:
            self._wanted_folder = ""
        if (self.folder.currentData() or "") != self._applied_folder:
            self._emit_filters()

    def _add_folder_item(self, label: str, path: str) -> None:
        self.folder.addItem(label, path)
        self.folder.setItemData(self.folder.count() - 1, path, Qt.ItemDataRole.ToolTipRole)

    def _on_when(self) -> None:
        custom = self.when.currentData() == "custom"
        for widget in (self.start, self.and_label, self.end):
            widget.setVisible(custom)
        self._emit_filters()

    def filters(self) -> Filters:
        folder = self.folder.currentData() or None
        start = self.start.date().toPython() if self.when.currentData() == "custom" else None
        end = self.end.date().toPython() if self.when.currentData() == "custom" else None
        after, before = date_range(self.when.currentData(), date.today(), start, end)  # type: ignore[arg-type]
        return Filters(
            folder=(folder.rstrip(os.sep) + os.sep) if folder else None,
            after=after, before=before, media_type=self.kind.currentData() or None,
        )

    def clear_filters(self) -> None:
        """Every folder, any date, photos and videos (one change, one search)."""
        for combo in (self.folder, self.when, self.kind):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for widget in (self.start, self.and_label, self.end):
            widget.setVisible(False)
        self._emit_filters()

    def sort_order(self) -> SortOrder:
        return SortOrder(self.sort.currentData())

    def _emit_filters(self) -> None:
        self._applied_folder = self.folder.currentData() or ""
        self.filters_changed.emit(self.filters())

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    # -- remembered between runs (QSettings, window state) ----------------------------------------
    def saved_state(self) -> dict[str, object]:
        return {"folder": self.folder.currentData() or "", "when": self.when.currentData(),
                "kind": self.kind.currentData(), "sort": self.sort.currentData(),
                "show_weak": self.show_weak.isChecked()}

    def restore_state(self, state: dict[str, object]) -> None:
        for combo, key in ((self.folder, "folder"), (self.when, "when"), (self.kind, "kind"), (self.sort, "sort")):
            index = combo.findData(state.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        if self.folder.findData(state.get("folder")) < 0:  # the folders are not listed yet
            self._wanted_folder = str(state.get("folder") or "")
        self.show_weak.setChecked(str(state.get("show_weak", "false")).lower() in ("true", "1"))
