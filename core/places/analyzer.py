"""PlacesAnalyzer: names where each picture was taken, from the GPS position its file
carries (read with the metadata at index time), after the CLIP pass (core/analyzers.py).

No file is read again and no worker process starts: the positions are in the catalog and
a batch of a few thousand is named in one k-d tree lookup in the indexing thread. Every
position is checked again (core/places/position.py) before it is named, so a catalog
written by an older version cannot put a (0, 0) placeholder in the Gulf of Guinea.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from ..analyzers import Analyzer
from ..catalog import AnalyzerItem, Catalog
from .geocode import Geocoder
from .position import checked_position
from .store import PlaceIndex

log = logging.getLogger(__name__)

VERSION = "geonames-cities1000-1"  # a new naming (data, distances) names every item again


class PlacesAnalyzer(Analyzer):
    """Places: city, region and country of every picture with a GPS position."""

    name = "places"
    version = VERSION
    label = "Naming places"
    batch = 2048

    def __init__(self, catalog: Catalog, geocoder: Geocoder | None = None):
        self.index = PlaceIndex(catalog)
        self.geocoder = geocoder or Geocoder()

    def store(self, items: Sequence[AnalyzerItem], results: Sequence[object], vectors: np.ndarray | None) -> None:
        positions = self.index.positions([i.item_id for i in items])
        checked = {item_id: checked_position(*pos, source=f"item {item_id}") for item_id, pos in positions.items()}
        located = [(item_id, pos) for item_id, pos in checked.items() if pos is not None]
        places = self.geocoder.locate([pos for _, pos in located]) if located else []
        rows = [(item_id, place, pos[0], pos[1]) for (item_id, pos), place in zip(located, places, strict=True)]
        rows += [(item_id, None, 0.0, 0.0) for item_id, pos in checked.items() if pos is None]
        self.index.store(rows)
        if located:
            log.debug("places: %d of %d items named", sum(p is not None for p in places), len(items))
