"""Window state between runs (QSettings: geometry, splitter, filters, thumbnail size).

Only how the window looks lives here; the library's settings are TOML owned by core.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QSplitter

    from .filter_bar import FilterBar
    from .results_view import ResultsView
    from .search_controller import SearchController

log = logging.getLogger(__name__)

FILTER_KEYS = ("folder", "when", "kind", "sort", "show_weak")


class StatefulWindow(Protocol):
    """What is saved of the window (MainWindow provides it)."""

    @property
    def splitter(self) -> QSplitter: ...
    @property
    def results_view(self) -> ResultsView: ...
    @property
    def filter_bar(self) -> FilterBar: ...
    @property
    def search(self) -> SearchController: ...
    def saveGeometry(self) -> QByteArray: ...  # noqa: N802 - Qt's names
    def saveState(self, version: int = ...) -> QByteArray: ...  # noqa: N802
    def restoreGeometry(self, geometry: QByteArray | bytes | bytearray | memoryview) -> bool: ...  # noqa: N802
    def restoreState(self, state: QByteArray | bytes | bytearray | memoryview, version: int = ...) -> bool: ...  # noqa: N802


def save(window: StatefulWindow, store: QSettings) -> None:
    store.setValue("window/geometry", window.saveGeometry())
    store.setValue("window/state", window.saveState())
    store.setValue("window/splitter", window.splitter.saveState())
    store.setValue("window/cell", window.results_view.cell_size)
    for key, value in window.filter_bar.saved_state().items():
        store.setValue(f"filters/{key}", value)
    store.setValue("sketch/balance", window.search.state.sketch_balance)
    store.sync()


def restore(window: StatefulWindow, store: QSettings) -> None:
    geometry = store.value("window/geometry")
    if isinstance(geometry, QByteArray | bytes) and geometry:
        window.restoreGeometry(geometry)
    state = store.value("window/state")
    if isinstance(state, QByteArray | bytes) and state:
        window.restoreState(state)
    splitter = store.value("window/splitter")
    if isinstance(splitter, QByteArray | bytes) and splitter:
        window.splitter.restoreState(splitter)
    try:
        cell = int(str(store.value("window/cell", 0) or 0))
        if cell:
            window.results_view.set_cell_size(cell)
        balance = store.value("sketch/balance")
        if balance is not None:
            window.search.state = window.search.state.with_changes(sketch_balance=int(balance))
    except (TypeError, ValueError) as exc:
        log.debug("ignoring unreadable window state: %s", exc)
    filters = {key: store.value(f"filters/{key}") for key in FILTER_KEYS if store.contains(f"filters/{key}")}
    if filters:
        window.filter_bar.restore_state(filters)
