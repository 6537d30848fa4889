"""The analyzer extension point: after the CLIP pass, backfilled, versioned, resumable, in workers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from photolens.core.analyzers import Analyzer
from photolens.core.catalog import AnalyzerItem
from photolens.core.library import Library
from photolens.core.progress import Controls, IndexProgress
from tests.helpers import make_image

TABLE = "test_mean_colour"


def mean_colour(item: AnalyzerItem) -> tuple[float, float, float, int]:
    """The work, in a worker process: read the picture, average its pixels."""
    import os

    if item.path.endswith("poison.png"):
        raise ValueError("cannot analyse this one")
    with Image.open(item.path) as im:
        r, g, b = np.asarray(im.convert("RGB"), dtype=np.float32).reshape(-1, 3).mean(axis=0)
    return float(r), float(g), float(b), os.getpid()


class MeanColour(Analyzer):
    """Reads each picture in a worker process and stores its mean colour in its own table."""

    name = "mean-colour"
    label = "Measuring colours"
    batch = 8

    def __init__(self, library: Library, version: str = "1", stop_after: int | None = None,
                 controls: Controls | None = None):
        self.catalog = library.catalog
        self.version = version
        self.stop_after = stop_after
        self.controls = controls
        self.stored: list[int] = []
        self.catalog.ensure_item_table(TABLE, {"red": float, "green": float, "blue": float, "pid": int})

    def worker(self):  # noqa: ANN201
        return mean_colour

    def store(self, items: Sequence[AnalyzerItem], results: Sequence[object], vectors: np.ndarray | None) -> None:
        rows = []
        for item, (r, g, b, pid) in zip(items, results, strict=True):  # type: ignore[misc]
            rows.append({"item_id": item.item_id, "red": r, "green": g, "blue": b, "pid": pid})
        self.catalog.replace_item_rows(TABLE, rows)
        self.stored.extend(i.item_id for i in items)
        if self.stop_after is not None and self.controls is not None and len(self.stored) >= self.stop_after:
            self.controls.stop()


def _rows(lib: Library) -> dict[int, tuple[float, float, float, int]]:
    return {int(r[0]): tuple(r[1:]) for r in lib.catalog.conn.execute(
        f"SELECT item_id, red, green, blue, pid FROM {TABLE}")}


def test_an_added_analyzer_backfills_every_indexed_item_in_workers(tmp_path: Path, tiny_model_dir: Path,
                                                                    photo_dir: Path) -> None:
    import os

    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        assert lib.index().embedded == 12  # indexed before the analyzer exists
        analyzer = MeanColour(lib)
        lib.register_analyzer(analyzer)
        seen: list[IndexProgress] = []
        report = lib.index(progress=seen.append)
        assert report.embedded == 0  # nothing embedded again: only the new analyzer ran
        assert report.analyzed == 12  # and the report says so (the GUI then shows the results again)
        rows = _rows(lib)
        assert set(rows) == {int(k) for k in lib.vectors.keys()}
        assert all(pid != os.getpid() for *_rgb, pid in rows.values())  # in the worker processes
        red = lib.catalog.file_by_path(str(photo_dir / "home" / "p04.jpg"))  # a red square
        assert red is not None
        item = lib.catalog.item_for_hash(red.hash or "", lib.model_id)
        assert rows[item][0] > rows[item][2]  # more red than blue
        assert any(p.phase == "analyze" and p.current == "Measuring colours" and p.done == p.total == 12
                   for p in seen)

        # a new file is analysed in its run, a deleted one takes its row along
        make_image(photo_dir / "new.jpg", (10, 200, 200), seed=99)
        (photo_dir / "home" / "p05.png").unlink()
        lib.index()
        assert set(_rows(lib)) == {int(k) for k in lib.vectors.keys()}
        assert len(analyzer.stored) == 13

        # nothing to do: nothing runs, and the report says nothing changed
        quiet = lib.index()
        assert len(analyzer.stored) == 13
        assert quiet.analyzed == quiet.embedded == quiet.new == 0


def test_a_new_version_reanalyses_and_a_stopped_run_resumes(tmp_path: Path, tiny_model_dir: Path,
                                                             photo_dir: Path) -> None:
    for i in range(40):
        make_image(photo_dir / "more" / f"m{i:02d}.png", (i * 6, 100, 250 - i * 6), seed=200 + i)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.apply_settings(lib.settings.with_changes(batch_size=4))
        lib.add_folder(photo_dir)
        lib.index()
        total = len(lib.vectors)
        lib.register_analyzer(MeanColour(lib, version="1"))
        lib.index()
        assert len(_rows(lib)) == total

        controls = Controls.new()
        v2 = MeanColour(lib, version="2", stop_after=1, controls=controls)
        lib.register_analyzer(v2)  # replaces version 1 (same name)
        lib.index(controls=controls)  # stopped after its first batch
        first = len(v2.stored)
        assert 0 < first < total
        again = MeanColour(lib, version="2")
        lib.register_analyzer(again)
        lib.index()
        assert len(again.stored) == total - first  # resumed: only what the stopped run had left
        assert lib.catalog.count_unanalyzed("mean-colour", "2", lib.model_id) == 0


def test_a_failing_item_is_recorded_and_the_others_go_on(tmp_path: Path, tiny_model_dir: Path,
                                                         photo_dir: Path) -> None:
    make_image(photo_dir / "poison.png", (1, 2, 3), seed=7)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        analyzer = MeanColour(lib)
        lib.register_analyzer(analyzer)
        report = lib.index()
        assert len(_rows(lib)) == 12  # every picture but the poisoned one
        # one per item and analyzer (hub scores and places run too); the failure counts as done
        done = lib.catalog.conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
        assert report.analyzed == done and report.analyzed >= 13
        assert lib.catalog.count_unanalyzed("mean-colour", "1", lib.model_id) == 0  # and no retry loop
