"""Paint a few thousand results many times offscreen and report what was painted.

Run in its own process (`python -m tests.desktop.paint_soak N_RESULTS PASSES FOLDER`) by
tests/desktop/test_pyside_refcount.py: a Qt binding that leaks a reference to None per
`QModelIndex.data()` aborts the interpreter ("none_dealloc"), which must fail the test,
not kill the test run. Prints one JSON line: cells painted, None's refcount before/after.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from photolens.core.query.model import SearchHit, SearchQuery, SearchResults  # noqa: E402
from photolens.desktop.results_model import ResultsModel  # noqa: E402
from photolens.desktop.results_view import ResultDelegate, ResultsView  # noqa: E402
from photolens.desktop.thumbnail_loader import ThumbnailLoader  # noqa: E402

COLOURS = ["red", "green", "blue", "orange", "purple", "yellow", "white", "black"]


def make_hits(folder: Path, count: int) -> SearchResults:
    """`count` hits over real little pictures, a video badge and a group badge here and
    there, and every 10th one missing (the 'cannot show' placeholder)."""
    folder.mkdir(parents=True, exist_ok=True)
    hits = []
    for i in range(count):
        path = folder / f"p{i:05d}.png"
        if i % 10 != 9 and not path.exists():
            Image.new("RGB", (48, 32), COLOURS[i % len(COLOURS)]).save(path)
        video = i % 7 == 0
        hits.append(SearchHit(
            path=str(path), score=1.0 - i / count, item_id=i + 1, file_id=i + 1, weak=i > count * 0.8,
            width=48, height=32, media_type="video" if video else "image",
            frame_ms=4000 if video else None, duration_s=12.0 if video else None,
            near_duplicates=(str(path) + ".dup",) if i % 11 == 0 else (),
        ))
    query = SearchQuery(text="soak", limit=count)
    return SearchResults(hits=tuple(hits), query=query, searched=count, elapsed_ms=1.0)


def count_paints() -> Callable[[], int]:
    """Count the result cells painted from now on; returns the counter."""
    painted = 0
    original = ResultDelegate.paint

    def counting_paint(self, painter, option, index) -> None:  # noqa: ANN001
        nonlocal painted
        painted += 1
        original(self, painter, option, index)

    ResultDelegate.paint = counting_paint  # type: ignore[method-assign]
    return lambda: painted


def soak(count: int, passes: int, folder: Path) -> dict[str, int]:
    app = QApplication.instance() or QApplication([sys.argv[0]])
    painted = count_paints()
    loader = ThumbnailLoader(folder / "thumbs", threads=1)
    model = ResultsModel(loader)
    model.set_results(make_hits(folder / "pictures", count))
    model.set_show_weak(True)
    view = ResultsView()
    view.setModel(model)
    view.resize(1400, 900)
    view.set_cell_size(96)
    view.show()
    before = sys.getrefcount(None)
    bar = view.verticalScrollBar()
    for _ in range(passes):
        QCoreApplication.processEvents()  # thumbnails arrive between passes
        for value in range(bar.minimum(), bar.maximum() + view.viewport().height(), view.viewport().height()):
            bar.setValue(value)
            view.viewport().grab()  # paints every visible cell now
    after = sys.getrefcount(None)
    view.close()
    loader.shutdown()
    del app
    return {"rows": model.rowCount(), "painted": painted(), "none_before": before, "none_after": after}


if __name__ == "__main__":
    print(json.dumps(soak(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))), flush=True)
