"""One search box, end to end with the oracle model: what it looks like, where and when in
one query ("a red circle in Lisbon 2019"), on GPS-tagged JPEGs through the real pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from photolens.core.library import Library
from photolens.core.query.model import SearchQuery
from tests.geo_photos import CITIES, save_with_exif
from tests.oracle import scenes as sc

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"
pytest.importorskip("reverse_geocode")

# (name, shape, colour, city or None, year): two to three of each, so a filter that lets the
# wrong ones through, or a ranking that drops the words, fails
SHOTS = [
    *[(f"circle-lisbon-2019-{i}", "circle", "red", "Lisbon", 2019) for i in range(3)],
    *[(f"circle-lisbon-2018-{i}", "circle", "red", "Lisbon", 2018) for i in range(2)],
    *[(f"circle-porto-2019-{i}", "circle", "red", "Porto", 2019) for i in range(2)],
    *[(f"circle-nogps-2019-{i}", "circle", "red", None, 2019) for i in range(2)],
    *[(f"square-lisbon-2019-{i}", "square", "blue", "Lisbon", 2019) for i in range(3)],
    *[(f"star-lisbon-2019-{i}", "star", "green", "Lisbon", 2019) for i in range(2)],
    *[(f"heart-lisbon-2019-{i}", "heart", "yellow", "Lisbon", 2019) for i in range(2)],
    *[(f"paris-folder-{i}", "triangle", "blue", "Tokyo", 2019) for i in range(2)],  # a folder named Paris
    *[(f"cross-paris-2019-{i}", "cross", "purple", "Paris", 2019) for i in range(2)],
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    assert (ORACLE / "config.json").is_file(), "the oracle model fixture is missing (tests/oracle/README.md)"
    root = tmp_path_factory.mktemp("onebox")
    photos = root / "photos"
    for n, (name, kind, colour, city, year) in enumerate(SHOTS):
        scene = sc.single_shape_scene(kind, colour)
        image = sc.render(scene, 128, sc.scene_rng(1000 + n))
        folder = photos / ("Paris" if name.startswith("paris-folder") else "camera")
        save_with_exif(image, folder / f"{name}.jpg", CITIES[city] if city else None, f"{year}:06:{10 + n % 15:02d} 12:00:00")
    lib = Library.open(root / "data", model_path=ORACLE, models_dir=root / "models")
    lib.add_folder(photos)
    lib.index()
    yield lib
    lib.close()


def found(lib: Library, text: str, *, strong: bool = True) -> set[str]:
    results = lib.search(SearchQuery(text=text, limit=40, collapse_duplicates=False))
    return {Path(h.path).stem for h in (results.strong if strong else results.hits)}


def test_a_red_circle_in_lisbon_2019_is_exactly_those(library: Library) -> None:
    results = library.search(SearchQuery(text="a red circle in Lisbon 2019", limit=40, collapse_duplicates=False))
    assert [(c.kind, c.label) for c in results.chips] == [("place", "Lisbon"), ("date", "2019")]
    assert results.clip_text == "a red circle"
    assert {Path(h.path).stem for h in results.strong} == {f"circle-lisbon-2019-{i}" for i in range(3)}
    assert all(h.place == "Lisbon, Portugal" for h in results.hits)


def test_country_and_listing_newest_first(library: Library) -> None:
    assert found(library, "red circle Portugal 2019") == {f"circle-lisbon-2019-{i}" for i in range(3)} | {
        f"circle-porto-2019-{i}" for i in range(2)}
    listing = library.search(SearchQuery(text="Porto", limit=40)).hits  # a place alone: a listing, newest first
    assert [Path(h.path).stem for h in listing] == ["circle-porto-2019-1", "circle-porto-2019-0"]


def test_paris_the_place_and_paris_the_folder(library: Library) -> None:
    assert found(library, "Paris", strong=False) == {"cross-paris-2019-0", "cross-paris-2019-1"}
    assert found(library, "in:Paris", strong=False) == {"paris-folder-0", "paris-folder-1"}
    results = library.search(SearchQuery(text="Paris"))
    assert results.chips[0].alternatives == ("folder Paris",)


def test_removing_a_chip_gives_the_words_back(library: Library) -> None:
    results = library.search(SearchQuery(text="red circle in Lisbon", keep_words=("Lisbon",), limit=40,
                                         collapse_duplicates=False))
    assert results.chips == () and results.clip_text == "red circle in Lisbon"
    assert any("porto" in Path(h.path).stem or "nogps" in Path(h.path).stem for h in results.strong)
