"""TextAnalyzer: reads the text in every picture after the CLIP pass (core/analyzers.py).

The reading runs in the analyzer stage's worker processes (`read_item`, one OcrEngine per
process, one ONNX Runtime thread each, so the workers share the cores without contention);
store() writes the text through TextIndex in the indexing thread. A video is read at its
first sampled frame only: OCR costs several times the CLIP pass, and a clip's captions or
signs usually show from the start; its other frames are recorded as done with no text.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence

import numpy as np

from ..analyzers import Analyzer
from ..catalog import AnalyzerItem, Catalog
from ..media.decode import open_image
from ..media.video import read_frame
from .engine import GATE_SIDE, READ_SIDE, OcrEngine, PictureText
from .store import TextIndex

log = logging.getLogger(__name__)

SCREENSHOT_SUFFIXES = (".png",)  # read in full, without the gate (engine.py)
VERSION = f"ppocrv6-small-1/{GATE_SIDE}-{READ_SIDE}"  # a new reading (models, sizes) re-reads every item


@functools.lru_cache(maxsize=1)
def _engine() -> OcrEngine:
    """The worker process's engine: its models load once, on its first picture."""
    return OcrEngine(threads=1)


def read_item(item: AnalyzerItem) -> PictureText:
    """In a worker process: the text of one item (a picture, or a video's first frame)."""
    if item.media_type == "video":
        if item.frame_ms != 0:
            return PictureText(gated=True)
        image = read_frame(item.path, 0, min_side=READ_SIDE)
    else:
        image = open_image(item.path, min_side=READ_SIDE)  # JPEGs decode at a fraction of their size
    return _engine().read(image, gate=not item.path.lower().endswith(SCREENSHOT_SUFFIXES))


class TextAnalyzer(Analyzer):
    """Text in pictures: lines with boxes and confidence, and an FTS5 index of words."""

    name = "text"
    version = VERSION
    label = "Reading text in pictures"
    batch = 8  # a progress report every few seconds (a picture with text: ~1.3 s on a core)

    def __init__(self, catalog: Catalog):
        self.index = TextIndex(catalog)

    def worker(self) -> Callable[[AnalyzerItem], object]:
        return read_item

    def store(self, items: Sequence[AnalyzerItem], results: Sequence[object], vectors: np.ndarray | None) -> None:
        pages = [(i.item_id, r) for i, r in zip(items, results, strict=True) if isinstance(r, PictureText)]
        self.index.store(pages)
        found = sum(1 for _, p in pages if p.lines)
        if found:
            log.debug("text found in %d of %d pictures", found, len(pages))
