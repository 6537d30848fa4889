"""ResultsModel: search hits for a virtualised grid, with sorting and weak-match hiding.

The view asks only for the rows it paints, and the thumbnail role asks the
ThumbnailLoader, which answers from memory or loads in the background and says so.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeAlias

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)

from photolens.core.query.model import SearchHit, SearchResults

from . import formatting
from .browse_months import MonthHeader, with_month_headers
from .thumbnail_loader import GRID_PX, ThumbnailLoader

log = logging.getLogger(__name__)

HitRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2
ThumbnailRole = Qt.ItemDataRole.UserRole + 3
WeakRole = Qt.ItemDataRole.UserRole + 4
FailedRole = Qt.ItemDataRole.UserRole + 5
GroupRole = Qt.ItemDataRole.UserRole + 6  # how many near-identical shots this result stands for
MomentRole = Qt.ItemDataRole.UserRole + 7  # videos: "▶ 0:42", where the best match is
HeaderRole = Qt.ItemDataRole.UserRole + 8  # a month heading of the library view (MonthHeader), else None

AnyIndex = QModelIndex | QPersistentModelIndex
Row: TypeAlias = SearchHit | MonthHeader


class SortOrder(enum.Enum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class ResultsModel(QAbstractListModel):
    more_wanted = Signal()  # the view scrolled to the end and more results exist

    def __init__(self, loader: ThumbnailLoader, parent: QObject | None = None):
        super().__init__(parent)
        self._loader = loader
        self.browsing = False
        self._results: SearchResults | None = None
        self._all: list[SearchHit] = []
        self._rows: list[Row] = []
        self._row_of: dict[str, int] = {}
        self._show_weak = False
        self._sort = SortOrder.RELEVANCE
        self._more_possible = False
        self._expanded: set[str] = set()  # paths of groups shown opened (near-identical shots)
        self.grid_px = GRID_PX  # the thumbnail size the grid asks for (the view sets it: cell x DPR)
        loader.thumbnail_ready.connect(self._on_thumbnail)

    # -- contents ----------------------------------------------------------------------------
    def set_results(self, results: SearchResults | None) -> None:
        """Show new results; when they extend the current ones, rows are appended in place."""
        new_hits = list(results.hits) if results else []
        old_rows = self._rows
        previous = self._results
        self._results = results
        self.browsing = results is not None and results.query.is_empty  # the library, not a search
        self._all = new_hits
        self._more_possible = results is not None and len(new_hits) >= results.query.limit
        rows = self._arranged()
        if old_rows and len(rows) > len(old_rows) and _same_items(rows[: len(old_rows)], old_rows):
            self.beginInsertRows(QModelIndex(), len(old_rows), len(rows) - 1)
            self._set_rows(rows)
            self.endInsertRows()
            return
        self._loader.cancel_pending()
        if results is None or previous is None or previous.query.text != results.query.text:
            self._expanded.clear()  # groups opened for another query
        self.beginResetModel()
        self._set_rows(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_results(None)


    def set_grid_px(self, px: int) -> None:
        """Thumbnails of another size (the cells grew, or the window moved to a HiDPI screen)."""
        if px != self.grid_px:
            self.grid_px = px
            if self._rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0),
                                      [ThumbnailRole, FailedRole])

    def _set_rows(self, rows: list[Row]) -> None:
        self._rows = rows
        self._row_of = {h.path: i for i, h in enumerate(rows) if isinstance(h, SearchHit)}

    def _arranged(self) -> list[Row]:
        hits = self._sorted()
        return with_month_headers(hits) if self.browsing else list(hits)

    def _sorted(self) -> list[SearchHit]:
        hits = self._all if self._show_weak else [h for h in self._all if not h.weak]
        hits = [row for h in hits for row in ([h, *_group_members(h)] if h.path in self._expanded else [h])]
        if self._sort is SortOrder.RELEVANCE:
            return list(hits)
        newest = self._sort is SortOrder.NEWEST
        dated = [h for h in hits if h.taken_at is not None]
        undated = [h for h in hits if h.taken_at is None]
        dated.sort(key=lambda h: h.taken_at or 0.0, reverse=newest)
        return dated + undated

    def _rearrange(self) -> None:
        self.beginResetModel()
        self._set_rows(self._arranged())
        self.endResetModel()

    def is_group(self, index: AnyIndex) -> bool:
        hit = self.hit(index)
        return hit is not None and bool(hit.near_duplicates)

    def is_expanded(self, index: AnyIndex) -> bool:
        hit = self.hit(index)
        return hit is not None and hit.path in self._expanded

    def toggle_group(self, index: AnyIndex) -> bool:
        """Open a group of near-identical shots into rows after it, or close it; True if it changed."""
        if not self.is_group(index):
            return False
        path = self._rows[index.row()].path  # type: ignore[union-attr]  # a group is a hit
        self._expanded.symmetric_difference_update({path})
        self._rearrange()
        return True

    @property
    def results(self) -> SearchResults | None:
        return self._results

    @property
    def hits(self) -> list[SearchHit]:
        """The hits as shown, in display order (month headings left out)."""
        return [h for h in self._rows if isinstance(h, SearchHit)]

    def headers(self) -> list[tuple[int, MonthHeader]]:
        """The library view's month headings and their rows."""
        return [(i, h) for i, h in enumerate(self._rows) if isinstance(h, MonthHeader)]

    @property
    def total(self) -> int:
        return len(self._all)

    @property
    def weak_count(self) -> int:
        return sum(1 for h in self._all if h.weak)

    @property
    def strong_count(self) -> int:
        return len(self._all) - self.weak_count

    @property
    def show_weak(self) -> bool:
        return self._show_weak

    def set_show_weak(self, show: bool) -> None:
        if show != self._show_weak:
            self._show_weak = show
            self._rearrange()

    @property
    def sort_order(self) -> SortOrder:
        return self._sort

    def set_sort_order(self, order: SortOrder) -> None:
        if order != self._sort:
            self._sort = order
            self._rearrange()

    def hit(self, index: AnyIndex) -> SearchHit | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        return row if isinstance(row, SearchHit) else None

    def header(self, index: AnyIndex) -> MonthHeader | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        return row if isinstance(row, MonthHeader) else None

    def index_of(self, path: str) -> QModelIndex:
        row = self._row_of.get(path)
        return self.index(row, 0) if row is not None else QModelIndex()

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        header = self.header(index)
        if header is not None:
            if role in (HeaderRole, Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return header if role == HeaderRole else header.label
            return None
        hit = self.hit(index)
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(hit.path).name
        if role == ThumbnailRole:
            return self._loader.pixmap(hit.path, self.grid_px, hit.frame_ms or 0)
        if role == FailedRole:
            return self._loader.failed(hit.path, self.grid_px, hit.frame_ms or 0)
        if role == MomentRole:
            return f"\u25b6 {formatting.clock(hit.frame_ms / 1000)}" if hit.frame_ms is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            weak = " · weak match" if hit.weak else ""
            moment = f"\nbest match at {formatting.clock(hit.frame_ms / 1000)}" if hit.frame_ms is not None else ""
            return f"{hit.path}\nscore {hit.score:.3f}{weak}{moment}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return Path(hit.path).name
        if role == HitRole:
            return hit
        if role == PathRole:
            return hit.path
        if role == WeakRole:
            return hit.weak
        if role == GroupRole:
            return len(getattr(hit, "near_duplicates", ()))
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid() or self.header(index) is not None:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt API
        return ["text/uri-list", "text/plain"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802 - Qt API
        """Dragging results out gives the file manager (or any app) the files themselves."""
        paths = []
        for index in indexes:
            hit = self.hit(index)
            if hit is not None and hit.path not in paths:
                paths.append(hit.path)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
        mime.setText("\n".join(paths))
        return mime

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 - Qt API
        return Qt.DropAction.CopyAction

    def canFetchMore(self, parent: AnyIndex) -> bool:  # noqa: N802 - Qt API
        return not parent.isValid() and self._more_possible and (self._show_weak or self.weak_count == 0)

    def fetchMore(self, parent: AnyIndex) -> None:  # noqa: N802 - Qt API
        if self.canFetchMore(parent):
            self._more_possible = False  # until the extended results arrive
            self.more_wanted.emit()

    def _on_thumbnail(self, path: str, size: int) -> None:
        row = self._row_of.get(path)
        if row is not None and size == self.grid_px:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [ThumbnailRole, FailedRole])


def _group_members(hit: SearchHit) -> list[SearchHit]:
    """Rows for the shots grouped under `hit` (same item for "more like this"; their own
    metadata is not in the results, so none is claimed)."""
    return [replace(hit, path=p, near_duplicates=(), duplicates=(), width=None, height=None, taken_at=None,
                    camera=None) for p in hit.near_duplicates]


def _same_items(a: Sequence[Row], b: Sequence[Row]) -> bool:
    def key(row: Row) -> tuple[object, ...]:
        return (row.label,) if isinstance(row, MonthHeader) else (row.item_id, row.path)

    return all(key(x) == key(y) for x, y in zip(a, b, strict=True))
