"""ResultsDisplay: what the window shows of a search: results, summary, chips, histogram,
empty states, the status line; and the narrowing a histogram click asks for."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

from photolens.core.errors import ModelFormatError, ModelNotFoundError
from photolens.core.progress import IndexProgress
from photolens.core.query.model import SearchResults

from . import formatting
from .tasks import describe_error

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStackedWidget, QStatusBar

    from photolens.core.library import LibraryStatus

    from .date_histogram import DateHistogram
    from .empty_states import EmptyStates
    from .filter_bar import FilterBar
    from .index_worker import IndexWorker
    from .notices import Banner, EmptyState
    from .preview_pane import PreviewPane
    from .results_model import ResultsModel
    from .results_view import ResultsView
    from .search_bar import SearchBar
    from .search_controller import SearchController

LIVE_REFRESH_S = 3.0  # while indexing, a short result list is searched again this often
LIVE_REFRESH_BELOW = 60
GRID_PAGE, EMPTY_PAGE = 0, 1


class ResultsHost(Protocol):
    """What the result display needs of the window (MainWindow provides it)."""

    banner: Banner
    empty: EmptyState
    empty_states: EmptyStates
    filter_bar: FilterBar
    histogram: DateHistogram
    index_worker: IndexWorker
    model: ResultsModel
    preview: PreviewPane
    results_view: ResultsView
    search: SearchController
    search_bar: SearchBar
    stack: QStackedWidget
    status_info: LibraryStatus | None

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 - Qt's name
    def _show_model_missing(self, exc: BaseException | None) -> None: ...


class ResultsDisplay:
    """The window's result area, driven by the search controller's signals."""

    def __init__(self, window: ResultsHost):
        self.w = window
        self._last_live_refresh = 0.0

    def searching_changed(self, searching: bool) -> None:
        if searching:
            self.w.statusBar().showMessage("Searching…")
            if self.w.stack.currentIndex() == EMPTY_PAGE and self.w.empty.key not in ("no-model", "no-folders"):
                self.w.empty_states.searching()

    def refresh_while_indexing(self, progress: IndexProgress) -> None:
        last = self.w.search.last_results
        now = time.monotonic()
        if (progress.phase != "index" or last is None or self.w.search.searching
                or len(last.hits) >= LIVE_REFRESH_BELOW or now - self._last_live_refresh < LIVE_REFRESH_S):
            return
        self._last_live_refresh = now
        self.w.search.refresh()

    def show_results(self, results: SearchResults) -> None:
        self.w.banner.dismiss("query")
        self.w.preview.browsing = results.query.is_empty
        self.w.model.set_results(results)
        if results.query.is_empty:  # the library view: nothing was searched
            self.w.search_bar.show_suggestions(())
            self.w.search_bar.show_plan(())
        else:
            self.w.banner.dismiss("model")
            self.w.search_bar.show_suggestions(getattr(results, "suggestions", ()))
            self.w.search_bar.show_plan(results.chips)
            self.w.statusBar().showMessage(
                f"Searched {formatting.count(results.searched, 'image')} in {results.elapsed_ms:.0f} ms"
                + (" · indexing continues" if self.w.index_worker.running else ""), 8000)
        # the library view has its own date scrubber; a search gets the histogram
        self.w.histogram.show_hits(() if results.query.is_empty else self.w.model.hits)
        self.rows_changed()
        hits = self.w.model.hits
        if hits and not self.w.results_view.currentIndex().isValid():
            self.w.results_view.setCurrentIndex(self.w.model.index_of(hits[0].path))  # (row 0: a month heading)

    def search_failed(self, exc: BaseException) -> None:
        self.w.statusBar().clearMessage()
        self.w.search_bar.show_plan(())
        if isinstance(exc, ModelNotFoundError | ModelFormatError):
            self.w._show_model_missing(exc)
        else:
            self.w.banner.show_message(describe_error(exc), kind="query")
        if self.w.stack.currentIndex() == EMPTY_PAGE or not self.w.model.rowCount():
            self.w.empty_states.failed(exc)  # not "Searching…" for good
            self.w.filter_bar.set_summary("")  # (it counted the results of before)
            self.w.stack.setCurrentIndex(EMPTY_PAGE)

    def cleared(self) -> None:
        """The query went: the library view follows (SearchController lists it)."""
        self.w.search_bar.show_suggestions(())
        self.w.search_bar.show_plan(())
        self.w.histogram.show_hits(())
        self.w.statusBar().clearMessage()

    def sort_changed(self, order: object) -> None:
        self.w.model.set_sort_order(order)  # type: ignore[arg-type]
        self.w.results_view.scrollToTop()

    def show_weak_changed(self, show: bool) -> None:
        self.w.model.set_show_weak(show)
        last = self.w.search.last_results
        self.w.histogram.show_hits(self.w.model.hits if last is not None and not last.query.is_empty else ())

    def narrow_to_date(self, when: str) -> None:
        """A histogram bar was clicked: the query gets that year or month (a 'When:' chip),
        in place of the time it named before."""
        text = self.w.search.state.text
        last = self.w.search.last_results
        for chip in last.chips if last is not None else ():
            if chip.kind == "date":
                text = text.replace(chip.words, " ")
        self.w.search.set_text(" ".join(f"{text} {when}".split()), immediate=True)

    def rows_changed(self) -> None:
        m = self.w.model
        if m.results is None:
            self.w.filter_bar.set_summary("")
            return
        if m.browsing:
            self.w.filter_bar.set_summary(
                f"{formatting.count(m.results.searched, 'picture or video', 'pictures and videos')}, newest first")
            if m.rowCount():
                self.w.stack.setCurrentIndex(GRID_PAGE)
            else:
                self.w.preview.show_hit(None)
                self.show_empty()
            return
        hidden = 0 if m.show_weak else m.weak_count
        summary = formatting.count(m.strong_count, "good match", "good matches")
        if hidden:
            summary += f" · {hidden:,} weaker hidden"
        elif m.weak_count:
            summary += f" · {m.weak_count:,} weaker"
        self.w.filter_bar.set_summary(summary)
        if not m.rowCount():
            self.w.preview.show_hit(None)
        if m.rowCount():
            self.w.stack.setCurrentIndex(GRID_PAGE)
        elif hidden:
            self.w.empty.show_state("weak", "No good matches",
                                  f"{formatting.count(hidden, 'picture')} match only loosely.",
                                  "Show weaker matches", lambda: self.w.filter_bar.show_weak.setChecked(True))
            self.w.stack.setCurrentIndex(EMPTY_PAGE)
        else:
            self.w.empty_states.nothing_found(self.w.status_info, self.w.index_worker.running, self.w.search.state.filters)
            self.w.stack.setCurrentIndex(EMPTY_PAGE)

    def show_empty(self) -> None:
        self.w.empty_states.library(self.w.status_info, self.w.index_worker.running, self.w.search.state.filters)
        self.w.stack.setCurrentIndex(EMPTY_PAGE)
