"""Places: GPS positions read and checked, named offline, stored per item, searched by name."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pytest
from PIL import Image

from photolens.core.media.metadata import read_metadata
from photolens.core.places.geocode import Geocoder, distance_km
from photolens.core.places.position import (
    checked_position,
    exif_degrees,
    parse_iso6709,
    position_problem,
)
from tests.geo_photos import CITIES, save_with_exif

pytest.importorskip("reverse_geocode")


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder()


def test_bad_positions_are_refused_with_a_reason() -> None:
    assert position_problem(91.0, 0.5) == "latitude out of range"
    assert position_problem(10.0, -180.5) == "longitude out of range"
    assert "placeholder" in (position_problem(0.0, 0.0) or "")
    assert position_problem(math.nan, 1.0) == "not a finite number"
    assert position_problem(38.7, -9.1) is None
    assert checked_position(38.72231234567, -9.13931234567) == (38.7223123, -9.1393123)
    assert checked_position(None, 3.0) is None


def test_exif_degrees_need_their_hemisphere() -> None:
    assert exif_degrees((38, 43, 20.28), "N", "N", "S") == pytest.approx(38.7223)
    assert exif_degrees((9, 8, 21.48), b"W\x00", "E", "W") == pytest.approx(-9.1393)
    assert exif_degrees((38, 43, 20.28), None, "N", "S") is None  # missing ref: any of four places
    assert exif_degrees((38, 61, 0), "N", "N", "S") is None  # 61 minutes
    assert exif_degrees("garbage", "N", "N", "S") is None


def test_video_locations_in_iso6709() -> None:
    assert parse_iso6709("+38.7223-009.1393/") == (38.7223, -9.1393)
    assert parse_iso6709("+38.7223-009.1393+012.000/") == (38.7223, -9.1393)
    assert parse_iso6709("-33.8688+151.2093/") == (-33.8688, 151.2093)
    assert parse_iso6709("somewhere") is None


def test_exif_gps_and_dates_are_read_and_bad_ones_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    picture = Image.new("RGB", (40, 30), (200, 10, 10))
    good = read_metadata(save_with_exif(picture, tmp_path / "good.jpg", CITIES["Lisbon"], "2019:06:15 12:00:00"))
    assert (good.gps_lat, good.gps_lon) == pytest.approx(CITIES["Lisbon"], abs=1e-4)
    assert good.taken_at is not None
    caplog.set_level(logging.INFO)
    cases = {
        "norefs.jpg": dict(position=(38.7, 9.1), taken="1850:01:01 10:00:00", refs=False),
        "zero.jpg": dict(position=(0.0, 0.0), taken="2999:01:01 10:00:00"),
    }
    for name, kwargs in cases.items():
        meta = read_metadata(save_with_exif(picture, tmp_path / name, **kwargs), fallback_time=123456789.0)
        assert (meta.gps_lat, meta.gps_lon) == (None, None), name
        assert meta.taken_at == 123456789.0, name  # the file's own date stands in
    logged = caplog.text
    assert "without its N/S or E/W reference" in logged and "placeholder" in logged
    assert "before 1900" in logged and "in the future" in logged


def test_cities_are_named_as_people_name_them(geocoder: Geocoder) -> None:
    places = geocoder.locate([CITIES[c] for c in ("Lisbon", "Paris", "New York", "Tokyo", "Sydney")])
    labels = [p.label if p else None for p in places]
    assert labels == ["Lisbon, Portugal", "Paris, France", "New York City, United States", "Tokyo, Japan",
                      "Sydney, Australia"]
    lisbon = places[0]
    assert lisbon is not None and {"Lisbon", "Portugal", "PT"} <= set(lisbon.names)
    # Ajuda is a district of Lisbon: Lisbon, not the nearer suburb city Amadora
    ajuda = geocoder.locate([(38.697, -9.206)])[0]
    assert ajuda is not None and ajuda.metro == "Lisbon"


def test_far_from_any_town_is_no_place(geocoder: Geocoder) -> None:
    mid_atlantic, countryside = geocoder.locate([(0.5, -30.0), (-24.5, 133.0)])
    assert mid_atlantic is None  # a nearest town 1,000 km away would be a wrong place
    assert countryside is None or countryside.city is None  # outback: at most the region
    assert distance_km(*CITIES["Lisbon"], *CITIES["Porto"]) == pytest.approx(274, abs=5)


def _geo_library(tmp_path: Path, tiny_model_dir: Path):  # noqa: ANN202 - a Library
    from photolens.core.library import Library

    root = tmp_path / "photos"
    pic = Image.new("RGB", (48, 40), (30, 120, 200))
    shots = [("lisbon", "Lisbon", "2019:06:15 12:00:00"), ("lisbon2", "Lisbon", "2018:03:01 09:00:00"),
             ("ajuda", (38.697, -9.206), "2019:07:01 10:00:00"), ("porto", "Porto", "2019:08:01 10:00:00"),
             ("paris", "Paris", "2019:06:20 12:00:00"), ("sea", (0.5, -30.0), "2019:06:01 12:00:00"),
             ("zero", (0.0, 0.0), "2019:06:01 12:00:00"), ("nogps", None, "2019:06:01 12:00:00")]
    for name, where, taken in shots:
        position = CITIES[where] if isinstance(where, str) else where
        save_with_exif(pic, root / f"{name}.jpg", position, taken)
    lib = Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False))
    lib.add_folder(root)
    lib.index()
    return lib, root


def test_places_are_stored_listed_and_searched(tmp_path: Path, tiny_model_dir: Path) -> None:
    from photolens.core.places.store import PlaceNotFoundError
    from photolens.core.query.model import SearchQuery

    lib, root = _geo_library(tmp_path, tiny_model_dir)
    with lib:
        listed = {p.label: p.photos for p in lib.places.everywhere()}
        assert listed == {"Lisbon, Portugal": 3, "Porto, Portugal": 1, "Paris, France": 1}
        assert {c.name: c.photos for c in lib.places.countries()} == {"Portugal": 4, "France": 1}
        assert lib.status().placed == 5

        def names(text: str) -> set[str]:
            return {Path(h.path).stem for h in lib.search(SearchQuery(text=text, limit=50)).hits}

        assert names("place:Lisbon") == {"lisbon", "lisbon2", "ajuda"}
        assert names("place:portugal") == {"lisbon", "lisbon2", "ajuda", "porto"}
        assert names("place:PT") == {"lisbon", "lisbon2", "ajuda", "porto"}
        assert names("blue place:Paris") == {"paris"}
        hit = next(h for h in lib.search(SearchQuery(text="place:Paris")).hits)
        assert hit.place == "Paris, France" and hit.position == pytest.approx(CITIES["Paris"], abs=1e-4)
        with pytest.raises(PlaceNotFoundError, match="Lisbon, Portugal"):
            lib.search(SearchQuery(text="place:Atlantis"))
        # the planner: names the library has become filters, with the date
        results = lib.search(SearchQuery(text="Lisbon 2019"))
        assert {Path(h.path).stem for h in results.hits} == {"lisbon", "ajuda"}
        assert [(c.kind, c.label) for c in results.chips] == [("place", "Lisbon"), ("date", "2019")]


def test_places_survive_a_file_leaving_and_are_kept_per_content(tmp_path: Path, tiny_model_dir: Path) -> None:
    lib, root = _geo_library(tmp_path, tiny_model_dir)
    with lib:
        (root / "paris.jpg").unlink()
        lib.index()
        assert {p.label for p in lib.places.everywhere()} == {"Lisbon, Portugal", "Porto, Portugal"}


def test_cli_places_and_search_json(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from photolens.core import cli

    lib, _ = _geo_library(tmp_path, tiny_model_dir)
    lib.close()
    base = ["--data-dir", str(tmp_path / "data")]
    assert cli.main([*base, "places", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["label"], r["photos"]) for r in rows][0] == ("Lisbon, Portugal", 3)
    assert cli.main([*base, "places"]) == 0
    assert "Porto, Portugal" in capsys.readouterr().out
    assert cli.main([*base, "search", "place:Porto", "--json", "--model-path", str(tiny_model_dir)]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [(Path(h["path"]).stem, h["place"]) for h in hits] == [("porto", "Porto, Portugal")]
    assert hits[0]["people"] == []
    assert cli.main([*base, "status", "--model-path", str(tiny_model_dir)]) == 0
    assert "places:  5 pictures with a place" in capsys.readouterr().out
