"""SearchWorker: runs searches (and the model warm-up) off the GUI thread.

One search thread: a new request drops any request still waiting in the queue, so
typing fast never builds a backlog. Every request carries a generation number and the
answer comes back with it; the SearchController drops answers that are stale.
Searching only reads, so it runs while the IndexWorker writes.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from photolens.core.library import Library
from photolens.core.query.model import Filters, SearchQuery, SearchResults

from .query_state import QueryState
from .tasks import TaskRunner

log = logging.getLogger(__name__)

WARM_UP_TEXT = "a photo"


class SearchWorker(QObject):
    results_ready = Signal(int, object)  # generation, SearchResults
    failed = Signal(int, object)  # generation, exception
    warmed_up = Signal()
    warm_up_failed = Signal(object)

    def __init__(self, library: Library, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library
        self._runner = TaskRunner("search", 1, self)
        self._closed = False  # after shutdown nothing new runs (the library closes next)

    def search(self, state: QueryState, generation: int) -> None:
        if self._closed:
            return
        self._runner.drop_queued()

        def work() -> SearchResults:
            return self.library.search(self.library.settings.search_preferences().apply(state.to_search_query()))

        self._runner.submit(
            work,
            lambda results: self.results_ready.emit(generation, results),
            lambda exc: self.failed.emit(generation, exc),
            name=f"search#{generation}",
        )

    def browse(self, filters: Filters, limit: int, generation: int) -> None:
        """The library, newest first (no query: core/browse.py); answers like a search."""
        if self._closed:
            return
        self._runner.drop_queued()
        self._runner.submit(
            lambda: self.library.browse(filters, limit),
            lambda results: self.results_ready.emit(generation, results),
            lambda exc: self.failed.emit(generation, exc),
            name=f"browse#{generation}",
        )

    def warm_up(self) -> None:
        """Load the model, the vector index and the text tower before the first search."""
        if self._closed:
            return

        def work() -> None:
            self.library.search(SearchQuery(text=WARM_UP_TEXT, limit=1, suggest=True))

        # kept in the queue when the first query comes (it would drop it and load everything
        # itself, after the library listing): the query then runs on a warm model
        self._runner.submit(work, lambda _none: self.warmed_up.emit(), self.warm_up_failed.emit, name="warm-up",
                            keep=True)

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """No more work (an indexing run that ends during the shutdown asks for a refresh)."""
        self._closed = True
        self._runner.cancel_all()
        return self._runner.wait(timeout_ms)
