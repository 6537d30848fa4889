"""The query planner and time in words: plain words that name what the library has become
filters (chips); the rest is for CLIP. No model, no catalog: terms are given."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from photolens.core.places.store import PlaceMatch
from photolens.core.query.parse import parse_words
from photolens.core.query.planner import plan_query
from photolens.core.query.terms import LibraryTerms, NamedPerson
from photolens.core.query.when import find_dates

TODAY = date(2026, 12, 2)  # a Wednesday


def ts(y: int, m: int, d: int) -> float:
    return datetime(y, m, d).timestamp()


@pytest.mark.parametrize(("text", "label", "first", "end"), [
    ("2019", "2019", (2019, 1, 1), (2020, 1, 1)),
    ("summer 2019", "summer 2019", (2019, 6, 1), (2019, 9, 1)),
    ("winter 2019", "winter 2019", (2019, 12, 1), (2020, 3, 1)),
    ("last christmas", "last christmas", (2025, 12, 24), (2025, 12, 27)),
    ("christmas 2019", "christmas 2019", (2019, 12, 24), (2019, 12, 27)),
    ("yesterday", "yesterday", (2026, 12, 1), (2026, 12, 2)),
    ("today", "today", (2026, 12, 2), (2026, 12, 3)),
    ("last week", "last week", (2026, 11, 23), (2026, 11, 30)),
    ("this month", "this month", (2026, 12, 1), (2027, 1, 1)),
    ("last year", "last year", (2025, 1, 1), (2026, 1, 1)),
    ("3 years ago", "3 years ago", (2023, 1, 1), (2024, 1, 1)),
    ("two weeks ago", "two weeks ago", (2026, 11, 16), (2026, 11, 23)),
    ("last summer", "last summer", (2026, 6, 1), (2026, 9, 1)),
    ("may 2019", "may 2019", (2019, 5, 1), (2019, 6, 1)),
    ("2019-06", "2019-06", (2019, 6, 1), (2019, 7, 1)),
    ("2019-06-15", "2019-06-15", (2019, 6, 15), (2019, 6, 16)),
    ("the 90s", "the 1990s", (1990, 1, 1), (2000, 1, 1)),
    ("1980s", "the 1980s", (1980, 1, 1), (1990, 1, 1)),
])
def test_time_words_become_ranges(text: str, label: str, first: tuple[int, int, int], end: tuple[int, int, int]) -> None:
    (found,) = find_dates(text.split(), TODAY)
    assert found.span.label == label
    assert (found.span.after, found.span.before) == (ts(*first), ts(*end))


def test_last_summer_in_july_is_the_year_before() -> None:
    (found,) = find_dates(["last", "summer"], date(2026, 7, 10))
    assert found.span.after == ts(2025, 6, 1)


def test_yearly_times() -> None:
    (march,) = find_dates(["in", "March"], TODAY)
    assert march.span.yearly == ("03-01", "04-01") and march.span.after is None
    (day,) = find_dates("on this day".split(), TODAY)
    assert day.span.yearly == ("12-02", "12-03") and day.span.before == ts(2026, 1, 1)
    (nye,) = find_dates("new year's eve".split(), TODAY)
    assert nye.span.yearly == ("12-31", "01-01")  # wraps the year


@pytest.mark.parametrize("text", ["spring flowers", "a fall in the park", "may i", "2030 cars", "1899",
                                  "summer dress", "march of the penguins", "2019-02-30"])
def test_everyday_words_and_impossible_dates_are_not_times(text: str) -> None:
    assert find_dates(text.split(), TODAY) == []


def terms() -> LibraryTerms:
    lisbon = PlaceMatch("Lisbon", "city", (1, 2), 30)
    return LibraryTerms(
        people={"anna": NamedPerson(1, "Anna", 42), "anna smith": NamedPerson(1, "Anna", 42),
                "rose": NamedPerson(2, "Rose", 5), "ben": NamedPerson(3, "Ben", 7)},
        places={"lisbon": lisbon, "portugal": PlaceMatch("Portugal", "country", (1, 2, 3), 50),
                "paris": PlaceMatch("Paris", "city", (4,), 12), "porto": PlaceMatch("Porto", "city", (3,), 9),
                "nice": PlaceMatch("Nice", "city", (5,), 2)},
        folders={"paris": "Paris", "holidays": "Holidays", "beach": "beach"},
        cameras={"iphone 12": "iPhone 12", "apple": "Apple"},
        longest=2,
    )


def plan(text: str, **kw: object):  # noqa: ANN201 - a QueryPlan
    return plan_query(parse_words(text), terms(), today=TODAY, **kw)  # type: ignore[arg-type]


def test_anna_at_the_beach_in_lisbon_last_summer_just_works() -> None:
    p = plan("Anna at the beach in Lisbon last summer")
    assert [(c.kind, c.label, c.words) for c in p.chips] == [
        ("person", "Anna", "Anna"), ("place", "Lisbon", "in Lisbon"), ("date", "last summer", "last summer")]
    assert p.clip_text == "at the beach"
    assert p.filters.people == ("#1",) and p.filters.places == ("#1,2",)
    assert (p.filters.after, p.filters.before) == (ts(2026, 6, 1), ts(2026, 9, 1))
    assert p.chips[0].detail == "person, 42 pictures" and p.chips[1].detail == "city, 30 pictures"


def test_lowercase_queries_and_full_names() -> None:
    p = plan("anna smith and ben in lisbon")
    assert [c.label for c in p.chips] == ["Anna", "Ben", "Lisbon"]
    assert p.filters.people == ("#1", "#3") and p.clip_text == ""


def test_everyday_words_need_a_capital_or_a_lead() -> None:
    assert plan("rose garden").chips == () and plan("rose garden").clip_text == "rose garden"
    assert [c.label for c in plan("with rose").chips] == ["Rose"]
    assert [c.label for c in plan("Rose in the garden").chips] == ["Rose"]
    assert plan("a nice day").chips == ()
    assert [c.label for c in plan("sunset in nice").chips] == ["Nice"]


def test_a_name_the_library_does_not_have_stays_words() -> None:
    p = plan("carol at the zoo in berlin")
    assert p.chips == () and p.clip_text == "carol at the zoo in berlin"


def test_place_beats_folder_and_says_so_while_in_colon_forces_the_folder() -> None:
    p = plan("eiffel tower Paris")
    (chip,) = p.chips
    assert (chip.kind, chip.alternatives) == ("place", ("folder Paris",))
    forced = plan("eiffel tower in:Paris")
    assert forced.chips == () and forced.filters.folder == "Paris" and forced.clip_text == "eiffel tower"


def test_folders_only_when_led_or_written_as_on_disk() -> None:
    assert plan("kids on the beach").chips == ()  # a folder named beach does not swallow the word
    assert [(c.kind, c.label) for c in plan("sunset from beach").chips] == [("folder", "beach")]
    assert [(c.kind, c.words) for c in plan("cake Holidays").chips] == [("folder", "Holidays")]


def test_cameras_and_nested_places() -> None:
    p = plan("cat iphone 12")
    assert [(c.kind, c.label) for c in p.chips] == [("camera", "iPhone 12")] and p.filters.camera == "iPhone 12"
    nested = plan("Lisbon Portugal")
    assert nested.filters.places == ("#1,2",)  # Lisbon is in Portugal: the smaller one
    apart = plan("Lisbon Porto")
    assert apart.filters.places == ("#1,2,3",)  # either city


def test_removed_chips_stay_words() -> None:
    p = plan("Anna in Lisbon", keep=("Lisbon",))
    assert [c.label for c in p.chips] == ["Anna"] and p.clip_text == "in Lisbon"


def test_one_time_per_query_and_typed_dates_win() -> None:
    p = plan("2019 2020 beach")
    assert [c.label for c in p.chips] == ["2019"] and p.clip_text == "2020 beach"
    typed = plan("after:2018 summer 2019")
    assert typed.chips == () and typed.filters.after == ts(2018, 1, 1)


def test_quoted_text_is_a_text_match_only_when_shown() -> None:
    shown = plan('sign "wifi password"', text_shown=lambda phrase: phrase == "wifi password")
    assert [(c.kind, c.label) for c in shown.chips] == [("text", "wifi password")]
    assert shown.filters.text == ("wifi password",) and shown.clip_text == "sign"
    unseen = plan('"red car" parked', text_shown=lambda phrase: False)
    assert unseen.chips == () and unseen.clip_text == "red car parked"


def test_apostrophes_and_unbalanced_quotes() -> None:
    assert parse_words("new year's eve").text == "new year's eve"
    assert parse_words('"unbalanced quote').text == "unbalanced quote"
    assert [w.quoted for w in parse_words('a "b c" d').words] == [False, True, False]


def test_terms_are_read_again_when_names_change_and_not_on_every_file(tmp_path) -> None:  # noqa: ANN001
    from photolens.core.catalog import Catalog
    from photolens.core.query.terms import TermsCache

    now = [0.0]
    catalog = Catalog(tmp_path / "catalog.db")
    cache = TermsCache(clock=lambda: now[0])
    assert cache.get(catalog).people == {}
    with catalog.conn:
        catalog.conn.execute("INSERT INTO people (name, name_key, hidden) VALUES ('Anna', 'anna', 0)")
    assert "anna" in cache.get(catalog).people  # a new name counts at once
    folder = catalog.add_folder("/photos")
    with catalog.conn:
        catalog.conn.execute("INSERT INTO files (folder_id, path, status) VALUES (?, '/photos/Holidays/a.jpg', "
                             "'indexed')", (folder,))
    assert "holidays" in cache.get(catalog).folders  # a folder's first indexed file counts at once
    with catalog.conn:
        catalog.conn.execute("UPDATE files SET camera_make = 'Canon'")
    assert "canon" in cache.get(catalog).cameras  # so does a camera's
    catalog.move_file(1, folder, "/photos/Beach/a.jpg")  # one folder gone, one new: the counts stay
    assert "holidays" in cache.get(catalog).folders  # read again only after MAX_AGE_S
    now[0] += TermsCache.MAX_AGE_S + 1
    assert "beach" in cache.get(catalog).folders and "holidays" not in cache.get(catalog).folders
    with catalog.conn:
        catalog.conn.execute("UPDATE people SET name = 'Anne', name_key = 'anne'")
    assert "anne" in cache.get(catalog).people and "anna" not in cache.get(catalog).people
    catalog.close()
