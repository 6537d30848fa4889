"""What the grid's place says when there is nothing to show: each case its own words and action.

No folders (add some), no model (set it up), pictures still being read (wait: they appear as
they are read), an empty library, a search that found nothing (other words, or fewer
filters), a search that failed, and a search still running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from photolens.core.errors import ModelFormatError, ModelNotFoundError

from .tasks import describe_error

if TYPE_CHECKING:
    from photolens.core.library import LibraryStatus
    from photolens.core.query.model import Filters

    from .notices import EmptyState

START_HINT = (
    "Describe what you remember: <i>red car in the snow</i>, <i>birthday cake -candles</i><br>"
    "Drop or paste a picture to find similar ones, or <b>sketch</b> it (Ctrl+K).<br><br>"
    "Narrow down with the filters, or type <i>after:2019</i>, <i>in:Holidays</i>, <i>type:image</i>."
)


class EmptyStates:
    """Chooses the empty state from the library's status; the window gives the actions."""

    def __init__(self, page: EmptyState, *, add_folders: Callable[[], object], set_up_model: Callable[[], object],
                 clear_filters: Callable[[], object], back_to_library: Callable[[], object]):
        self.page = page
        self.add_folders = add_folders
        self.set_up_model = set_up_model
        self.clear_filters = clear_filters
        self.back_to_library = back_to_library

    def _missing(self, status: LibraryStatus | None, indexing: bool) -> bool:
        """Shows the state that stops anything from being found, if there is one."""
        page = self.page
        if status is None:
            return False
        if not status.folders:
            page.show_state("no-folders", "No folders yet",
                            "Add the folders where your pictures are; Photolens reads them in the background.",
                            "Add folders…", self.add_folders)
            return True
        if not status.model_installed:
            self.no_model()
            return True
        if not status.indexed and (indexing or status.pending):
            page.show_state("reading", "Reading your pictures…",
                            "They appear here as they are read; the status bar shows how far it is.")
            return True
        return False

    def no_model(self) -> None:
        self.page.show_state("no-model", "No model yet",
                             "Photolens needs its model to read your pictures and your words. "
                             "Download it once, or choose a model folder you already have.",
                             "Set up model…", self.set_up_model)

    def library(self, status: LibraryStatus | None, indexing: bool, filters: Filters) -> None:
        """The library view has nothing to list."""
        if self._missing(status, indexing):
            return
        if filters.active:
            self.page.show_state("library-filtered", "Nothing here", "No picture or video passes the filters.",
                                 "Clear the filters", self.clear_filters)
        elif status is not None:
            self.page.show_state("library-empty", "No pictures in your folders yet",
                                 "Pictures and videos you add to them appear here.<br><br>" + START_HINT,
                                 "Folders…", self.add_folders)
        else:
            self.page.show_state("start", "Search your pictures", START_HINT)

    def nothing_found(self, status: LibraryStatus | None, indexing: bool, filters: Filters) -> None:
        """A search found nothing: say why when the library cannot answer yet."""
        if self._missing(status, indexing):
            return
        if filters.active:
            self.page.show_state("none", "Nothing found", "Nothing matches the words within the filters.",
                                 "Clear the filters", self.clear_filters)
        else:
            self.page.show_state("none", "Nothing found",
                                 "Try other words, or another example picture.",
                                 "Back to all pictures", self.back_to_library)

    def searching(self) -> None:
        self.page.show_state("searching", "Searching…", "The first search also loads the model.")

    def failed(self, exc: BaseException) -> None:
        if isinstance(exc, ModelNotFoundError | ModelFormatError):
            self.no_model()
        else:
            self.page.show_state("failed", "The search did not work", describe_error(exc),
                                 "Back to all pictures", self.back_to_library)
