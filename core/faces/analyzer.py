"""The faces analyzer: finds faces after the CLIP pass and groups them into people."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..analyzers import Analyzer
from ..catalog import AnalyzerItem
from .detect import DESCRIBE_SIDE, DETECT_SIDE, FoundFace, faces_in_item
from .people import People


class FaceAnalyzer(Analyzer):
    name = "faces"
    # the detector's settings are part of the version: changing them looks again everywhere
    version = f"dlib-hog{DETECT_SIDE}-{DESCRIBE_SIDE}-1"
    label = "Finding faces"
    batch = 8  # ~0.1 s a picture without faces, ~0.3 s more per face (2 cores)

    def __init__(self, people: People):
        self.people = people

    def worker(self) -> Callable[[AnalyzerItem], object]:
        return faces_in_item

    def store(self, items: Sequence[AnalyzerItem], results: Sequence[object], vectors: np.ndarray | None) -> None:
        found: dict[int, list[FoundFace]] = {}
        for item, faces in zip(items, results, strict=True):
            assert isinstance(faces, list)
            found[item.item_id] = faces
        self.people.add_faces(found)
