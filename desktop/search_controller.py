"""SearchController: holds the QueryState, debounces typing, numbers requests, drops stale answers."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from photolens.core.query.model import Filters, SearchResults

from .query_state import DEFAULT_LIMIT, MAX_LIMIT, QueryState
from .search_worker import SearchWorker

log = logging.getLogger(__name__)

TYPING_PAUSE_MS = 350


class SearchController(QObject):
    state_changed = Signal(object)  # QueryState
    results_ready = Signal(object)  # SearchResults (current generation only)
    failed = Signal(object)  # exception (current generation only)
    cleared = Signal()
    searching_changed = Signal(bool)

    def __init__(self, worker: SearchWorker, parent: QObject | None = None):
        super().__init__(parent)
        self.worker = worker
        self.state = QueryState()
        self.generation = 0
        self.searching = False
        self.last_results: SearchResults | None = None
        self.browsing = False  # no query: the library is listed (newest first)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(TYPING_PAUSE_MS)
        self._debounce.timeout.connect(self.run_now)
        worker.results_ready.connect(self._on_results)
        worker.failed.connect(self._on_failed)

    # -- changing the query -------------------------------------------------------------------
    def _update(self, immediate: bool = True, **changes: object) -> None:
        if "limit" not in changes:
            changes["limit"] = DEFAULT_LIMIT
        self.state = self.state.with_changes(**changes)
        self.generation += 1  # an answer still on its way is for the query before this change
        self.state_changed.emit(self.state)
        if immediate:
            self.run_now()
        else:
            self._debounce.start()

    def set_text(self, text: str, *, immediate: bool = False) -> None:
        """Typing waits for a pause; Enter passes immediate=True.

        New words are a new query: "more / less like this" picked among the old query's
        results go (an example picture or a sketch stays: words refine it)."""
        if text == self.state.text and not immediate:
            return
        changes: dict[str, object] = {"text": text}
        if text.strip() != self.state.text.strip():
            changes.update(like_items=(), unlike_items=())
        if text != self.state.text:  # removed chips belong to their query
            changes.update(keep_words=())
        self._update(immediate, **changes)

    def keep_words(self, words: str) -> None:
        """An understood part's chip was removed: its words count as plain words again."""
        if words and words not in self.state.keep_words:
            self._update(keep_words=(*self.state.keep_words, words))

    def set_image(self, image: Path | QImage, label: str = "") -> None:
        if not label:
            label = image.name if isinstance(image, Path) else "pasted image"
        self._update(image=image, image_label=label)

    def clear_image(self) -> None:
        self._update(image=None, image_label="")

    def set_sketch(self, sketch: QImage | None, balance: int | None = None, text: str | None = None) -> None:
        changes: dict[str, object] = {"sketch": sketch}
        if balance is not None:
            changes["sketch_balance"] = balance
        if text is not None:
            changes["text"] = text
        self._update(True, **changes)

    def clear_sketch(self) -> None:
        self._update(sketch=None)

    def like(self, item_id: int) -> None:
        """'More like this': add an indexed picture to what the results should resemble."""
        likes = tuple(i for i in self.state.like_items if i != item_id) + (item_id,)
        unlikes = tuple(i for i in self.state.unlike_items if i != item_id)
        self._update(like_items=likes, unlike_items=unlikes)

    def unlike(self, item_id: int) -> None:
        """'Less like this': push results away from an indexed picture."""
        unlikes = tuple(i for i in self.state.unlike_items if i != item_id) + (item_id,)
        likes = tuple(i for i in self.state.like_items if i != item_id)
        self._update(like_items=likes, unlike_items=unlikes)

    def clear_likes(self) -> None:
        self._update(like_items=(), unlike_items=())

    def set_filters(self, filters: Filters) -> None:
        if filters != self.state.filters:
            self._update(filters=filters)

    def clear(self) -> None:
        """Esc: forget the whole query (filters stay, they are settings of the window)."""
        self._debounce.stop()
        self.state = QueryState(filters=self.state.filters)
        self.state_changed.emit(self.state)
        self.run_now()

    def extend(self) -> bool:
        """Ask for more results of the same query, or more of the library (scrolling past
        the end); False at the cap."""
        if self.state.limit >= MAX_LIMIT or self.searching:
            return False
        self._update(limit=min(MAX_LIMIT, self.state.limit * 2))
        return True

    def refresh(self) -> None:
        """Run the current query again, or list the library again (new items were indexed),
        keeping the limit."""
        self.run_now()

    # -- running -----------------------------------------------------------------------------
    def run_now(self) -> None:
        self._debounce.stop()
        self.generation += 1
        if self.state.is_empty:
            if not self.browsing:  # the query went: back to the library
                self.browsing = True
                self.last_results = None
                self._set_searching(False)
                self.cleared.emit()
            self.worker.browse(self.state.filters, self.state.limit, self.generation)
            return
        self.browsing = False
        self._set_searching(True)
        log.debug("search #%d: %r", self.generation, self.state.text)
        self.worker.search(self.state, self.generation)

    def _on_results(self, generation: int, results: SearchResults) -> None:
        if generation != self.generation:
            log.debug("dropping stale results #%d (current #%d)", generation, self.generation)
            return
        self.last_results = results
        self._set_searching(False)
        self.results_ready.emit(results)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self._set_searching(False)
        self.failed.emit(exc)

    def _set_searching(self, searching: bool) -> None:
        if searching != self.searching:
            self.searching = searching
            self.searching_changed.emit(searching)
