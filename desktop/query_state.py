"""QueryState: everything the search controls say, turned into an engine SearchQuery."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtGui import QImage

from photolens.core.query.model import Filters, SearchQuery

from .images import qimage_to_pil

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
DEFAULT_SKETCH_BALANCE = 30  # slider position (0 = words only, 100 = mostly sketch)


def sketch_weight_for(balance: int) -> float:
    """Slider position 0..100 -> SearchQuery.sketch_weight (text_weight stays 1.0).

    0 ignores the sketch, 50 weighs sketch and words equally, 100 weighs the sketch twice
    as much as the words. The default (30) is the engine's default of 0.6.
    """
    return max(0, min(100, balance)) / 50.0


@dataclass(frozen=True, eq=False)
class QueryState:
    """The current query as the GUI holds it (images stay QImage/Path until the worker)."""

    text: str = ""
    image: Path | QImage | None = None
    image_label: str = ""
    sketch: QImage | None = None
    sketch_balance: int = DEFAULT_SKETCH_BALANCE
    like_items: tuple[int, ...] = ()
    unlike_items: tuple[int, ...] = ()
    filters: Filters = field(default_factory=Filters)
    limit: int = DEFAULT_LIMIT
    keep_words: tuple[str, ...] = ()  # understood parts the user removed (their chips' ×): plain words

    @property
    def is_empty(self) -> bool:
        return not (self.text.strip() or self.image is not None or self.sketch is not None or self.like_items)

    def with_changes(self, **changes: object) -> QueryState:
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_search_query(self) -> SearchQuery:
        """The engine query; converts QImages to PIL, so call it on the worker thread.

        Words ask the engine for refinements ("maybe you are looking for ..."). The
        library's ranking preferences are applied by `SearchPreferences.apply`.
        """
        image = self.image
        pil_image = qimage_to_pil(image) if isinstance(image, QImage) else image
        sketch = qimage_to_pil(self.sketch) if self.sketch is not None else None
        return SearchQuery(
            text=self.text.strip(),
            image=pil_image,
            like_items=self.like_items,
            unlike_items=self.unlike_items,
            sketch=sketch,
            filters=self.filters,
            sketch_weight=sketch_weight_for(self.sketch_balance),
            limit=self.limit,
            suggest=bool(self.text.strip()),
            keep_words=self.keep_words,
        )
