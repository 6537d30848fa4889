"""The one search box in the window: understood parts as chips (removable), the Places list,
the place in the preview."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QToolButton

from photolens.core.library import Library
from photolens.desktop.search_bar import Chip
from tests.desktop.helpers import shown_paths, type_query, wait_results
from tests.geo_photos import CITIES, save_with_exif

pytest.importorskip("reverse_geocode")


@pytest.fixture
def geo_library(tmp_path: Path, tiny_model_dir: Path):  # noqa: ANN201 - a Library
    root = tmp_path / "photos"
    for i, (city, year) in enumerate([("Lisbon", 2019), ("Lisbon", 2019), ("Lisbon", 2018), ("Porto", 2019),
                                      ("Paris", 2019)]):
        image = Image.new("RGB", (60, 45), (40 * i, 90, 200 - 30 * i))
        save_with_exif(image, root / f"{city.lower()}-{year}-{i}.jpg", CITIES[city], f"{year}:05:0{i + 1} 10:00:00")
    lib = Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False))
    lib.add_folder(root)
    lib.index()
    yield lib
    lib.close()


def test_understood_parts_are_chips_and_removing_one_reads_its_words_again(qtbot, make_window,  # noqa: ANN001
                                                                            geo_library: Library) -> None:
    window = make_window(geo_library)
    type_query(qtbot, window, "Lisbon 2019")
    assert window.search_bar.plan_chip_texts() == ["In: Lisbon", "When: 2019"]
    assert sorted(Path(p).name for p in shown_paths(window)) == ["lisbon-2019-0.jpg", "lisbon-2019-1.jpg"]
    lisbon = next(w for w in window.search_bar.findChildren(Chip) if w.label.text() == "In: Lisbon")
    assert "city" in lisbon.toolTip() and "Lisbon" in lisbon.toolTip()
    wait_results(qtbot, window, lisbon.findChild(QToolButton).click)
    assert window.search_bar.plan_chip_texts() == ["When: 2019"]
    assert window.search.state.keep_words == ("Lisbon",)
    results = window.search.last_results
    assert results is not None and results.clip_text == "Lisbon"  # a word for CLIP now, in 2019 only
    assert len(results.hits) == 4
    # a new query: removed chips belonged to the old one
    window.search_bar.field.clear()
    type_query(qtbot, window, "Porto")
    assert window.search.state.keep_words == ()
    assert [Path(p).name for p in shown_paths(window)] == ["porto-2019-3.jpg"]


def test_places_list_searches_a_place_and_the_preview_says_where(qtbot, make_window,  # noqa: ANN001
                                                                 geo_library: Library) -> None:
    window = make_window(geo_library)
    window.open_places()
    dialog = window._places_dialog  # noqa: SLF001
    assert dialog.labels() == ["Lisbon, Portugal  ·  3 pictures", "Paris, France  ·  1 picture",
                               "Porto, Portugal  ·  1 picture"]
    assert dialog.labels(countries=True)[0] == "Portugal  ·  4 pictures"
    dialog.filter.setText("par")
    assert dialog.labels() == ["Paris, France  ·  1 picture"]
    item = next(dialog.cities.item(i) for i in range(dialog.cities.count()) if not dialog.cities.item(i).isHidden())
    wait_results(qtbot, window, lambda: dialog.cities.itemActivated.emit(item))
    assert window.search_bar.text() == "place:Paris"
    assert [Path(p).name for p in shown_paths(window)] == ["paris-2019-4.jpg"]
    window.results_view.setCurrentIndex(window.model.index(0, 0))
    qtbot.waitUntil(lambda: window.preview.hit is not None)
    assert window.preview.fields["Place"].text() == "Paris, France"
    assert not window.preview.fields["Place"].isHidden()


def test_the_date_histogram_narrows_the_query_on_click(qtbot, make_window, geo_library: Library) -> None:  # noqa: ANN001
    from PySide6.QtCore import QPoint, Qt

    window = make_window(geo_library)
    type_query(qtbot, window, "Lisbon")
    bars = window.histogram.bars
    assert window.histogram.isVisible()
    assert [b.key for b in bars][0] == "2018-05" and bars[-1].key == "2019-05"  # by month: within two years
    assert [b.count for b in bars if b.count] == [1, 2]
    width = window.histogram.width() / len(bars)
    x = int((len(bars) - 0.5) * width)
    wait_results(qtbot, window, lambda: qtbot.mouseClick(window.histogram, Qt.MouseButton.LeftButton,
                                                         pos=QPoint(x, window.histogram.height() - 20)))
    assert window.search_bar.text() == "Lisbon 2019-05"
    assert window.search_bar.plan_chip_texts() == ["In: Lisbon", "When: 2019-05"]
    assert sorted(Path(p).name for p in shown_paths(window)) == ["lisbon-2019-0.jpg", "lisbon-2019-1.jpg"]
